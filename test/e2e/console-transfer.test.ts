// In a real browser (Debian's Chromium through playwright-core): one operator
// hands a conversation on to a colleague with a note, and each console shows
// what changed; in sandbox mode the console's outbox shows an operator's SMS
// reply, to the roles allowed to read it.
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';
import { inbound, newPhone } from '../channels/messaging/helpers';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT = { timeout: 15000 };

interface Account {
  email: string;
  password: string;
}

/** Signs in to the console in a new tab and waits for the live connection; remembers script errors and CSP violations. */
async function signIn(context: BrowserContext, url: string, who: Account): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  await page.goto(`${url}/console/`);
  await page.fill('#login-email', who.email);
  await page.fill('#login-password', who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.locator('#live', { hasText: 'Live' }).waitFor(WAIT);
  } catch (err) {
    throw new Error(`the console did not go live; page problems: ${problems.join('; ') || 'none'}`, { cause: err });
  }
  return { page, problems };
}

describe('browser: transfer and the sandbox outbox in the operator console', () => {
  let gw: Gateway;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    gw = await startGateway('e2etransfer');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('when Ana transfers a claimed conversation to Besnik with a note, then it leaves her console and Besnik has it with the note and can answer', async () => {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const [ana, ben] = await Promise.all([gw.login(['operator'], 'Ana'), gw.login(['operator'], 'Besnik')]);
    const { page: besnik, problems: benProblems } = await signIn(context, gw.url, ben);
    const { page: anaPage, problems: anaProblems } = await signIn(context, gw.url, ana);

    const queued = anaPage.locator(`#queue-list .card[data-conversation-id="${customer.conversationId}"]`);
    await queued.getByRole('button', { name: 'Claim' }).click(WAIT);
    await anaPage.locator('#conv-mode', { hasText: 'With an operator' }).waitFor(WAIT);
    await anaPage.locator(`#mine-list .card[data-conversation-id="${customer.conversationId}"]`).waitFor(WAIT);

    await anaPage.getByRole('button', { name: 'Transfer…' }).click();
    const dialog = anaPage.getByRole('dialog', { name: 'Transfer conversation' });
    await dialog.waitFor(WAIT);
    await dialog.locator(`#transfer-operator option[value="${ben.id}"]`).waitFor({ state: 'attached', ...WAIT });
    expect(await dialog.locator(`#transfer-operator option[value="${ana.id}"]`).count()).toBe(0);
    await dialog.getByLabel('Colleague', { exact: true }).selectOption(ben.id);
    await dialog.getByLabel('Note for whoever takes it').fill('Wants a refund on invoice 1234; already checked the line.');
    await anaPage.screenshot({ path: '/tmp/e2e-console-transfer-dialog.png' });
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();

    // Ana: gone from her conversations, the thread closes.
    await anaPage.locator('#toast', { hasText: 'Transferred to Besnik' }).waitFor(WAIT);
    await anaPage.locator(`#mine-list .card[data-conversation-id="${customer.conversationId}"]`).waitFor({ state: 'detached', ...WAIT });
    await anaPage.locator('#placeholder').waitFor({ state: 'visible', ...WAIT });
    expect(await anaPage.locator('#conversation').isVisible()).toBe(false);
    expect(await anaPage.locator(`.card[data-conversation-id="${customer.conversationId}"]`).count()).toBe(0);

    // Besnik: it arrives live in his conversations, with who sent it and the note.
    const mine = besnik.locator(`#mine-list .card[data-conversation-id="${customer.conversationId}"]`);
    await mine.locator('.card__transfer', { hasText: 'Transferred by Ana: “Wants a refund on invoice 1234' }).waitFor(WAIT);
    await besnik.locator('#toast', { hasText: 'Ana transferred a conversation to you' }).waitFor(WAIT);
    await mine.locator('.card__open').click();
    await besnik.locator('#context .ctx__route', { hasText: 'Ana → Besnik' }).waitFor(WAIT);
    await besnik.locator('#context .ctx__note', { hasText: 'Wants a refund on invoice 1234; already checked the line.' }).waitFor(WAIT);
    await besnik.fill('#reply-text', 'Besnik here, I am looking at the refund now.');
    await besnik.press('#reply-text', 'Enter');
    await customer.waitForBot(/Besnik here, I am looking at the refund/, 15000);

    await besnik.screenshot({ path: '/tmp/e2e-console-transfer.png' });
    expect([...anaProblems, ...benProblems]).toEqual([]);
  }, 90000);

  it('when an operator answers an SMS in sandbox mode, then the outbox lists it; a refresh shows the next one; only supervisors see the email outbox', async () => {
    const phone = newPhone();
    await gw.http.post('/twilio/messaging').type('form').send(inbound(phone, 'hello')).expect(200);
    const conversation = (await gw.services.conversations.findActive('sms', phone))!;
    await gw.services.handoff.escalate(conversation, { reason: 'customer asked for a person', queue: 'general' });
    const drita = await gw.login(['operator'], 'Drita');
    const { page, problems } = await signIn(context, gw.url, drita);

    await page.locator(`#queue-list .card[data-conversation-id="${conversation._id}"]`).getByRole('button', { name: 'Claim' }).click(WAIT);
    await page.fill('#reply-text', 'Drita here: your new SIM is on its way.');
    await page.press('#reply-text', 'Enter');
    await page.locator('#messages .msg--operator', { hasText: 'new SIM' }).locator('.msg__status', { hasText: 'Sent' }).waitFor(WAIT);

    await page.getByRole('button', { name: 'Outbox' }).click();
    await page.locator('#outbox').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#conversation').isVisible()).toBe(false);
    const sms = page.locator('#outbox-sms-list .outbox__item', { hasText: 'Drita here: your new SIM is on its way.' });
    await sms.waitFor(WAIT);
    await sms.locator('.outbox__to', { hasText: `To ${phone}` }).waitFor(WAIT);
    await sms.locator('.chip', { hasText: 'SMS' }).waitFor(WAIT);
    expect(await page.locator('#outbox-email').isVisible()).toBe(false);

    // Sent while the outbox is open: shown after Refresh, not before.
    const next = 'Drita again: tracking number follows.';
    await gw.http.post(`/api/conversations/${conversation._id}/messages`).set('Authorization', `Bearer ${drita.token}`).send({ text: next }).expect(201);
    await eventually(async () => {
      const r = await gw.http.get(`/api/messaging/outbox?conversationId=${conversation._id}`).set('Authorization', `Bearer ${drita.token}`);
      return r.body.some((o: { body: string }) => o.body === next);
    }, 10000);
    expect(await page.locator('#outbox-sms-list .outbox__item', { hasText: next }).count()).toBe(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('#outbox-sms-list .outbox__item', { hasText: next }).waitFor(WAIT);

    // Back to the conversation from its outbox entry.
    await sms.getByRole('button', { name: 'Open conversation' }).click();
    await page.locator('#conversation').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#outbox').isVisible()).toBe(false);

    const sup = await gw.login(['supervisor'], 'Vera');
    const { page: supervisor, problems: supProblems } = await signIn(context, gw.url, sup);
    await supervisor.getByRole('button', { name: 'Outbox' }).click();
    await supervisor.locator('#outbox-email').waitFor({ state: 'visible', ...WAIT });
    await supervisor.locator('#outbox-sms-list .outbox__item', { hasText: next }).waitFor(WAIT);
    await supervisor.screenshot({ path: '/tmp/e2e-console-outbox.png' });

    const marketer = await gw.login(['marketer'], 'Mira');
    const { page: marketing } = await signIn(context, gw.url, marketer);
    expect(await marketing.locator('#outbox-open').isVisible()).toBe(false);

    expect([...problems, ...supProblems]).toEqual([]);
  }, 90000);

  it('when a customer sends a photo from web chat, then the operator sees it in the thread and opens it from the console', async () => {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const photo = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
    const activity = { type: 'message', from: { id: 'customer-photo', role: 'user' }, text: 'this is what the router shows' };
    await gw.http
      .post(`/v3/directline/conversations/${customer.conversationId}/upload`)
      .set('Authorization', `Bearer ${customer.token}`)
      .attach('activity', Buffer.from(JSON.stringify(activity)), { filename: 'blob', contentType: 'application/vnd.microsoft.activity' })
      .attach('file', photo, { filename: 'router.png', contentType: 'image/png' })
      .expect(200);

    const op = await gw.login(['operator'], 'Drita');
    const { page, problems } = await signIn(context, gw.url, op);
    await page.locator(`#queue-list .card[data-conversation-id="${customer.conversationId}"]`).getByRole('button', { name: 'Claim' }).click(WAIT);
    const file = page.locator('#messages .msg__file', { hasText: 'router.png (image/png)' });
    await file.waitFor(WAIT);
    const [tab] = await Promise.all([page.waitForEvent('popup', WAIT), file.click()]);
    await eventually(async () => tab.url().startsWith('blob:'), 10000);
    expect(problems).toEqual([]);
    await tab.close();
    await page.close();
  }, 60000);
});
