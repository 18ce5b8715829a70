import { startGateway, Gateway } from '../../helpers/gateway';
import { startFakeTwilioVoice, FakeTwilioVoice } from '../../fakes/twilio-voice';
import { all, auth, first, gatewayPath, newCallSid, newPhone, OUR_SQ_NUMBER, parseTwiml, PhoneCall, post, PUBLIC_BASE_URL, sign, spoken } from './helpers';

// The shared machine is slow at times; a call walks through several webhooks.
jest.setTimeout(120_000);

describe('voice IVR: a caller navigates by keys and by speech', () => {
  let gw: Gateway;
  let twilio: FakeTwilioVoice;
  beforeAll(async () => {
    twilio = await startFakeTwilioVoice();
    gw = await startGateway('voiceivr', {
      env: {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_API_URL: twilio.url,
        PUBLIC_BASE_URL,
        VOICE_NUMBER_LANGUAGES: `${OUR_SQ_NUMBER}=sq`,
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await twilio.close();
  });

  const t = (lang: string, key: string, vars: Record<string, string | number> = {}) => gw.services.prompts.t(lang, key, { company: gw.config.COMPANY_NAME, ...vars });
  const callOf = async (c: PhoneCall) => {
    const doc = await gw.http.get(`/api/calls/${c.callSid}`).set(auth((await gw.login(['supervisor'])).token)).expect(200);
    return doc.body as { conversationId: string; ivrPath: { input: string; key: string; utterance: string; confidence: number | null; choice: string; menu: string }[]; phase: string; recordings: { sid: string }[] };
  };
  const inbound = async (conversationId: string) => (await gw.services.conversations.history(conversationId)).filter((m) => m.direction === 'in');

  it('when a call comes in, then the caller hears the recording notice and is greeted with a menu to press or say, all URLs pointing back to the gateway', async () => {
    const call = new PhoneCall(gw, newPhone());
    const answer = await call.send('/twilio/voice', { CallStatus: 'ringing' });
    expect(answer.children.map((c) => c.name)).toEqual(['Say', 'Redirect']);
    expect(spoken(answer)).toEqual([t('en', 'voice_recording_notice')]);
    const redirect = first(answer, 'Redirect')!;
    expect(redirect.attrs.method).toBe('POST');
    expect(redirect.text).toBe(`${PUBLIC_BASE_URL}/twilio/voice/start`);

    const greeting = await call.send(gatewayPath(redirect.text));
    const gather = call.gather();
    // Statements first, then the question as a Gather, then where silence leads.
    expect(greeting.children.map((c) => c.name).join(' ')).toMatch(/^(Say )*Gather Redirect$/);
    expect(gather.attrs).toMatchObject({ input: 'dtmf speech', method: 'POST', numDigits: '1', language: 'en-US' });
    expect(gather.attrs.action).toBe(`${PUBLIC_BASE_URL}/twilio/voice/gather?step=1`);
    expect(gather.children.every((c) => c.name === 'Say')).toBe(true);
    expect(spoken(greeting).join(' ')).toContain(t('en', 'welcome'));
    const said = spoken(gather).join(' ');
    expect(said).toMatch(/For [^,]+, press 1\./);
    expect(said).toContain(t('sq', 'voice_language_offer', { digit: 9 }));
    expect(gather.attrs.hints.split(', ').length).toBeGreaterThanOrEqual(2);
    expect(first(greeting, 'Redirect')!.text).toBe(`${PUBLIC_BASE_URL}/twilio/voice/gather?step=1&noinput=1`);
    // The call is recorded (dual-channel) once it is answered.
    const started = twilio.find('POST', new RegExp(`/Calls/${call.callSid}/Recordings\\.json$`));
    expect(started).toHaveLength(1);
    expect(started[0].params.get('RecordingChannels')).toBe('dual');
    expect(started[0].params.get('RecordingStatusCallback')).toBe(`${PUBLIC_BASE_URL}/twilio/voice/recording?source=call`);
  });

  it('when the caller presses a menu key, then the bot gets the choice it stands for and the IVR path records the key', async () => {
    const call = new PhoneCall(gw, newPhone());
    const greeting = (await call.dial()).join(' ');
    const offered = /For ([^,]+), press 1\./.exec(greeting);
    expect(offered).not.toBeNull();
    const next = await call.press('1');
    expect(next.length).toBeGreaterThan(0);
    const doc = await callOf(call);
    expect(doc.ivrPath[0]).toMatchObject({ input: 'dtmf', key: '1', choice: offered![1] });
    expect(doc.ivrPath[0].menu.length).toBeGreaterThan(0);
    expect((await inbound(doc.conversationId)).at(-1)?.text).toBe(offered![1]);
  });

  it('when the caller asks a question in their own words, then the answer is read out and the utterance and its confidence are stored', async () => {
    const call = new PhoneCall(gw, newPhone());
    const greeting = await call.dial();
    const answer = await call.speak('what are your opening hours', 0.87);
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.join(' ')).not.toEqual(greeting.join(' '));
    expect(first(call.twiml, 'Gather')).toBeDefined();
    const doc = await callOf(call);
    expect(doc.ivrPath[0]).toMatchObject({ input: 'speech', utterance: 'what are your opening hours', confidence: 0.87 });
  });

  it.each([
    ['pressing 0', (c: PhoneCall) => c.press('0')],
    ['saying they want a person', (c: PhoneCall) => c.speak('I want to talk to a person')],
  ])('when the caller asks for a person by %s, then they are queued with a hold loop and the escalation is marked as a call with its path', async (_how, ask) => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await ask(call);
    const enqueue = first(call.twiml, 'Enqueue');
    expect(enqueue).toBeDefined();
    expect(enqueue!.text).toBe('general');
    expect(enqueue!.attrs.waitUrl).toBe(`${PUBLIC_BASE_URL}/twilio/voice/queue/wait`);
    expect(gatewayPath(enqueue!.attrs.action)).toMatch(/^\/twilio\/voice\/queue\/result\?step=\d+$/);
    const doc = await callOf(call);
    expect(doc.phase).toBe('queued');
    const { token } = await gw.login(['operator']);
    const queue = (await gw.http.get('/api/escalations?status=queued').set(auth(token)).expect(200)).body as { conversationId: string; channel: string; context: { callPath: string[] } }[];
    const mine = queue.find((e) => e.conversationId === doc.conversationId);
    expect(mine?.channel).toBe('voice');
    expect(mine?.context.callPath.join(' ')).toMatch(/pressed 0|said "I want to talk to a person"/);

    // The hold loop announces the place in the queue and waits.
    const hold = parseTwiml((await post(gw, '/twilio/voice/queue/wait', { CallSid: call.callSid, QueueSid: `QU${'1'.repeat(32)}`, QueueTime: '12', QueuePosition: '1' }).expect(200)).text);
    expect(hold.children.map((c) => c.name)).toEqual(['Say', 'Pause']);
    expect(spoken(hold)[0]).toMatch(/next in the queue|number \d+ in the queue/);
  });

  it('when the caller says nothing, then the question is asked again after an apology, and after two more silences they go to a person', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const menu = call.gather();
    const again = await call.silence();
    expect(again[0]).toBe(t('en', 'voice_no_input'));
    expect(call.gather().attrs.action).toBe(menu.attrs.action);
    await call.silence();
    await call.silence();
    expect(first(call.twiml, 'Enqueue')).toBeDefined();
    const doc = await callOf(call);
    expect(doc.ivrPath.filter((s) => s.input === 'none')).toHaveLength(3);
  });

  it('when the caller presses a key the menu does not offer, then the call goes on with a question and the key is kept as typed', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await call.press('7');
    expect(first(call.twiml, 'Gather') ?? first(call.twiml, 'Enqueue')).toBeDefined();
    const doc = await callOf(call);
    expect(doc.ivrPath[0]).toMatchObject({ input: 'dtmf', key: '7', choice: '' });
    expect((await inbound(doc.conversationId)).at(-1)?.text).toBe('7');
  });

  it('when Twilio repeats the same answer webhook, then it is stored once and both get the same TwiML', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const action = gatewayPath(call.gather().attrs.action);
    const params = { ...call.base(), SpeechResult: 'how do I pay my bill', Confidence: '0.9' };
    const [a, b] = await Promise.all([post(gw, action, params).expect(200), post(gw, action, params).expect(200)]);
    expect(a.text).toBe(b.text);
    const c = await post(gw, action, params).expect(200);
    expect(c.text).toBe(a.text);
    const doc = await callOf(call);
    expect((await inbound(doc.conversationId)).filter((m) => m.text === 'how do I pay my bill')).toHaveLength(1);
    // The incoming-call webhook twice: one call, one conversation.
    await post(gw, '/twilio/voice', call.base()).expect(200);
    const { token } = await gw.login(['supervisor']);
    expect((await gw.http.get(`/api/calls?conversationId=${doc.conversationId}`).set(auth(token)).expect(200)).body).toHaveLength(1);
  });

  it('when the caller presses 9 at the greeting, then the menu is read again in Albanian and listened for in Albanian', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const said = (await call.press('9')).join(' ');
    expect(said).toContain(t('sq', 'main_menu'));
    expect(call.gather().attrs.language).toBe('sq-AL');
    const doc = await callOf(call);
    expect((await gw.services.conversations.get(doc.conversationId)).language).toBe('sq');
  });

  it('when the dialled number is the Albanian line, then the greeting is in Albanian and pressing 9 switches to English', async () => {
    const call = new PhoneCall(gw, newPhone(), OUR_SQ_NUMBER);
    const said = (await call.dial()).join(' ');
    expect(said).toContain(t('sq', 'voice_recording_notice'));
    expect(said).toContain(t('sq', 'welcome'));
    expect(said).toContain(t('en', 'voice_language_offer', { digit: 9 }));
    expect((await call.press('9')).join(' ')).toContain(t('en', 'main_menu'));
    // Albanian speech is understood too: "fol me nje operator" reaches a person.
    const other = new PhoneCall(gw, newPhone(), OUR_SQ_NUMBER);
    await other.dial();
    await other.speak('dua te flas me nje operator');
    expect(first(other.twiml, 'Enqueue')).toBeDefined();
  });

  describe('signatures and bad input', () => {
    it('when the signature is forged, missing, for another URL or the body changed, then 403 and no call is stored', async () => {
      const call = new PhoneCall(gw, newPhone());
      const params = call.base();
      await post(gw, '/twilio/voice', params, { signature: 'bm90IGEgc2lnbmF0dXJl' }).expect(403);
      await post(gw, '/twilio/voice', params, { signature: null }).expect(403);
      await post(gw, '/twilio/voice', params, { token: gw.config.VOICE_SANDBOX_AUTH_TOKEN }).expect(403);
      await post(gw, '/twilio/voice', { ...params, From: '+355690000000' }, { signature: sign(twilio.authToken, '/twilio/voice', params) }).expect(403);
      await post(gw, '/twilio/voice/status', { ...params, CallStatus: 'completed' }, { signature: sign(twilio.authToken, '/twilio/voice', { ...params, CallStatus: 'completed' }) }).expect(403);
      const { token } = await gw.login(['supervisor']);
      await gw.http.get(`/api/calls/${call.callSid}`).set(auth(token)).expect(404);
    });

    it('when a webhook lacks CallSid, names an unknown step or call, or carries a huge SpeechResult, then 400/404 and the call goes on', async () => {
      const call = new PhoneCall(gw, newPhone());
      await call.dial();
      const { CallSid: _omit, ...noSid } = call.base();
      expect((await post(gw, '/twilio/voice', noSid).expect(400)).headers['content-type']).toMatch(/problem\+json/);
      await post(gw, '/twilio/voice/gather?step=99', { ...call.base(), Digits: '1' }).expect(400);
      await post(gw, '/twilio/voice/gather?step=abc', { ...call.base(), Digits: '1' }).expect(400);
      await post(gw, '/twilio/voice/gather', { ...call.base(), Digits: '1' }).expect(400);
      await post(gw, '/twilio/voice/gather?step=1', { ...call.base(), SpeechResult: 'x'.repeat(5000) }).expect(400);
      await post(gw, '/twilio/voice/gather?step=1', { ...call.base(), Digits: '<script>' }).expect(400);
      await post(gw, '/twilio/voice/gather?step=1', { ...call.base(), CallSid: newCallSid(), Digits: '1' }).expect(404);
      await post(gw, '/twilio/voice/queue/wait', { CallSid: 'CA-not-a-sid' }).expect(400);
      // Nothing of that reached the conversation; the caller's real answer still works.
      expect(all(call.twiml, 'Gather')).toHaveLength(1);
      const answer = await call.press('1');
      expect(answer.length).toBeGreaterThan(0);
      const doc = await callOf(call);
      expect(doc.ivrPath).toHaveLength(1);
    });
  });
});
