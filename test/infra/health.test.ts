import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

describe('health, readiness, metrics and errors', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('health', { worker: false });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the store and Redis answer, then /healthz and /readyz are 200', async () => {
    await gw.http.get('/healthz').expect(200, { status: 'ok' });
    await gw.http.get('/readyz').expect(200, { mongo: true, redis: true });
  });

  it('when the bot has answered, then /metrics shows turns, HTTP latency and the queue depth', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    await c.say('I want to talk to a person');
    await c.waitForBot(/in the queue/);
    const m = await gw.http.get('/metrics').expect(200);
    expect(m.text).toMatch(/bot_turns_total\{channel="webchat"\} [1-9]/);
    expect(m.text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/v3\/directline\/conversations\/:id\/activities"/);
    expect(m.text).toMatch(/escalation_queue_depth\{queue="general"\} 1/);
    expect(m.text).toMatch(/escalations_total\{reason="request"\} 1/);
  });

  it('when a route does not exist, then the answer is a problem+json 404', async () => {
    const res = await gw.http.get('/nope').expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('when pages are served, then security headers are set', async () => {
    const res = await gw.http.get('/').expect(200);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
