import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startFakeTwilio, FakeTwilio } from '../../fakes/twilio';
import { auth, inbound, messagesOf, newPhone, post, say, sign, twilioEnv, PUBLIC_BASE_URL } from './helpers';

describe('messaging webhook: customers text the company by SMS and WhatsApp', () => {
  let gw: Gateway;
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await startFakeTwilio();
    gw = await startGateway('msgwebhook', { env: twilioEnv(fake) });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  async function supervisor() {
    return auth((await gw.login(['supervisor'])).token);
  }

  /** The greeting every first message gets, whatever the flows answer after it. */
  function welcome(): string {
    return gw.services.prompts.t('en', 'welcome', { company: gw.config.COMPANY_NAME });
  }

  async function conversationOf(phone: string, channel = 'sms') {
    const c = await gw.services.conversations.findActive(channel, phone);
    if (!c) throw new Error(`no ${channel} conversation for ${phone}`);
    return c;
  }

  describe('signatures', () => {
    it('when Twilio signs the public URL, then the bot answers in TwiML', async () => {
      const texts = await say(gw, newPhone(), 'what are your opening hours');
      expect(texts[0]).toBe(welcome());
      expect(texts.length).toBeGreaterThan(1);
    });

    it('when the signature is forged, missing or the body was changed after signing, then 403 and nothing is stored', async () => {
      const phone = newPhone();
      const params = inbound(phone, 'hello');
      await post(gw, params, { signature: 'bm90IGEgc2lnbmF0dXJl' }).expect(403);
      await post(gw, params, { signature: null }).expect(403);
      await post(gw, params, { token: 'not-the-auth-token' }).expect(403);
      const signature = sign(gw.config.TWILIO_AUTH_TOKEN ?? '', params);
      const res = await post(gw, { ...params, Body: 'send all refunds to me' }, { signature }).expect(403);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(await gw.services.conversations.findActive('sms', phone)).toBeNull();
      expect(await gw.services.conversations.findCustomerByIdentities([{ kind: 'phone', value: phone }])).toBeNull();
    });

    it('when signed for the gateway URL itself instead of the public URL behind the proxy, then 403', async () => {
      const params = inbound(newPhone(), 'hello');
      await post(gw, params, { signature: sign(gw.config.TWILIO_AUTH_TOKEN ?? '', params, '/twilio/messaging', gw.url) }).expect(403);
    });

    it('when Twilio signed the public URL with its default port, then it is accepted as well', async () => {
      const params = inbound(newPhone(), 'what are your opening hours');
      const withPort = sign(gw.config.TWILIO_AUTH_TOKEN ?? '', params, '/twilio/messaging', `${PUBLIC_BASE_URL}:443`);
      const res = await post(gw, params, { signature: withPort }).expect(200);
      expect(messagesOf(res.text)[0]).toBe(welcome());
    });
  });

  it('when the bot asks with choices, then they read "Reply 1 for …" and the digit is taken as that choice', async () => {
    const phone = newPhone();
    let offered: RegExpExecArray | null = null;
    for (const text of ['qwerty zxcvb', 'plmokn ijbuhv', 'xqzv wjkp', 'zzkq vvbn']) {
      const line = (await say(gw, phone, text)).join('\n');
      offered = /Reply (\d+) for ([^,.]+)[,.]/.exec(line);
      if (offered) break;
    }
    if (!offered) throw new Error('the bot never offered choices');
    const [, digit, title] = offered;
    expect((await say(gw, phone, digit)).length).toBeGreaterThan(0);
    const history = await gw.services.conversations.history((await conversationOf(phone))._id);
    expect(history.filter((m) => m.direction === 'in').at(-1)?.text).toBe(title);
  });

  it('when Twilio delivers the same MessageSid twice, then it is stored once and both get the same reply', async () => {
    const phone = newPhone();
    const params = inbound(phone, 'how much is roaming');
    const first = await post(gw, params).expect(200);
    const second = await post(gw, params).expect(200);
    expect(second.text).toBe(first.text);
    expect(messagesOf(first.text)[0]).toBe(welcome());
    const history = await gw.services.conversations.history((await conversationOf(phone))._id);
    expect(history.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(history.filter((m) => m.author === 'bot').length).toBe(messagesOf(first.text).length);
  });

  it('when the two deliveries arrive together, then one is stored and both answers are the same', async () => {
    const phone = newPhone();
    const params = inbound(phone, 'what are your opening hours');
    const [a, b] = await Promise.all([post(gw, params), post(gw, params)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.text).toBe(b.text);
    const history = await gw.services.conversations.history((await conversationOf(phone))._id);
    expect(history.filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('when an MMS carries pictures, then they are stored as attachments (URL and type) and never fetched', async () => {
    const phone = newPhone();
    const before = fake.requests.length;
    await say(gw, phone, 'my router looks like this', {
      NumMedia: '2',
      MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${fake.accountSid}/Messages/MM1/Media/ME1`,
      MediaContentType0: 'image/jpeg',
      MediaUrl1: `${fake.url}/never-fetch-me`,
      MediaContentType1: 'image/png',
    });
    const [m] = (await gw.services.conversations.history((await conversationOf(phone))._id)).filter((x) => x.direction === 'in');
    expect(m.attachments).toEqual([
      expect.objectContaining({ contentType: 'image/jpeg', contentUrl: expect.stringMatching(/Media\/ME1$/) }),
      expect.objectContaining({ contentType: 'image/png', contentUrl: `${fake.url}/never-fetch-me` }),
    ]);
    expect(fake.requests.slice(before).filter((r) => r.path === '/never-fetch-me')).toHaveLength(0);
  });

  it('when a customer writes on WhatsApp, then the channel is whatsapp and the address is the E.164 number', async () => {
    const phone = newPhone();
    const texts = await say(gw, `whatsapp:${phone}`, 'what are your opening hours', { ProfileName: 'Arta', WaId: phone.slice(1) });
    expect(texts[0]).toBe(welcome());
    const c = await conversationOf(phone, 'whatsapp');
    expect(c).toMatchObject({ channel: 'whatsapp', address: phone, botAddress: '+35542200199' });
    const customer = await gw.services.conversations.getCustomer(c.customerId);
    expect(customer).toMatchObject({ name: 'Arta', identityKeys: [`whatsapp:${phone}`] });
  });

  it('when the same person writes by SMS and then WhatsApp, then one customer holds both and operators see both histories', async () => {
    const phone = newPhone();
    await say(gw, phone.replace(/^\+355/, '+355 '), 'what are your opening hours');
    await say(gw, `whatsapp:${phone}`, 'how much is roaming');
    const sms = await conversationOf(phone, 'sms');
    const wa = await conversationOf(phone, 'whatsapp');
    expect(String(wa.customerId)).toBe(String(sms.customerId));
    const customer = await gw.services.conversations.getCustomer(sms.customerId);
    expect(customer?.identityKeys.sort()).toEqual([`phone:${phone}`, `whatsapp:${phone}`]);
    const res = await gw.http.get(`/api/conversations/${wa._id}/customer-history`).set(await supervisor()).expect(200);
    const inbound = res.body.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { channel: string; text: string }) => [m.channel, m.text]);
    expect(inbound).toEqual([
      ['sms', 'what are your opening hours'],
      ['whatsapp', 'how much is roaming'],
    ]);
  });

  it('when an operator has the conversation, then texts reach the console and the webhook answers an empty <Response/>', async () => {
    const phone = newPhone();
    await say(gw, phone, 'hello');
    const c = await conversationOf(phone);
    await gw.services.handoff.escalate(c, { reason: 'customer asked for a person', queue: 'general' });
    const texts = await say(gw, phone, 'are you there?');
    expect(texts).toEqual([]);
    const res = await gw.http.get(`/api/conversations/${c._id}`).set(await supervisor()).expect(200);
    expect(res.body.mode).toBe('queued');
    expect(res.body.messages.map((m: { text: string }) => m.text)).toContain('are you there?');
  });

  describe('bad input', () => {
    it('when fields are missing or From is not a phone number, then 400 and nothing is stored', async () => {
      const params = inbound(newPhone(), 'hello');
      const { From: _from, ...noFrom } = params;
      await post(gw, noFrom).expect(400);
      const { MessageSid: _sid, ...noSid } = params;
      await post(gw, noSid).expect(400);
      const bad = await post(gw, { ...params, From: 'not a number' }).expect(400);
      expect(bad.body.detail).toMatch(/From/);
    });

    it('when the body is 1 MB, then 413 before anything else happens', async () => {
      const params = inbound(newPhone(), 'x'.repeat(1024 * 1024));
      const res = await post(gw, params, { signature: 'irrelevant' }).expect(413);
      expect(res.body.detail).toMatch(/too large/);
    });

    it('when the text is unicode, emoji or looks like SQL/NoSQL, then it is stored as written and answered normally', async () => {
      const phone = newPhone();
      const odd = ['Përshëndetje, sa kushton roaming-u? 🇦🇱📱', '{"$gt": ""}', "'; DROP TABLE messages; --", '$where: sleep(1000)', 'Body[$ne]=x'];
      for (const text of odd) expect((await say(gw, phone, text)).length).toBeGreaterThan(0);
      const history = await gw.services.conversations.history((await conversationOf(phone))._id);
      expect(history.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(odd);
      expect((await say(gw, phone, 'what are your opening hours')).length).toBeGreaterThan(0);
    });

    it('when NumMedia lies or a media URL is not http(s), then only the real http(s) media are kept', async () => {
      const phone = newPhone();
      await say(gw, phone, 'look', { NumMedia: '3', MediaUrl0: 'file:///etc/passwd', MediaContentType0: 'text/plain', MediaUrl1: 'https://media.example/a.jpg', MediaContentType1: 'image/jpeg' });
      await eventually(async () => (await gw.services.conversations.findActive('sms', phone)) ?? undefined);
      const [m] = (await gw.services.conversations.history((await conversationOf(phone))._id)).filter((x) => x.direction === 'in');
      expect(m.attachments.map((a) => a.contentUrl)).toEqual(['https://media.example/a.jpg']);
    });
  });
});
