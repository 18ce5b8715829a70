// In a real browser (Debian's Chromium through playwright-core): a customer
// on the demo page chats with the bot and asks for a person; an operator in
// the console claims, replies and resolves; each step shows on the other side.
import { chromium, Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT = { timeout: 15000 };

/** A page that remembers its script errors and CSP violations, so a test can say there were none. */
async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** Web Chat's bubbles (the page itself also mentions a "virtual assistant"). */
const bubble = (page: Page, text: string | RegExp) => page.locator('.webchat__bubble__content', { hasText: text }).first();

/** Types into Web Chat's send box and sends; Web Chat empties the box once it has taken the message. */
async function say(page: Page, text: string): Promise<void> {
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await input.fill(text);
  await input.press('Enter');
  await page.waitForFunction((el) => (el as unknown as { value: string }).value === '', await input.elementHandle(), WAIT);
}

async function storedConversationId(page: Page): Promise<string> {
  // Runs in the page; the test's TypeScript has no DOM types, hence the narrow cast.
  return page.evaluate(() => {
    const store = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
    return JSON.parse(store.getItem('vala.webchat.session') ?? '{}').conversationId as string;
  });
}

describe('browser: the web chat demo page and the operator console', () => {
  let gw: Gateway;
  let browser: Browser;
  // One context: the pages share the HTTP cache (Web Chat's bundle is 3.9 MB), while
  // sessionStorage stays per tab as it does for a person with two tabs open.
  let context: BrowserContext;

  beforeAll(async () => {
    gw = await startGateway('e2e');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('when a customer asks for a person, then an operator claims, replies and resolves in the console and the customer sees each step', async () => {
    const { page: customer, problems: customerProblems } = await openPage(context, `${gw.url}/`);
    await bubble(customer, 'virtual assistant').waitFor(WAIT);

    await say(customer, 'what are your opening hours');
    await bubble(customer, /Monday to Saturday/).waitFor(WAIT);

    await say(customer, 'I want to talk to a person');
    await bubble(customer, /number \d+ in the queue/).waitFor(WAIT);
    const conversationId = await storedConversationId(customer);

    const op = await gw.login(['operator'], 'Ana');
    const { page: operator, problems: operatorProblems } = await openPage(context, `${gw.url}/console/`);
    await operator.fill('#login-email', op.email);
    await operator.fill('#login-password', op.password);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    await operator.locator('#live', { hasText: 'Live' }).waitFor(WAIT);

    const card = operator.locator(`#queue-list .card[data-conversation-id="${conversationId}"]`);
    await card.waitFor(WAIT);
    await card.locator('.card__reason', { hasText: 'customer asked for a person' }).waitFor(WAIT);
    await card.locator('summary', { hasText: 'Context' }).click();
    await card.getByText('what are your opening hours').first().waitFor(WAIT);

    await card.getByRole('button', { name: 'Claim' }).click();
    await operator.locator('#conv-mode', { hasText: 'With an operator' }).waitFor(WAIT);
    await operator.locator(`#mine-list .card[data-conversation-id="${conversationId}"]`).waitFor(WAIT);
    await bubble(customer, 'Ana has joined the conversation').waitFor(WAIT);

    await operator.fill('#reply-text', 'Hi, this is Ana. How can I help?');
    await operator.press('#reply-text', 'Enter');
    await bubble(customer, 'Hi, this is Ana. How can I help?').waitFor(WAIT);
    await customer.locator('.operator-status', { hasText: 'Ana' }).waitFor(WAIT);
    const sent = operator.locator('#messages .msg--operator', { hasText: 'this is Ana' });
    await sent.locator('.msg__status', { hasText: /Sent|Delivered|Read/ }).waitFor(WAIT);

    // The customer's text reaches the console live, shown as text even when it looks like markup.
    await say(customer, 'My router shows <b>red</b> lights');
    await operator.locator('#messages .msg--customer', { hasText: 'My router shows <b>red</b> lights' }).waitFor(WAIT);
    expect(await operator.locator('#messages b').count()).toBe(0);

    await operator.getByRole('button', { name: 'Resolve' }).click();
    await bubble(customer, 'closed this conversation').waitFor(WAIT);
    await operator.locator('#mine-empty').waitFor({ state: 'visible', ...WAIT });
    await operator.locator('#conv-mode', { hasText: 'With the bot' }).waitFor(WAIT);

    await customer.screenshot({ path: '/tmp/e2e-webchat.png' });
    await operator.screenshot({ path: '/tmp/e2e-console.png' });
    expect([...customerProblems, ...operatorProblems]).toEqual([]);
    // Two pages and a dozen round trips: 90 s leaves room on a busy 2-core machine.
  }, 90000);

  it('when the console loses its live connection, then it shows it and reconnects; a claim someone else won meanwhile is reported', async () => {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const [ana, ben] = await Promise.all([gw.login(['operator'], 'Ana'), gw.login(['operator'], 'Ben')]);

    const operator = await context.newPage();
    // The test stands between the console and its socket, so it can cut the line.
    let line: WebSocketRoute | null = null;
    let cutOff = false;
    await operator.routeWebSocket(/\/console\/socket$/, (ws) => {
      if (cutOff) ws.onMessage(() => undefined);
      else line = ws.connectToServer();
    });
    await operator.goto(`${gw.url}/console/`);
    await operator.fill('#login-email', ana.email);
    await operator.fill('#login-password', ana.password);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    await operator.locator('#live', { hasText: 'Live' }).waitFor(WAIT);

    await line!.close();
    await operator.locator('#live', { hasText: 'Reconnecting' }).waitFor(WAIT);
    await operator.locator('#live', { hasText: 'Live' }).waitFor(WAIT);

    cutOff = true;
    await line!.close();
    await operator.locator('#live', { hasText: 'Reconnecting' }).waitFor(WAIT);
    const card = operator.locator(`#queue-list .card[data-conversation-id="${customer.conversationId}"]`);
    const escalationId = await card.getAttribute('data-escalation-id', WAIT);
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set('Authorization', `Bearer ${ben.token}`).expect(200);
    await card.getByRole('button', { name: 'Claim' }).click();
    await operator.locator('#toast', { hasText: 'Someone else took it' }).waitFor(WAIT);
    await card.waitFor({ state: 'detached', ...WAIT });
  }, 60000);

  it('when the customer reloads the page, then the same conversation continues without a second greeting', async () => {
    const { page, problems } = await openPage(context, `${gw.url}/`);
    await bubble(page, 'virtual assistant').waitFor(WAIT);
    await say(page, 'how much does roaming cost');
    await bubble(page, /Travel Pass/).waitFor(WAIT);
    const before = await storedConversationId(page);

    await page.reload();
    await bubble(page, /Travel Pass/).waitFor(WAIT);
    expect(await storedConversationId(page)).toBe(before);
    expect(await page.locator('.webchat__bubble__content', { hasText: 'virtual assistant' }).count()).toBe(1);

    await say(page, 'what are your opening hours');
    await bubble(page, /Monday to Saturday/).waitFor(WAIT);
    expect(problems).toEqual([]);
  }, 60000);

  it('when the page uses HTTP polling and the customer presses "Talk to a person", then the bot queues the chat', async () => {
    const { page, problems } = await openPage(context, `${gw.url}/?transport=polling`);
    await bubble(page, 'virtual assistant').waitFor(WAIT);
    await page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: 'Talk to a person' }).click(WAIT);
    await bubble(page, /number \d+ in the queue/).waitFor(WAIT);
    await page.screenshot({ path: '/tmp/e2e-webchat-polling.png' });
    expect(problems).toEqual([]);
  }, 60000);
});
