import WebSocket from 'ws';
import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startFakeTwilioVoice, FakeTwilioVoice } from '../../fakes/twilio-voice';
import { auth, first, gatewayPath, newPhone, OUR_NUMBER, parseTwiml, PhoneCall, post, PUBLIC_BASE_URL, spoken } from './helpers';

jest.setTimeout(120_000);

// A public holiday at noon: the general queue answers (around the clock), the billing team does not.
const HOLIDAY_NOON = new Date('2026-11-29T11:00:00Z');
const QUEUE_SID = `QU${'a'.repeat(32)}`;

describe('voice handoff: queued callers, operators on the phone, call backs and messages', () => {
  let gw: Gateway;
  let twilio: FakeTwilioVoice;
  beforeAll(async () => {
    twilio = await startFakeTwilioVoice();
    gw = await startGateway('voicehandoff', {
      env: {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_API_URL: twilio.url,
        PUBLIC_BASE_URL,
        VOICE_QUEUE_TIMEOUT_SECONDS: '60',
      },
      services: { clock: () => HOLIDAY_NOON },
    });
  });
  afterAll(async () => {
    await gw.close();
    await twilio.close();
  });

  async function operator(phone: string | null = newPhone(), roles: ('operator' | 'supervisor')[] = ['operator']) {
    const op = await gw.login(roles);
    if (phone) await gw.http.put('/api/calls/phone').set(auth(op.token)).send({ phone }).expect(200);
    return { ...op, phone };
  }

  /** A caller who asked for a person and waits in the queue (the hold loop has run once). */
  async function queuedCaller() {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await call.press('0');
    expect(first(call.twiml, 'Enqueue')).toBeDefined();
    await post(gw, '/twilio/voice/queue/wait', { CallSid: call.callSid, QueueSid: QUEUE_SID, QueueTime: '5' }).expect(200);
    const c = (await gw.services.conversations.findActive('voice', call.from))!;
    const escalation = (await gw.services.handoff.openFor(c._id))!;
    return { call, conversationId: String(c._id), escalationId: String(escalation._id) };
  }

  const placedTo = (phone: string) => twilio.find('POST', /\/Calls\.json$/).filter((r) => r.params.get('To') === phone);

  it('when an operator claims a queued call, then the caller leaves the queue for a conference and the operator is dialled into it after a whisper of the context', async () => {
    const op = await operator();
    const { call, escalationId } = await queuedCaller();
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(op.token)).expect(200);

    const [leg] = await eventually(async () => placedTo(op.phone!).length === 1 && placedTo(op.phone!));
    expect(leg.params.get('From')).toBe(OUR_NUMBER);
    expect(leg.params.get('StatusCallback')).toBe(`${PUBLIC_BASE_URL}/twilio/voice/status`);
    const whisper = parseTwiml(leg.params.get('Twiml') ?? '');
    expect(whisper.children.map((c) => c.name)).toEqual(['Say', 'Dial']);
    expect(spoken(whisper)[0]).toMatch(/Call from plus 3 5 5.*in English.*pressed 0.*Reason: customer asked for a person/);
    const room = first(whisper, 'Conference')!;
    expect(room.text).toBe(`call-${call.callSid}`);
    expect(room.attrs).toMatchObject({ startConferenceOnEnter: 'true', endConferenceOnExit: 'false' });

    const [dequeue] = await eventually(async () => twilio.find('POST', new RegExp(`/Queues/${QUEUE_SID}/Members/${call.callSid}\\.json$`)).length === 1 && twilio.find('POST', new RegExp(`/Members/${call.callSid}\\.json$`)));
    expect(dequeue.params.get('Url')).toBe(`${PUBLIC_BASE_URL}/twilio/voice/conference`);

    // Twilio fetches the conference TwiML for the caller.
    const joined = await call.send(gatewayPath(dequeue.params.get('Url')!));
    const callerRoom = first(joined, 'Conference')!;
    expect(callerRoom.text).toBe(`call-${call.callSid}`);
    expect(callerRoom.attrs).toMatchObject({ startConferenceOnEnter: 'false', endConferenceOnExit: 'true' });
    expect(spoken(joined)[0]).toBe(gw.services.prompts.t('en', 'voice_connecting'));
    const doc = (await gw.http.get(`/api/calls/${call.callSid}`).set(auth(op.token)).expect(200)).body as { phase: string; conference: { operatorCallSid: string } };
    expect(doc.phase).toBe('connected');
    expect(doc.conference.operatorCallSid).toMatch(/^CA/);

    // A warm transfer: the colleague is dialled into the same conference; the caller stays where they are.
    const colleague = await operator();
    await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(op.token)).send({ operatorId: colleague.id }).expect(200);
    const [second] = await eventually(async () => placedTo(colleague.phone!).length === 1 && placedTo(colleague.phone!));
    expect(first(parseTwiml(second.params.get('Twiml') ?? ''), 'Conference')!.text).toBe(`call-${call.callSid}`);
    expect(twilio.find('POST', new RegExp(`/Members/${call.callSid}\\.json$`))).toHaveLength(1);
    // Operator replies in writing cannot reach a caller: they fail at once, saying why.
    const conversation = (await gw.services.conversations.findActive('voice', call.from))!;
    const sent = (await gw.http.post(`/api/conversations/${String(conversation._id)}/messages`).set(auth(colleague.token)).send({ text: 'hello' }).expect(201)).body as { id: string };
    const failed = await eventually(async () => {
      const m = await gw.services.conversations.getMessage(sent.id);
      return m?.status === 'failed' ? m : undefined;
    });
    expect(failed.error).toMatch(/no written replies/);
  });

  /** The console as an operator has it open: every queue change arrives as a frame. */
  async function consoleOf(token: string) {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/console/socket`);
    const frames: { type: string; escalationId?: string; status?: string; operatorId?: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as (typeof frames)[number]));
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    ws.send(JSON.stringify({ type: 'auth', token }));
    await eventually(async () => frames.some((f) => f.type === 'ready'));
    return { ws, frames };
  }

  /** Twilio's status callback for the operator's leg (a call we placed). */
  const legStatus = (legSid: string, to: string, status: string) =>
    post(gw, '/twilio/voice/status', { CallSid: legSid, AccountSid: twilio.accountSid, From: OUR_NUMBER, To: to, CallStatus: status, Direction: 'outbound-api', CallDuration: '0', ApiVersion: '2010-04-01' });

  const redirects = (callSid: string) => twilio.find('POST', new RegExp(`/Calls/${callSid}\\.json$`));

  it("when the operator's phone does not answer, then the caller hears an apology and keeps their place in the queue, the escalation is queued again saying why, the console hears of it and the operator is away", async () => {
    const op = await operator();
    const { call, escalationId, conversationId } = await queuedCaller();
    const before = await gw.services.handoff.get(escalationId);
    const place = await gw.services.handoff.position(before);
    const colleague = await operator();
    const screen = await consoleOf(colleague.token);
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(op.token)).expect(200);
    await eventually(async () => placedTo(op.phone!).length === 1);
    await eventually(async () => twilio.find('POST', new RegExp(`/Members/${call.callSid}\\.json$`)).length === 1);
    await call.send('/twilio/voice/conference');
    const legSid = await eventually(async () => ((await gw.http.get(`/api/calls/${call.callSid}`).set(auth(op.token))).body as { conference: { operatorCallSid: string } }).conference.operatorCallSid || undefined);

    // Twilio reports the unanswered leg, and (as it may) reports it again.
    await legStatus(legSid, op.phone!, 'no-answer').expect(204);
    await legStatus(legSid, op.phone!, 'no-answer').expect(204);

    const [redirect] = redirects(call.callSid);
    expect(redirects(call.callSid)).toHaveLength(1);
    expect(redirect.params.get('Url')).toBe(`${PUBLIC_BASE_URL}/twilio/voice/requeue`);
    const back = await call.send(gatewayPath(redirect.params.get('Url')!));
    expect(back.children.map((c) => c.name)).toEqual(['Say', 'Enqueue']);
    expect(spoken(back)[0]).toBe(gw.services.prompts.t('en', 'voice_operator_no_answer'));
    const enqueue = first(back, 'Enqueue')!;
    expect(enqueue.text).toBe('general');
    expect(enqueue.attrs.waitUrl).toBe(`${PUBLIC_BASE_URL}/twilio/voice/queue/wait`);

    const after = await gw.services.handoff.get(escalationId);
    expect(after).toMatchObject({ status: 'queued', operatorId: null, priority: before.priority, queue: before.queue });
    expect(after.queuedAt.getTime()).toBe(before.queuedAt.getTime());
    expect(await gw.services.handoff.position(after)).toBe(place);
    expect(after.transfers).toHaveLength(1);
    expect(String(after.transfers[0].from)).toBe(op.id);
    expect(after.transfers[0].note).toMatch(/phone did not answer \(no-answer\).*back to the queue/);
    expect((await gw.services.conversations.get(conversationId)).mode).toBe('queued');
    const queue = (await gw.http.get('/api/escalations?status=queued').set(auth(colleague.token)).expect(200)).body as { id: string }[];
    expect(queue.map((e) => e.id)).toContain(escalationId);
    await eventually(async () => screen.frames.some((f) => f.type === 'escalation' && f.escalationId === escalationId && f.status === 'queued'));
    screen.ws.close();
    expect(((await gw.http.get('/api/me').set(auth(op.token)).expect(200)).body as { presence: string }).presence).toBe('away');
    const hold = parseTwiml((await post(gw, '/twilio/voice/queue/wait', { CallSid: call.callSid, QueueSid: QUEUE_SID, QueueTime: '3' }).expect(200)).text);
    expect(spoken(hold)[0]).toMatch(/next in the queue|number \d+ in the queue/);
    expect((await gw.http.get('/metrics').expect(200)).text).toMatch(/^voice_operator_no_answer_total\{status="no-answer"\} 1$/m);

    // A colleague takes it: their phone rings and the caller leaves the queue for the conference again.
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(colleague.token)).expect(200);
    await eventually(async () => placedTo(colleague.phone!).length === 1);
    await eventually(async () => twilio.find('POST', new RegExp(`/Members/${call.callSid}\\.json$`)).length === 2);
    // A late repeat of the first leg's report changes nothing now.
    await legStatus(legSid, op.phone!, 'no-answer').expect(204);
    expect(redirects(call.callSid)).toHaveLength(1);
    expect((await gw.services.handoff.get(escalationId)).status).toBe('assigned');
  });

  it('when the phone is busy before the caller reached the conference, then the caller is queued again instead of waiting in an empty conference', async () => {
    const op = await operator();
    const { call, escalationId } = await queuedCaller();
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(op.token)).expect(200);
    await eventually(async () => placedTo(op.phone!).length === 1);
    const legSid = await eventually(async () => ((await gw.http.get(`/api/calls/${call.callSid}`).set(auth(op.token))).body as { conference: { operatorCallSid: string } }).conference.operatorCallSid || undefined);
    await legStatus(legSid, op.phone!, 'busy').expect(204);
    // Twilio fetches the conference TwiML the dequeue pointed at only now.
    const joined = await call.send('/twilio/voice/conference');
    expect(first(joined, 'Conference')).toBeUndefined();
    expect(first(joined, 'Enqueue')?.text).toBe('general');
    expect(spoken(joined)[0]).toBe(gw.services.prompts.t('en', 'voice_operator_no_answer'));
    expect((await gw.services.handoff.get(escalationId)).status).toBe('queued');
  });

  it('when the operator has no phone number, then the caller keeps waiting and the call says why', async () => {
    const op = await operator(null);
    const { call, escalationId } = await queuedCaller();
    const before = twilio.requests.length;
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(op.token)).expect(200);
    const doc = await eventually(async () => {
      const d = (await gw.http.get(`/api/calls/${call.callSid}`).set(auth(op.token))).body as { conference: { error: string }; phase: string };
      return d.conference?.error ? d : undefined;
    });
    expect(doc.conference.error).toMatch(/no phone/);
    expect(doc.phase).toBe('queued');
    expect(twilio.requests.slice(before).filter((r) => /Members|Calls\.json/.test(r.path))).toHaveLength(0);
    const hold = parseTwiml((await post(gw, '/twilio/voice/queue/wait', { CallSid: call.callSid, QueueSid: QUEUE_SID, QueueTime: '20' }).expect(200)).text);
    expect(spoken(hold)[0]).toBe(gw.services.prompts.t('en', 'voice_hold_assigned'));
  });

  it('when a queued caller hangs up, then the escalation is abandoned, the conversation closes and the figures count it', async () => {
    const { call, escalationId, conversationId } = await queuedCaller();
    await post(gw, '/twilio/voice/queue/result', { ...call.base(), QueueResult: 'hangup', QueueSid: QUEUE_SID, QueueTime: '30' }).expect(200);
    await call.status('completed', { CallDuration: '45' }).expect(204);
    await call.status('completed', { CallDuration: '45' }).expect(204);
    expect((await gw.services.handoff.get(escalationId)).status).toBe('abandoned');
    expect((await gw.services.conversations.get(conversationId)).mode).toBe('closed');
    const metrics = (await gw.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^voice_calls_abandoned_total 1$/m);
    const { token } = await operator(null, ['supervisor']);
    const abandoned = (await gw.http.get('/api/escalations?status=abandoned').set(auth(token)).expect(200)).body as { id: string }[];
    expect(abandoned.map((e) => e.id)).toContain(escalationId);
  });

  it('when nobody answers within the queue timeout, then the caller leaves the queue and can leave a message, which stays on the escalation', async () => {
    const { call, escalationId, conversationId } = await queuedCaller();
    const hold = parseTwiml((await post(gw, '/twilio/voice/queue/wait', { CallSid: call.callSid, QueueSid: QUEUE_SID, QueueTime: '61' }).expect(200)).text);
    expect(hold.children.map((c) => c.name)).toEqual(['Leave']);
    await call.send('/twilio/voice/queue/result', { QueueResult: 'leave', QueueSid: QUEUE_SID, QueueTime: '61' });
    expect(spoken(call.twiml)[0]).toBe(gw.services.prompts.t('en', 'voice_queue_timeout_offer'));
    await call.press('1');
    const record = first(call.twiml, 'Record')!;
    expect(record.attrs).toMatchObject({ action: `${PUBLIC_BASE_URL}/twilio/voice/voicemail`, maxLength: '120', finishOnKey: '#' });
    const recordingSid = `RE${'b'.repeat(32)}`;
    await call.send('/twilio/voice/voicemail', { RecordingSid: recordingSid, RecordingUrl: 'https://evil.example/steal', RecordingDuration: '14' });
    expect(spoken(call.twiml)).toEqual([gw.services.prompts.t('en', 'voice_voicemail_thanks')]);
    expect(first(call.twiml, 'Hangup')).toBeDefined();
    await call.status('completed').expect(204);

    const e = await gw.services.handoff.get(escalationId);
    expect(e.status).toBe('queued');
    expect((e.context as unknown as { notes: string[] }).notes.join(' ')).toMatch(/voicemail left \(14 s/);
    const messages = await gw.services.conversations.history(conversationId);
    const vm = messages.find((m) => m.text.startsWith('[voicemail'))!;
    expect(vm.attachments[0].contentUrl).toBe(`https://api.twilio.com/2010-04-01/Accounts/${twilio.accountSid}/Recordings/${recordingSid}`);
  });

  it('when the caller asks for a call back instead, then the escalation keeps their number and the call ends politely', async () => {
    const { call, escalationId } = await queuedCaller();
    await call.send('/twilio/voice/queue/result', { QueueResult: 'leave', QueueSid: QUEUE_SID });
    await call.press('2');
    expect(spoken(call.twiml)).toEqual([gw.services.prompts.t('en', 'voice_callback_confirmed')]);
    expect(first(call.twiml, 'Hangup')).toBeDefined();
    await call.status('completed').expect(204);
    const e = await gw.services.handoff.get(escalationId);
    expect(e.status).toBe('queued');
    expect((e.context as unknown as { notes: string[] }).notes.join(' ')).toContain(`call back requested on ${call.from}`);
  });

  it('when a team is out of hours, then the flow offers a call back or a message; both become escalations and the call ends', async () => {
    const billing = async (choice: string) => {
      const call = new PhoneCall(gw, newPhone());
      await call.dial();
      await call.press('1'); // billing
      const offer = (await call.press('0')).join(' '); // a person from billing: closed today
      expect(offer).toContain(gw.services.prompts.t('en', 'after_hours_offer'));
      await call.press(choice);
      const c = (await gw.services.conversations.find(String((await gw.services.conversations.findActive('voice', call.from))?._id ?? '')))!;
      return { call, conversationId: c ? String(c._id) : '' };
    };
    const back = await billing('1');
    expect(first(back.call.twiml, 'Hangup')).toBeDefined();
    expect(first(back.call.twiml, 'Enqueue')).toBeUndefined();
    const cb = await gw.services.handoff.openFor(back.conversationId);
    expect(cb).toMatchObject({ queue: 'callbacks', trigger: 'callback' });

    const message = await billing('2');
    const record = first(message.call.twiml, 'Record')!;
    expect(gatewayPath(record.attrs.action)).toMatch(/^\/twilio\/voice\/recorded\?step=\d+$/);
    expect(Number(record.attrs.maxLength)).toBeLessThanOrEqual(120);
    await message.call.send(gatewayPath(record.attrs.action), { RecordingSid: `RE${'c'.repeat(32)}`, RecordingDuration: '9' });
    expect(first(message.call.twiml, 'Hangup')).toBeDefined();
    const vm = await gw.services.handoff.openFor(message.conversationId);
    expect(vm).toMatchObject({ queue: 'callbacks', trigger: 'voicemail' });
  });

  it('when an operator calls a customer back from the console, then their own phone rings first and then the customer, recorded in two channels', async () => {
    const op = await operator(newPhone(), ['supervisor']);
    const { call, conversationId } = await queuedCaller();
    await call.status('completed').expect(204);
    const placed = (await gw.http.post('/api/calls/callback').set(auth(op.token)).send({ conversationId }).expect(201)).body as { callSid: string; to: string; from: string };
    expect(placed).toMatchObject({ to: call.from, from: OUR_NUMBER });
    const [leg] = placedTo(op.phone!);
    const twiml = parseTwiml(leg.params.get('Twiml') ?? '');
    const dial = first(twiml, 'Dial')!;
    expect(dial.attrs).toMatchObject({ callerId: OUR_NUMBER, record: 'record-from-answer-dual' });
    expect(first(dial, 'Number')!.text).toBe(call.from);
    const calls = (await gw.http.get(`/api/calls?conversationId=${conversationId}`).set(auth(op.token)).expect(200)).body as { callSid: string; direction: string }[];
    expect(calls.find((c) => c.callSid === placed.callSid)?.direction).toBe('outbound-callback');

    const phoneless = await operator(null);
    const refused = await gw.http.post('/api/calls/callback').set(auth(phoneless.token)).send({ conversationId });
    expect([400, 403]).toContain(refused.status);
  });
});
