// A local fake of Deepgram's listen API for the real @deepgram/sdk to talk
// to (DEEPGRAM_API_URL): REST POST /v1/listen (prerecorded) answers a fixed
// two-channel transcript and records what it was asked; WS /v1/listen (live)
// counts the audio and answers one interim and one final result per second
// of μ-law audio (8000 bytes). Failures can be scripted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

export interface PrerecordedRequest {
  query: URLSearchParams;
  bytes: number;
  contentType: string;
  authorization: string;
}

export interface LiveSession {
  query: URLSearchParams;
  authorization: string;
  bytes: number;
  frames: number;
  closedByClient: boolean;
  /** Arrival time of each binary frame (ms, performance.now()), with its first 4 bytes as a number. */
  arrivals: { at: number; tag: number }[];
}

export interface FakeDeepgram {
  url: string;
  apiKey: string;
  prerecorded: PrerecordedRequest[];
  live: LiveSession[];
  /** The next prerecorded requests answer these statuses (then 200 again). */
  failNext(...statuses: number[]): void;
  /** The transcript the REST API answers with. */
  transcript: { channel: number; start: number; end: number; text: string }[];
  /** Keep frame arrival times (for benchmarks). */
  trackArrivals: boolean;
  close(): Promise<void>;
}

export async function startFakeDeepgram(opts: { apiKey?: string } = {}): Promise<FakeDeepgram> {
  const apiKey = opts.apiKey ?? 'fake-deepgram-key';
  const prerecorded: PrerecordedRequest[] = [];
  const live: LiveSession[] = [];
  let failures: number[] = [];
  const fake = {
    transcript: [
      { channel: 0, start: 0.5, end: 2.1, text: 'Hello, I was charged twice on my bill.' },
      { channel: 1, start: 2.4, end: 4.0, text: 'I am sorry to hear that, let me check.' },
      { channel: 0, start: 4.5, end: 6.0, text: 'My card number is [REDACTED].' },
    ],
    trackArrivals: false,
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (u.pathname !== '/v1/listen' || req.method !== 'POST') return send(404, { err_code: 'NOT_FOUND', err_msg: 'not found' });
      const authorization = String(req.headers.authorization ?? '');
      prerecorded.push({ query: u.searchParams, bytes: Buffer.concat(chunks).length, contentType: String(req.headers['content-type'] ?? ''), authorization });
      if (authorization !== `Token ${apiKey}`) return send(401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' });
      const status = failures.shift();
      if (status) return send(status, { err_code: 'SCRIPTED', err_msg: `scripted ${status}` });
      const channels = u.searchParams.get('multichannel') === 'true' ? 2 : 1;
      const lines = fake.transcript.filter((l) => l.channel < channels);
      send(200, {
        metadata: { request_id: 'fake', channels, duration: 6, models: ['fake'] },
        results: {
          channels: Array.from({ length: channels }, (_, ch) => ({
            alternatives: [{ transcript: lines.filter((l) => l.channel === ch).map((l) => l.text).join(' '), confidence: 0.93, words: [] }],
          })),
          utterances:
            u.searchParams.get('utterances') === 'true'
              ? lines.map((l, i) => ({ start: l.start, end: l.end, confidence: 0.93, channel: l.channel, transcript: l.text, words: [], speaker: 0, id: `u${i}` }))
              : undefined,
        },
      });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    const authorization = String(req.headers.authorization ?? '');
    if (u.pathname !== '/v1/listen' || authorization !== `Token ${apiKey}`) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveLive(ws, { query: u.searchParams, authorization, bytes: 0, frames: 0, closedByClient: false, arrivals: [] }));
  });

  function serveLive(ws: WebSocket, session: LiveSession) {
    live.push(session);
    let second = 0;
    const result = (isFinal: boolean) =>
      JSON.stringify({
        type: 'Results',
        channel_index: [0, 1],
        duration: 1,
        start: second,
        is_final: isFinal,
        speech_final: isFinal,
        channel: { alternatives: [{ transcript: isFinal ? `live segment ${second + 1}` : `live segm`, confidence: 0.9, words: [] }] },
        metadata: { request_id: 'fake-live', model_info: { name: 'fake', version: '1', arch: 'fake' }, model_uuid: 'fake' },
      });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const msg = JSON.parse(String(data)) as { type?: string };
        if (msg.type === 'CloseStream') {
          session.closedByClient = true;
          ws.close(1000);
        }
        return;
      }
      const buf = data as Buffer;
      if (fake.trackArrivals && buf.length >= 4) session.arrivals.push({ at: performance.now(), tag: buf.readUInt32BE(0) });
      session.frames++;
      const before = Math.floor(session.bytes / 8000);
      session.bytes += buf.length;
      const after = Math.floor(session.bytes / 8000);
      if (after > before && ws.readyState === ws.OPEN) {
        ws.send(result(false));
        ws.send(result(true));
        second++;
      }
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    apiKey,
    prerecorded,
    live,
    failNext(...statuses: number[]) {
      failures.push(...statuses);
    },
    async close() {
      failures = [];
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
