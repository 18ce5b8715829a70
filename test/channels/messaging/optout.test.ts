import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startFakeTwilio, FakeTwilio } from '../../fakes/twilio';
import { auth, newPhone, say, twilioEnv } from './helpers';

const WINDOW_SECONDS = 3;

describe('messaging opt-out: STOP, START and HELP, and who may be messaged', () => {
  let gw: Gateway;
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await startFakeTwilio();
    gw = await startGateway('msgoptout', { env: twilioEnv(fake, { WHATSAPP_WINDOW_SECONDS: String(WINDOW_SECONDS) }) });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  const t = (key: string) => gw.services.prompts.t('en', key, { company: gw.config.COMPANY_NAME });
  const sent = (to: string) => fake.creates().filter((r) => r.params.get('To') === to).map((r) => r.params.get('Body'));

  async function customer(address: string, channel = 'sms') {
    const phone = address.replace(/^whatsapp:/, '');
    const c = await gw.services.conversations.findActive(channel, phone);
    if (!c) throw new Error('no conversation');
    return { conversation: c, customer: (await gw.services.conversations.getCustomer(c.customerId))! };
  }

  /** The customer has written and an operator holds the conversation. */
  async function withOperator(address: string, channel = 'sms') {
    await say(gw, address, 'hello');
    const { conversation } = await customer(address, channel);
    const { escalation } = await gw.services.handoff.escalate(conversation, { reason: 'customer asked for a person', queue: 'general' });
    const op = await gw.login();
    await gw.http.post(`/api/escalations/${escalation._id}/claim`).set(auth(op.token)).expect(200);
    await eventually(async () => sent(address).some((b) => /has joined/.test(b ?? '')));
    return { conversation, reply: (text: string) => gw.http.post(`/api/conversations/${conversation._id}/messages`).set(auth(op.token)).send({ text }) };
  }

  it('when a customer texts any opt-out word, in any case, then they are opted out and get only the confirmation', async () => {
    for (const word of ['STOP', 'stop', 'Unsubscribe', 'END', 'quit', 'StopAll', 'REVOKE', 'optout', 'Cancel', ' stop. ']) {
      const phone = newPhone();
      await say(gw, phone, 'hello');
      expect(await say(gw, phone, word)).toEqual([t('messaging_opted_out')]);
      const { customer: c, conversation } = await customer(phone);
      expect(c.optOuts).toEqual(['sms']);
      const history = await gw.services.conversations.history(conversation._id);
      expect(history.slice(-2).map((m) => [m.author, m.text])).toEqual([
        ['customer', word],
        ['system', t('messaging_opted_out')],
      ]);
    }
  });

  it('when "stop" is part of a sentence, then it is an ordinary message for the bot', async () => {
    const phone = newPhone();
    const texts = await say(gw, phone, 'please stop charging me twice');
    expect(texts).not.toContain(t('messaging_opted_out'));
    expect((await customer(phone)).customer.optOuts).toEqual([]);
  });

  it('when an opted-out customer writes, then it is kept for operators and nothing is answered', async () => {
    const phone = newPhone();
    await say(gw, phone, 'STOP');
    expect(await say(gw, phone, 'what are your opening hours')).toEqual([]);
    const history = await gw.services.conversations.history((await customer(phone)).conversation._id);
    expect(history.at(-1)).toMatchObject({ author: 'customer', text: 'what are your opening hours' });
  });

  it('when the customer has opted out, then operator replies are refused with 409 and proactive messages never go out', async () => {
    const phone = newPhone();
    const { conversation, reply } = await withOperator(phone);
    await say(gw, phone, 'STOP');
    const refused = await reply('Are you still there?').expect(409);
    expect(refused.body.detail).toMatch(/opted out of SMS/);
    const proactive = await gw.services.outbound.send(conversation, { author: 'system', text: 'A special offer for you' });
    const m = await eventually(async () => {
      const x = await gw.services.conversations.getMessage(String(proactive._id));
      return x?.status === 'failed' ? x : undefined;
    });
    expect(m.error).toMatch(/opted out/);
    expect(sent(phone)).not.toContain('Are you still there?');
    expect(sent(phone)).not.toContain('A special offer for you');
  });

  it('when an opted-out customer texts START, then they are back in and operators may reply again', async () => {
    const phone = newPhone();
    const { reply } = await withOperator(phone);
    await say(gw, phone, 'stop');
    expect(await say(gw, phone, 'start')).toEqual([t('messaging_opted_in')]);
    expect((await customer(phone)).customer.optOuts).toEqual([]);
    await reply('Welcome back!').expect(201);
    await eventually(async () => sent(phone).includes('Welcome back!'));
  });

  it('when a customer who never opted out says YES, then it is an answer for the bot, not an opt-in', async () => {
    const phone = newPhone();
    await say(gw, phone, 'hello');
    expect(await say(gw, phone, 'yes')).not.toContain(t('messaging_opted_in'));
  });

  it('when a customer texts HELP, then they get the help text and stay subscribed', async () => {
    const phone = newPhone();
    const texts = await say(gw, phone, 'help');
    expect(texts).toEqual([t('messaging_help')]);
    expect(texts[0]).toContain(gw.config.COMPANY_NAME);
    expect((await customer(phone)).customer.optOuts).toEqual([]);
  });

  it('when a customer opts out of SMS, then WhatsApp still answers them (opt-outs are per channel)', async () => {
    const phone = newPhone();
    await say(gw, phone, 'STOP');
    expect((await say(gw, `whatsapp:${phone}`, 'hello')).length).toBeGreaterThan(0);
    const { customer: c } = await customer(phone, 'whatsapp');
    expect(c.optOuts).toEqual(['sms']);
  });

  it("when WhatsApp's customer-service window has closed, then free-form operator replies are refused with a clear message", async () => {
    const address = `whatsapp:${newPhone()}`;
    const { reply } = await withOperator(address, 'whatsapp');
    await reply('Inside the window.').expect(201);
    await eventually(async () => sent(address).includes('Inside the window.'));
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 + 300));
    const refused = await reply('Too late for free text.').expect(409);
    expect(refused.body.detail).toMatch(/customer-service window/);
    // The customer writes again: the window reopens.
    await say(gw, address, 'still there?');
    await reply('Back inside the window.').expect(201);
  }, 20000);

  it('when an operator reply is longer than 1,600 characters, then it is refused with 422 before anything is queued', async () => {
    const phone = newPhone();
    const { reply } = await withOperator(phone);
    const res = await reply('a'.repeat(1601)).expect(422);
    expect(res.body.detail).toMatch(/1600 characters/);
  });
});
