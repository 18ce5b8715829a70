import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startFakeTwilioVoice, FakeTwilioVoice } from '../../fakes/twilio-voice';
import { startFakeTwilio, FakeTwilio } from '../../fakes/twilio';
import { inbound as smsWebhook, post as postSms } from '../messaging/helpers';
import { all, auth, gatewayPath, newPhone, Node, OUR_NUMBER, PhoneCall, post, PUBLIC_BASE_URL, spoken } from './helpers';

jest.setTimeout(120_000);

// Short enough that the knowledge base's answers are cut when read out.
const SAY_MAX = '120';
const QUESTION = 'what mobile plans do you have';

/** The <Gather> whose action goes to `path`, if any. */
const gatherTo = (twiml: Node, path: string) => all(twiml, 'Gather').find((g) => gatewayPath(g.attrs.action).startsWith(path));

/** The bot's long answer as it was written (stored in the call's conversation). */
async function fullAnswer(gw: Gateway, call: PhoneCall): Promise<string> {
  const conversation = (await gw.services.conversations.findActive('voice', call.from))!;
  const long = (await gw.services.conversations.history(conversation._id)).filter((m) => m.direction === 'out' && m.text.length > Number(SAY_MAX));
  expect(long).toHaveLength(1);
  return long[0].text;
}

