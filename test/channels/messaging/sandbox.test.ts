import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { loadConfig } from '../../../src/config';
import { auth, inbound, messagesOf, newPhone } from './helpers';

describe('messaging without a Twilio account (sandbox mode)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('msgsandbox');
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when there are no credentials, then webhooks work unsigned and operator replies land in the outbox the console reads', async () => {
    const phone = newPhone();
    const res = await gw.http.post('/twilio/messaging').type('form').send(inbound(phone, 'hello')).expect(200);
    expect(messagesOf(res.text).length).toBeGreaterThan(0);
    const conversation = (await gw.services.conversations.findActive('sms', phone))!;
    const { escalation } = await gw.services.handoff.escalate(conversation, { reason: 'customer asked for a person', queue: 'general' });
    const op = await gw.login(['operator'], 'Drita');
    await gw.http.post(`/api/escalations/${escalation._id}/claim`).set(auth(op.token)).expect(200);
    const sent = await gw.http.post(`/api/conversations/${conversation._id}/messages`).set(auth(op.token)).send({ text: 'Drita here, hello!' }).expect(201);

    const outbox = await eventually(async () => {
      const r = await gw.http.get(`/api/messaging/outbox?conversationId=${conversation._id}`).set(auth(op.token)).expect(200);
      return r.body.some((o: { body: string }) => o.body === 'Drita here, hello!') ? r.body : undefined;
    });
    expect(outbox.find((o: { body: string }) => o.body === 'Drita here, hello!')).toMatchObject({ channel: 'sms', to: phone, from: '+35542200100', messageId: sent.body.id });
    const m = await eventually(async () => {
      const x = await gw.services.conversations.getMessage(sent.body.id);
      return x?.status === 'sent' ? x : undefined;
    });
    expect(m).toMatchObject({ status: 'sent', channelMessageId: `sandbox-${sent.body.id}` });
    await gw.http.get('/api/messaging/outbox').expect(401);

    // Another operator, who never took part in this conversation, does not see what was sent in it.
    const other = await gw.login(['operator'], 'Besnik');
    const theirs = await gw.http.get(`/api/messaging/outbox?conversationId=${conversation._id}`).set(auth(other.token)).expect(200);
    expect(theirs.body).toEqual([]);
    const supervisor = await gw.login(['supervisor']);
    const all = await gw.http.get(`/api/messaging/outbox?conversationId=${conversation._id}`).set(auth(supervisor.token)).expect(200);
    expect(all.body.some((o: { body: string }) => o.body === 'Drita here, hello!')).toBe(true);
  });
});

describe('messaging configuration', () => {
  const production = {
    NODE_ENV: 'production',
    MONGODB_URI: 'mongodb://127.0.0.1:27017/x',
    REDIS_URL: 'redis://127.0.0.1:6379',
    PUBLIC_BASE_URL: 'https://gateway.example',
    DIRECTLINE_SECRET: 'prod-directline-secret-0123456789',
    SESSION_SECRET: 'prod-session-secret-0123456789',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: 'a-long-operator-passphrase',
  };

  it('when production has messaging on but no TWILIO_AUTH_TOKEN, then it refuses to start (webhooks could not be verified)', () => {
    expect(() => loadConfig({ ...production, TWILIO_MESSAGING_ENABLED: 'true' })).toThrow(/TWILIO_AUTH_TOKEN must be set/);
    expect(() => loadConfig({ ...production, TWILIO_ACCOUNT_SID: 'AC0123' })).toThrow(/TWILIO_AUTH_TOKEN/);
  });

  it('when production has the token, then messaging is on; with no Twilio at all, its webhooks are not served', () => {
    expect(loadConfig({ ...production, TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'x'.repeat(32) }).TWILIO_MESSAGING_ENABLED).toBe(true);
    expect(loadConfig(production).TWILIO_MESSAGING_ENABLED).toBe(false);
    expect(loadConfig({ ...production, NODE_ENV: 'development' }).TWILIO_MESSAGING_ENABLED).toBe(true);
  });
});
