// In a real browser (Debian's Chromium through playwright-core): the operator
// console opens only our own attachments, by id; a URL the customer gave
// (`/api/operators`, an external link) is shown as plain text and never
// fetched, so it can never be sent the operator's token.
import { chromium, Browser, Page, Request } from 'playwright-core';
import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT = { timeout: 15000 };

describe('browser: customer-given attachment links in the operator console', () => {
  let gw: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startGateway('e2eattach');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('when a customer posts attachments pointing at /api/operators and an external site, then the console shows them as text and never requests them, even when clicked', async () => {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person', {
      attachments: [
        { contentType: 'application/pdf', contentUrl: '/api/operators', name: 'invoice.pdf' },
        { contentType: 'image/png', contentUrl: 'https://attacker.example/pixel.png', name: 'photo.png' },
      ],
    });
    await customer.waitForBot(/in the queue/);
    const sup = await gw.login(['supervisor'], 'Drita');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page: Page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.goto(`${gw.url}/console/`);
    await page.fill('#login-email', sup.email);
    await page.fill('#login-password', sup.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#live', { hasText: 'Live' }).waitFor(WAIT);
    await page.locator(`#queue-list .card[data-conversation-id="${customer.conversationId}"] .card__open`).click(WAIT);

    const foreign = page.locator('.msg__files li', { hasText: 'invoice.pdf' });
    await foreign.waitFor(WAIT);
    expect(await foreign.textContent()).toContain('/api/operators');
    expect(await foreign.locator('button, a').count()).toBe(0);
    const external = page.locator('.msg__files li', { hasText: 'photo.png' });
    expect(await external.locator('button, a').count()).toBe(0);
    await foreign.click();
    await external.click();
    // A round trip the console makes after the clicks, so anything they started has been sent by then.
    await page.evaluate(() => fetch('/healthz').then((r) => r.status));

    const asked = requests.map((r) => r.url());
    expect(asked.filter((u) => u.endsWith('/api/operators') || u.includes('attacker.example'))).toEqual([]);
    await context.close();
  }, 60000);
});