describe('voice: a long answer offered in full by text message', () => {
  let gw: Gateway;
  let sms: FakeTwilio;
  let voice: FakeTwilioVoice;
  beforeAll(async () => {
    sms = await startFakeTwilio();
    // One Twilio API for the gateway: calls on the voice fake, messages passed on to the messaging fake.
    voice = await startFakeTwilioVoice({ accountSid: sms.accountSid, authToken: sms.authToken, messagesUrl: sms.url });
    gw = await startGateway('voicesms', {
      env: { TWILIO_ACCOUNT_SID: voice.accountSid, TWILIO_AUTH_TOKEN: voice.authToken, TWILIO_API_URL: voice.url, PUBLIC_BASE_URL, VOICE_SAY_MAX_CHARS: SAY_MAX },
    });
  });
  afterAll(async () => {
    await gw.close();
    await voice.close();
    await sms.close();
  });

  const t = (key: string) => gw.services.prompts.t('en', key, { company: gw.config.COMPANY_NAME });

  it('when an answer was cut and the caller presses 1, then the full answer goes to their phone by SMS, stays in their history, and the call goes on where it was', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const heard = await call.speak(QUESTION);
    const full = await fullAnswer(gw, call);
    // The answer is read shortened, then the offer; the flow's next question waits until it is answered.
    expect(heard.join(' ').length).toBeLessThan(full.length);
    expect(heard.at(-1)).toBe(t('voice_sms_offer'));
    const offer = gatherTo(call.twiml, '/twilio/voice/sms-offer')!;
    expect(offer.attrs).toMatchObject({ input: 'dtmf speech', numDigits: '1' });
    const step = /step=(\d+)/.exec(offer.attrs.action)![1];
    expect(all(call.twiml, 'Redirect')[0].text).toBe(`${PUBLIC_BASE_URL}/twilio/voice/sms-offer?step=${step}&noinput=1`);

    const params = { ...call.base(), Digits: '1' };
    const [first, again] = await Promise.all([post(gw, gatewayPath(offer.attrs.action), params).expect(200), post(gw, gatewayPath(offer.attrs.action), params).expect(200)]);
    expect(again.text).toBe(first.text);
    await call.send(gatewayPath(offer.attrs.action), { Digits: '1' });
    const said = spoken(call.twiml);
    expect(said[0]).toBe(t('voice_sms_sent'));
    expect(said.join(' ')).toContain(t('anything_else'));
    expect(gatewayPath(call.gather().attrs.action)).toBe(`/twilio/voice/gather?step=${step}`);

    const [text] = await eventually(async () => {
      const got = sms.messages.filter((m) => m.to === call.from);
      return got.length ? got : undefined;
    });
    expect(text).toMatchObject({ from: OUR_NUMBER, body: full });
    // Sent once, however often the answer was posted.
    await new Promise((r) => setTimeout(r, 300));
    expect(sms.messages.filter((m) => m.to === call.from)).toHaveLength(1);

    // In the customer's history, as the bot's SMS, delivered.
    const conversation = (await gw.services.conversations.findActive('voice', call.from))!;
    const stored = await eventually(async () => (await gw.services.conversations.customerHistory(conversation.customerId)).messages.find((m) => m.channel === 'sms' && m.status === 'sent'));
    expect(stored).toMatchObject({ direction: 'out', author: 'bot', text: full, channelMessageId: text.sid });
    const { token } = await gw.login(['supervisor']);
    const path = ((await gw.http.get(`/api/calls/${call.callSid}`).set(auth(token)).expect(200)).body as { ivrPath: { input: string; key: string; choice: string }[] }).ivrPath;
    expect(path.at(-1)).toMatchObject({ input: 'dtmf', key: '1', choice: 'send by SMS' });

    // The call goes on from the question it had reached: 9 is "nothing else" there.
    expect((await call.press('9')).length).toBeGreaterThan(0);
    const after = ((await gw.http.get(`/api/calls/${call.callSid}`).set(auth(token)).expect(200)).body as { ivrPath: { step: number; key: string; choice: string }[] }).ivrPath;
    expect(after.at(-1)).toMatchObject({ step: Number(step), key: '9', choice: t('menu_done') });
  });

  it('when the caller says no or nothing, then no SMS is sent and the flow goes on with its question', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await call.speak(QUESTION);
    const said = await call.speak('no thanks');
    expect(said[0]).toBe(t('anything_else'));
    expect(gatherTo(call.twiml, '/twilio/voice/gather')).toBeDefined();

    const quiet = new PhoneCall(gw, newPhone());
    await quiet.dial();
    await quiet.speak(QUESTION);
    expect((await quiet.silence())[0]).toBe(t('anything_else'));
    await new Promise((r) => setTimeout(r, 300));
    expect(sms.messages.filter((m) => m.to === call.from || m.to === quiet.from)).toHaveLength(0);
  });

  it('when the caller opted out of SMS, or withheld their number, then the answer is read shortened and nothing is offered', async () => {
    const phone = newPhone();
    await postSms(gw, smsWebhook(phone, 'STOP')).expect(200);
    const optedOut = new PhoneCall(gw, phone);
    await optedOut.dial();
    const heard = await optedOut.speak(QUESTION);
    expect(heard).not.toContain(t('voice_sms_offer'));
    expect(gatherTo(optedOut.twiml, '/twilio/voice/sms-offer')).toBeUndefined();
    expect(heard.join(' ')).toContain(t('anything_else'));

    const anonymous = new PhoneCall(gw, '+266696687');
    await anonymous.dial();
    expect(await anonymous.speak(QUESTION)).not.toContain(t('voice_sms_offer'));
    expect(gatherTo(anonymous.twiml, '/twilio/voice/sms-offer')).toBeUndefined();
  });

});

describe('voice: the full answer by SMS without Twilio credentials (sandbox)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('voicesmsbox', { env: { PUBLIC_BASE_URL, VOICE_SAY_MAX_CHARS: SAY_MAX } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the caller asks for it, then the full answer lands in the outbox the console shows', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await call.speak(QUESTION);
    const full = await fullAnswer(gw, call);
    await call.speak('yes please');
    expect(spoken(call.twiml)[0]).toBe(gw.services.prompts.t('en', 'voice_sms_sent'));
    const { token } = await gw.login(['supervisor']);
    const outbox = await eventually(async () => {
      const rows = (await gw.http.get('/api/messaging/outbox').set(auth(token)).expect(200)).body as { to: string; from: string; body: string; channel: string }[];
      return rows.find((r) => r.to === call.from);
    });
    expect(outbox).toMatchObject({ channel: 'sms', from: OUR_NUMBER, body: full });
  });
});
