import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { startFakeTwilioVoice, FakeTwilioVoice } from '../fakes/twilio-voice';
import { startFakeDeepgram, FakeDeepgram } from '../fakes/deepgram';
import { auth, first, hex, newPhone, PhoneCall, post, PUBLIC_BASE_URL } from '../channels/voice/helpers';

jest.setTimeout(120_000);

interface CallJson {
  conversationId: string;
  escalationId: string | null;
  recordingPaused: boolean;
  recordings: { sid: string; url: string; status: string; channels: number; duration: number; source: string; transcriptionStatus: string; transcriptionError: string }[];
  transcript: { text: string; utterances: { speaker: string; channel: number; start: number; end: number; text: string }[] };
  transcriptionStatus: string;
}

describe('recordings: paused around card details, transcribed after the call', () => {
  let gw: Gateway;
  let twilio: FakeTwilioVoice;
  let deepgram: FakeDeepgram;
  let flowsDir: string;
  let supervisor: string;
  beforeAll(async () => {
    // The real knowledge base with a small main flow that collects a card number.
    flowsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-voice-flows-'));
    fs.mkdirSync(path.join(flowsDir, 'faq'));
    fs.copyFileSync(path.join(__dirname, '../../flows/faq/kb.yaml'), path.join(flowsDir, 'faq', 'kb.yaml'));
    fs.copyFileSync(path.join(__dirname, '../channels/voice/fixtures/pci-main.yaml'), path.join(flowsDir, 'main.yaml'));
    twilio = await startFakeTwilioVoice();
    deepgram = await startFakeDeepgram();
    gw = await startGateway('voicerec', {
      env: {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_API_URL: twilio.url,
        PUBLIC_BASE_URL,
        DEEPGRAM_API_KEY: deepgram.apiKey,
        DEEPGRAM_API_URL: deepgram.url,
        FLOWS_DIR: flowsDir,
        TRANSCRIBE_ATTEMPTS: '3',
        TRANSCRIBE_BACKOFF_MS: '50',
      },
    });
    supervisor = (await gw.login(['supervisor'])).token;
  });
  afterAll(async () => {
    await gw.close();
    await twilio.close();
    await deepgram.close();
    fs.rmSync(flowsDir, { recursive: true, force: true });
  });

  const callJson = async (sid: string) => (await gw.http.get(`/api/calls/${sid}`).set(auth(supervisor)).expect(200)).body as CallJson;
  const recordingControl = (callSid: string) => twilio.find('POST', new RegExp(`/Calls/${callSid}/Recordings/RE[0-9a-f]{32}\\.json$`));

  it('when the flow asks for card details, then recording pauses, keys only are listened for, and recording resumes after', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const { recordings } = await callJson(call.callSid);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({ channels: 2, source: 'call', status: 'in-progress' });
    expect(recordings[0].url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${twilio.accountSid}/Recordings/${recordings[0].sid}`);

    await call.press('1');
    const gather = call.gather();
    expect(gather.attrs.input).toBe('dtmf');
    expect(gather.attrs.finishOnKey).toBe('#');
    expect(gather.attrs.numDigits).toBeUndefined();
    const paused = recordingControl(call.callSid);
    expect(paused).toHaveLength(1);
    expect(paused[0].path).toContain(recordings[0].sid);
    expect(paused[0].params.get('Status')).toBe('paused');
    expect((await callJson(call.callSid)).recordingPaused).toBe(true);

    await call.press('4111111111111111#');
    const resumed = recordingControl(call.callSid);
    expect(resumed).toHaveLength(2);
    expect(resumed[1].params.get('Status')).toBe('in-progress');
    expect((await callJson(call.callSid)).recordingPaused).toBe(false);
    // The card number is the caller's answer in the conversation, but never a speech hint or a log line of ours.
    expect(first(call.twiml, 'Gather')!.attrs.input).toBe('dtmf speech');
  });

  it('when a call recording completes, then the worker transcribes it with PCI redaction and stores it on the call, the conversation and the escalation', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    await call.press('0');
    const sid = (await callJson(call.callSid)).recordings[0].sid;
    await call.status('completed', { CallDuration: '62' }).expect(204);
    await post(gw, '/twilio/voice/recording?source=call', {
      CallSid: call.callSid,
      AccountSid: twilio.accountSid,
      RecordingSid: sid,
      RecordingStatus: 'completed',
      RecordingDuration: '60',
      RecordingChannels: '2',
      RecordingUrl: 'https://evil.example/not-twilio',
    }).expect(204);

    const done = await eventually(async () => {
      const c = await callJson(call.callSid);
      return c.transcriptionStatus === 'done' ? c : undefined;
    }, 20000);
    const asked = deepgram.prerecorded.at(-1)!;
    expect(Object.fromEntries(asked.query)).toMatchObject({ redact: 'pci', punctuate: 'true', utterances: 'true', multichannel: 'true' });
    expect(asked.bytes).toBeGreaterThan(44);
    // The audio came from Twilio's API (the fake), with the account's credentials — never from the URL in the callback.
    const fetched = twilio.find('GET', new RegExp(`/Recordings/${sid}\\.wav$`));
    expect(fetched).toHaveLength(1);
    expect(fetched[0].authorized).toBe(true);
    expect(done.recordings[0]).toMatchObject({ status: 'completed', duration: 60, channels: 2, transcriptionStatus: 'done' });
    expect(done.transcript.utterances.map((u) => u.speaker)).toEqual(['caller', 'agent', 'caller']);
    expect(done.transcript.text).toContain('Caller: Hello, I was charged twice on my bill.');
    expect(done.transcript.text).toContain('Agent: I am sorry to hear that');

    const history = await gw.services.conversations.history(done.conversationId);
    expect(history.some((m) => m.author === 'system' && m.text.startsWith('Call transcript') && m.text.includes('charged twice'))).toBe(true);
    const e = await gw.services.handoff.get(done.escalationId!);
    expect((e.context as unknown as { transcript: string }).transcript).toContain('charged twice');
  });

  it('when Deepgram keeps failing, then the job is retried and the recording marked failed, and it can be queued again', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const sid = (await callJson(call.callSid)).recordings[0].sid;
    const before = deepgram.prerecorded.length;
    deepgram.failNext(500, 502, 503);
    const params = { CallSid: call.callSid, RecordingSid: sid, RecordingStatus: 'completed', RecordingDuration: '30', RecordingChannels: '2' };
    await post(gw, '/twilio/voice/recording', params).expect(204);
    // Twilio repeating the callback queues nothing more.
    await post(gw, '/twilio/voice/recording', params).expect(204);
    const failed = await eventually(async () => {
      const c = await callJson(call.callSid);
      return c.recordings[0].transcriptionStatus === 'failed' ? c : undefined;
    }, 20000);
    expect(deepgram.prerecorded.length - before).toBe(3);
    expect(failed.recordings[0].transcriptionError).toMatch(/503|scripted/);
    expect(failed.transcriptionStatus).toBe('failed');

    await gw.http.post(`/api/calls/${call.callSid}/recordings/${sid}/transcribe`).set(auth(supervisor)).expect(202);
    await eventually(async () => (await callJson(call.callSid)).transcriptionStatus === 'done', 20000);
  });

  it('when the recording cannot be fetched from Twilio, then it is marked failed after the retries, not lost', async () => {
    const call = new PhoneCall(gw, newPhone());
    await call.dial();
    const sid = (await callJson(call.callSid)).recordings[0].sid;
    twilio.mediaStatus = 404;
    try {
      await post(gw, '/twilio/voice/recording', { CallSid: call.callSid, RecordingSid: sid, RecordingStatus: 'completed', RecordingDuration: '30', RecordingChannels: '2' }).expect(204);
      const failed = await eventually(async () => {
        const c = await callJson(call.callSid);
        return c.recordings[0].transcriptionStatus === 'failed' ? c : undefined;
      }, 20000);
      expect(failed.recordings[0].transcriptionError).toMatch(/404/);
      expect(failed.recordings[0].status).toBe('completed');
    } finally {
      twilio.mediaStatus = null;
    }
  });

  it('when a recording callback is malformed or for an unknown call, then it is refused or ignored and nothing is queued', async () => {
    await post(gw, '/twilio/voice/recording', { CallSid: `CA${hex()}`, RecordingSid: 'RE123', RecordingStatus: 'completed' }).expect(400);
    const before = deepgram.prerecorded.length;
    await post(gw, '/twilio/voice/recording', { CallSid: `CA${hex()}`, RecordingSid: `RE${hex()}`, RecordingStatus: 'completed', RecordingDuration: '5' }).expect(204);
    await new Promise((r) => setTimeout(r, 300));
    expect(deepgram.prerecorded.length).toBe(before);
  });
});
