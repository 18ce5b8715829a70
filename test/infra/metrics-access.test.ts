// Who may read /metrics: the METRICS_TOKEN bearer when one is set; nobody in
// production without one; anyone in development.
import { startGateway, Gateway } from '../helpers/gateway';

describe('metrics access', () => {
  const gateways: Gateway[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });
  const start = async (name: string, env: Record<string, string>) => {
    const g = await startGateway(name, { worker: false, env });
    gateways.push(g);
    return g;
  };

  it('when METRICS_TOKEN is set, then /metrics needs it as a bearer token', async () => {
    const gw = await start('metrics-token', { METRICS_TOKEN: 'metrics-token-0123456789' });
    const anonymous = await gw.http.get('/metrics').expect(401);
    expect(anonymous.text).not.toMatch(/escalation_queue_depth/);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    await gw.http.get('/metrics').set('Authorization', 'Bearer metrics-token-0123456780').expect(401);
    await gw.http.get('/metrics').set('Authorization', 'Bearer short').expect(401);
    const ok = await gw.http.get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789').expect(200);
    expect(ok.text).toMatch(/http_request_duration_seconds/);
  });

  it('when production has no METRICS_TOKEN, then /metrics is not served at all', async () => {
    const gw = await start('metrics-prod', {
      NODE_ENV: 'production',
      ADMIN_EMAIL: 'admin@vala.example',
      ADMIN_PASSWORD: 'tram-lantern-otter-57',
      PUBLIC_BASE_URL: 'https://gateway.vala.example',
      TWILIO_MESSAGING_ENABLED: 'false',
      VOICE_ENABLED: 'false',
    });
    const res = await gw.http.get('/metrics').expect(404);
    expect(res.text).not.toMatch(/escalation_queue_depth/);
    await gw.http.get('/healthz').expect(200);
  });

  it('when development has no METRICS_TOKEN, then /metrics stays open', async () => {
    const gw = await start('metrics-dev', { NODE_ENV: 'development' });
    await gw.http.get('/metrics').expect(200);
  });
});
