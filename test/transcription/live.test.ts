import net from 'node:net';
import WebSocket from 'ws';
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { startFakeTwilioVoice, FakeTwilioVoice } from '../fakes/twilio-voice';
import { startFakeDeepgram, FakeDeepgram } from '../fakes/deepgram';
import { all, auth, first, newPhone, PhoneCall, PUBLIC_BASE_URL, toneFrames } from '../channels/voice/helpers';

jest.setTimeout(120_000);

interface Received {
  type: string;
  [k: string]: unknown;
}

/** A socket that keeps every JSON frame it gets, and how it closed. */
async function open(url: string): Promise<{ ws: WebSocket; frames: Received[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const frames: Received[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Received));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

/** Twilio's side of a media stream: connected, start (with the token our TwiML gave), media frames in real time, stop. */
async function stream(gw: Gateway, call: PhoneCall, params: Record<string, string>, seconds: number, opts: { track?: string; stop?: boolean } = {}) {
  const s = await open(`${gw.url.replace('http', 'ws')}/twilio/media-stream`);
  const streamSid = `MZ${'0'.repeat(32)}`;
  s.ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  s.ws.send(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid, start: { streamSid, accountSid: 'AC', callSid: call.callSid, tracks: ['inbound', 'outbound'], customParameters: params, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  let chunk = 0;
  for (const frame of toneFrames(seconds)) {
    chunk++;
    s.ws.send(JSON.stringify({ event: 'media', sequenceNumber: String(chunk + 1), streamSid, media: { track: opts.track ?? 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: frame.toString('base64') } }));
    if (chunk % 10 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  if (opts.stop !== false) s.ws.send(JSON.stringify({ event: 'stop', sequenceNumber: String(chunk + 2), streamSid, stop: { accountSid: 'AC', callSid: call.callSid } }));
  return s;
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('live transcription: the console reads the call as it happens', () => {
  let twilio: FakeTwilioVoice;
  let deepgram: FakeDeepgram;
  let gw: Gateway;
  const env = (extra: Record<string, string>) => ({
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_API_URL: twilio.url,
    PUBLIC_BASE_URL,
    VOICE_LIVE_TRANSCRIPTION: 'true',
    VOICE_MEDIA_START_TIMEOUT_MS: '500',
    DEEPGRAM_API_KEY: deepgram.apiKey,
    ...extra,
  });
  beforeAll(async () => {
    twilio = await startFakeTwilioVoice();
    deepgram = await startFakeDeepgram();
    gw = await startGateway('voicelive', { env: env({ DEEPGRAM_API_URL: deepgram.url }) });
  });
  afterAll(async () => {
    await gw.close();
    await twilio.close();
    await deepgram.close();
  });

  /** Dials and returns the stream URL and token the answer carried. */
  async function dial(g: Gateway) {
    const call = new PhoneCall(g, newPhone());
    const answer = await call.send('/twilio/voice', { CallStatus: 'ringing' });
    const start = answer.children[0];
    expect(start.name).toBe('Start');
    const s = first(start, 'Stream')!;
    expect(s.attrs.url).toBe('wss://gateway.example/twilio/media-stream');
    expect(s.attrs.track).toBe('both_tracks');
    const params = Object.fromEntries(all(s, 'Parameter').map((p) => [p.attrs.name, p.attrs.value]));
    expect(Object.keys(params).sort()).toEqual(['conversation', 'token']);
    await call.send('/twilio/voice/start');
    const conversation = (await g.services.conversations.findActive('voice', call.from))!;
    expect(params.conversation).toBe(String(conversation._id));
    return { call, token: params, conversationId: String(conversation._id) };
  }

  it('when the call streams audio, then it goes to Deepgram as μ-law 8 kHz and the watching console receives the transcript segments', async () => {
    const { call, token, conversationId } = await dial(gw);
    const { token: session } = await gw.login(['supervisor']);
    const console = await open(`${gw.url.replace('http', 'ws')}/console/socket`);
    console.ws.send(JSON.stringify({ type: 'auth', token: session }));
    await eventually(async () => console.frames.some((f) => f.type === 'ready'));
    console.ws.send(JSON.stringify({ type: 'watch', conversationId }));
    await eventually(async () => console.frames.some((f) => f.type === 'watching'));

    const media = await stream(gw, call, token, 2);
    const finals = await eventually(async () => {
      const got = console.frames.filter((f) => f.type === 'transcript' && f.final === true);
      return got.length >= 2 ? got : undefined;
    }, 15000);
    expect(finals[0]).toMatchObject({ conversationId, callSid: call.callSid, speaker: 'caller', text: 'live segment 1', start: 0, end: 1 });
    expect(console.frames.some((f) => f.type === 'transcript' && f.final === false)).toBe(true);
    const live = deepgram.live.at(-1)!;
    expect(Object.fromEntries(live.query)).toMatchObject({ encoding: 'mulaw', sample_rate: '8000', interim_results: 'true' });
    expect(live.bytes).toBe(2 * 8000);
    await media.closed;
    await eventually(async () => live.closedByClient);
    const doc = (await gw.http.get(`/api/calls/${call.callSid}`).set(auth(session)).expect(200)).body as { liveTranscript: { text: string }[] };
    expect(doc.liveTranscript.map((s) => s.text)).toEqual(['live segment 1', 'live segment 2']);
    console.ws.close();
    // The IVR went on undisturbed.
    expect((await call.press('1')).length).toBeGreaterThan(0);
  });

  it('when a socket never sends start, sends a start for a call that is not ours, or sends garbage, then it is closed without harm', async () => {
    const silent = await open(`${gw.url.replace('http', 'ws')}/twilio/media-stream`);
    expect(await silent.closed).toBe(1008);

    const { call, token } = await dial(gw);
    const forged = await stream(gw, call, { conversation: token.conversation, token: 'not-the-token' }, 0.2, { stop: false });
    expect(await forged.closed).toBe(1008);
    // A real token for one conversation does not open another.
    const other = await dial(gw);
    const moved = await stream(gw, call, { conversation: other.conversationId, token: token.token }, 0.2, { stop: false });
    expect(await moved.closed).toBe(1008);

    const noisy = await open(`${gw.url.replace('http', 'ws')}/twilio/media-stream`);
    for (let i = 0; i < 60; i++) noisy.ws.send(i % 2 ? 'not json {' : JSON.stringify({ event: 'media', media: { payload: 42 } }));
    expect(await noisy.closed).toBe(1003);
    // The gateway still answers.
    await gw.http.get('/healthz').expect(200);
  });

  it('when Deepgram is unreachable, then the call goes on without a live transcript and the failure is counted', async () => {
    const down = await startGateway('voicelivedown', { env: env({ DEEPGRAM_API_URL: `http://127.0.0.1:${await closedPort()}` }) });
    try {
      const { call, token } = await dial(down);
      const media = await stream(down, call, token, 1, { stop: false });
      await eventually(async () => /voice_live_transcription_failures_total\{reason="[^"]+"\} [1-9]/.test((await down.http.get('/metrics')).text), 15000);
      // Still streaming, still in the IVR.
      expect(media.ws.readyState).toBe(WebSocket.OPEN);
      expect((await call.press('1')).length).toBeGreaterThan(0);
      media.ws.close();
    } finally {
      await down.close();
    }
  });
});
