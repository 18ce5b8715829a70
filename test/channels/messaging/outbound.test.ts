import type { Job } from 'bull';
import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startFakeTwilio, FakeTwilio, FakeMessage } from '../../fakes/twilio';
import type { BusEvent } from '../../../src/infra/bus';
import { auth, newPhone, say, twilioEnv, OUR_NUMBER, PUBLIC_BASE_URL } from './helpers';

const RATE = 5;

describe('messaging outbound: operator replies go out through Twilio, once, within the sender rate', () => {
  let gw: Gateway;
  let fake: FakeTwilio;
  const env = () => twilioEnv(fake, { TWILIO_HTTP_TIMEOUT_MS: '1000', MESSAGING_RATE_PER_SECOND: String(RATE) });
  beforeAll(async () => {
    fake = await startFakeTwilio();
    gw = await startGateway('msgoutbound', { env: env() });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  /** A customer who texted in, now with an operator: returns what a reply needs. */
  async function withOperator(phone = newPhone()) {
    await say(gw, phone, 'hello');
    const conversation = await gw.services.conversations.findActive('sms', phone);
    if (!conversation) throw new Error('no conversation');
    const { escalation } = await gw.services.handoff.escalate(conversation, { reason: 'customer asked for a person', queue: 'general' });
    const op = await gw.login(['operator'], 'Ana');
    await gw.http.post(`/api/escalations/${escalation._id}/claim`).set(auth(op.token)).expect(200);
    // "Ana has joined" goes out first; scripted answers are for what the test sends next.
    await eventually(async () => fake.creates().some((r) => r.params.get('To') === phone && /has joined/.test(r.params.get('Body') ?? '')));
    return { phone, conversationId: String(conversation._id), headers: auth(op.token) };
  }

  async function reply(c: { conversationId: string; headers: Record<string, string> }, text: string): Promise<string> {
    const res = await gw.http.post(`/api/conversations/${c.conversationId}/messages`).set(c.headers).send({ text }).expect(201);
    return res.body.id as string;
  }

  const sentWith = (body: string) => fake.creates().filter((r) => r.params.get('Body') === body);
  const stored = async (id: string) => (await gw.services.conversations.getMessage(id))!;
  const fakeMessage = (body: string): FakeMessage => fake.messages.find((m) => m.body === body)!;

  it('when an operator replies, then Twilio gets it from our number with a status callback, and the message is sent', async () => {
    const c = await withOperator();
    const id = await reply(c, 'Hi, Ana here. How can I help?');
    const m = await eventually(async () => ((await stored(id)).status === 'sent' ? stored(id) : undefined));
    const [req] = sentWith('Hi, Ana here. How can I help?');
    expect(req.params.get('To')).toBe(c.phone);
    expect(req.params.get('From')).toBe(OUR_NUMBER);
    expect(req.params.get('StatusCallback')).toBe(`${PUBLIC_BASE_URL}/twilio/messaging/status?mid=${id}`);
    expect(m.channelMessageId).toBe(fakeMessage('Hi, Ana here. How can I help?').sid);
  });

  it('when a proactive question with choices goes out, then it reads "Reply 1 for …" and the answer "2" is taken as that choice', async () => {
    const phone = newPhone();
    await say(gw, phone, 'hello');
    const conversation = (await gw.services.conversations.findActive('sms', phone))!;
    const choices = [
      { title: 'Very happy', value: '5' },
      { title: 'Unhappy', value: '1' },
    ];
    await gw.services.outbound.send(conversation, { author: 'bot', text: 'How did we do today?', choices });
    await eventually(async () => sentWith('How did we do today?\n\nReply 1 for Very happy, 2 for Unhappy.').length === 1);
    await say(gw, phone, '2');
    const history = await gw.services.conversations.history(conversation._id);
    expect(history.filter((m) => m.direction === 'in').at(-1)?.text).toBe('Unhappy');
  });

  it('when status callbacks arrive out of order, then the status never moves backwards and the console is told', async () => {
    const c = await withOperator();
    const events: BusEvent[] = [];
    const off = gw.infra.bus.onAny((e) => events.push(e));
    const id = await reply(c, 'Your order ships today.');
    await eventually(async () => (await stored(id)).status === 'sent');
    const msg = fakeMessage('Your order ships today.');
    expect(await fake.statusCallback(gw.url, msg, 'delivered')).toBe(204);
    expect(await fake.statusCallback(gw.url, msg, 'sent')).toBe(204);
    expect(await fake.statusCallback(gw.url, msg, 'queued')).toBe(204);
    expect((await stored(id)).status).toBe('delivered');
    await fake.statusCallback(gw.url, msg, 'read');
    await fake.statusCallback(gw.url, msg, 'undelivered', { ErrorCode: '30003' });
    expect((await stored(id)).status).toBe('read');
    await eventually(async () => events.some((e) => e.type === 'message.status' && e.messageId === id && e.status === 'read'));
    off();
    expect(events.filter((e) => e.type === 'message.status' && e.messageId === id).map((e) => (e as { status: string }).status)).toEqual(['delivered', 'read']);
  });

  it('when Twilio reports a failure, then the message is failed with the error code and later reports do not revive it', async () => {
    const c = await withOperator();
    const id = await reply(c, 'Can you hear me?');
    await eventually(async () => (await stored(id)).status === 'sent');
    const msg = fakeMessage('Can you hear me?');
    await fake.statusCallback(gw.url, msg, 'undelivered', { ErrorCode: '30003', ErrorMessage: 'Unreachable destination handset' });
    await fake.statusCallback(gw.url, msg, 'delivered');
    expect(await stored(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/30003/) });
  });

  it('when a status callback is not signed by Twilio, then 403 and the status stays', async () => {
    const c = await withOperator();
    const id = await reply(c, 'Signed callbacks only.');
    await eventually(async () => (await stored(id)).status === 'sent');
    const msg = fakeMessage('Signed callbacks only.');
    await gw.http.post(`/twilio/messaging/status?mid=${id}`).type('form').send({ MessageSid: msg.sid, MessageStatus: 'failed' }).set('X-Twilio-Signature', 'forged').expect(403);
    expect((await stored(id)).status).toBe('sent');
  });

  it('when the first attempt times out although Twilio took the message, then the retry finds it there and does not send it again', async () => {
    const c = await withOperator();
    fake.script({ status: 201, delayMs: 2500 });
    const id = await reply(c, 'Sent exactly once, please.');
    const m = await eventually(async () => ((await stored(id)).status === 'sent' ? stored(id) : undefined), 15000);
    expect(sentWith('Sent exactly once, please.')).toHaveLength(1);
    expect(m.channelMessageId).toBe(fakeMessage('Sent exactly once, please.').sid);
    expect(fake.requests.some((r) => r.method === 'GET' && r.params.get('To') === c.phone)).toBe(true);

    // The same job queued again later: still nothing more goes out.
    await gw.services.outbound.enqueue(`${id}`).catch(() => undefined);
    await gw.infra.outboundQueue.add({ messageId: id }, { jobId: `${id}-again` });
    await new Promise((r) => setTimeout(r, 500));
    expect(sentWith('Sent exactly once, please.')).toHaveLength(1);
  }, 20000);

  it('when Twilio answers 429 with Retry-After, then the message is sent after it and only once', async () => {
    const c = await withOperator();
    fake.script({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 2 });
    const id = await reply(c, 'After the rate limit.');
    await eventually(async () => (await stored(id)).status === 'sent', 15000);
    const tries = sentWith('After the rate limit.');
    expect(tries).toHaveLength(2);
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(1950);
    expect(fake.messages.filter((m) => m.body === 'After the rate limit.')).toHaveLength(1);
  }, 20000);

  it('when Twilio answers 503, then the message is retried and sent once', async () => {
    const c = await withOperator();
    fake.script({ status: 503, code: 20503, message: 'Service Unavailable' });
    const id = await reply(c, 'After an outage.');
    await eventually(async () => (await stored(id)).status === 'sent', 20000);
    expect(fake.messages.filter((m) => m.body === 'After an outage.')).toHaveLength(1);
  }, 25000);

  it('when Twilio answers 400, then it is not retried and the message is failed with the reason', async () => {
    const c = await withOperator();
    fake.script({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    const id = await reply(c, 'To a bad number.');
    const m = await eventually(async () => ((await stored(id)).status === 'failed' ? stored(id) : undefined), 10000);
    expect(m.error).toMatch(/21211/);
    await new Promise((r) => setTimeout(r, 3500));
    expect(sentWith('To a bad number.')).toHaveLength(1);
  }, 20000);

  it('when two workers send for the same number at once, then together they keep to its rate', async () => {
    const second = await startGateway('msgoutbound2', { env: { ...env(), QUEUE_PREFIX: gw.config.QUEUE_PREFIX, MONGODB_URI: gw.config.MONGODB_URI } });
    try {
      const active = [0, 0];
      const count = (i: number) => (job: Job<{ messageId: string }>) => void (job.data.messageId && active[i]++);
      gw.infra.outboundQueue.on('active', count(0));
      second.infra.outboundQueue.on('active', count(1));
      const phone = newPhone();
      await say(gw, phone, 'hello');
      const conversation = (await gw.services.conversations.findActive('sms', phone))!;
      const n = 30;
      const texts = Array.from({ length: n }, (_, i) => `Service notice ${i + 1}`);
      for (const text of texts) await gw.services.outbound.send(conversation, { author: 'system', text });
      await eventually(async () => fake.creates().filter((r) => texts.includes(r.params.get('Body') ?? '')).length === n, 20000, 100);
      const times = fake
        .creates()
        .filter((r) => texts.includes(r.params.get('Body') ?? ''))
        .map((r) => r.at)
        .sort((a, b) => a - b);
      // Slots are 1/RATE apart, so the batch takes (n-1)/RATE seconds; 40 free worker slots without the
      // limiter would send it all within a moment. 10% slack for the arrival jitter of a loaded machine.
      expect(times[n - 1] - times[0]).toBeGreaterThanOrEqual(((n - 1) / RATE) * 1000 * 0.9);
      expect(active[0]).toBeGreaterThan(0);
      expect(active[1]).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  }, 40000);
});
