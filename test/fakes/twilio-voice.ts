// A local fake of Twilio's Voice REST API for the real twilio client
// (TWILIO_API_URL): calls (create, update), a call's recordings (create,
// pause/resume), queue members (dequeue), and recording media (a WAV of a
// tone, behind the account's basic auth). It records every request; the
// next answers can be scripted to fail. Messaging has its own fake (twilio.ts);
// with `messagesUrl` the Messages resource is passed on to it, so one
// TWILIO_API_URL serves a gateway that both calls and texts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface VoiceRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  authorized: boolean;
}

export interface FakeTwilioVoice {
  url: string;
  accountSid: string;
  authToken: string;
  requests: VoiceRequest[];
  /** The next REST requests (any but media) answer these statuses. */
  failNext(...statuses: number[]): void;
  /** Recording media answers this status (e.g. 404) until reset with null. */
  mediaStatus: number | null;
  /** Requests whose path matches, in order. */
  find(method: string, path: RegExp): VoiceRequest[];
  close(): Promise<void>;
}

const hex = () => randomBytes(16).toString('hex');

/** A WAV file: 1 s of a 440 Hz tone, 8 kHz, 16-bit, `channels` channels. */
export function toneWav(channels = 1, seconds = 1): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const data = Buffer.alloc(samples * channels * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export async function startFakeTwilioVoice(opts: { accountSid?: string; authToken?: string; messagesUrl?: string } = {}): Promise<FakeTwilioVoice> {
  const accountSid = opts.accountSid ?? `AC${hex()}`;
  const authToken = opts.authToken ?? hex();
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const requests: VoiceRequest[] = [];
  let failures: number[] = [];
  const state = { mediaStatus: null as number | null };
  const base = `/2010-04-01/Accounts/${accountSid}`;

  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  const call = (sid: string, p: URLSearchParams) => ({
    sid,
    account_sid: accountSid,
    to: p.get('To') ?? '',
    from: p.get('From') ?? '',
    status: 'queued',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    uri: `${base}/Calls/${sid}.json`,
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : u.searchParams;
      const authorized = req.headers.authorization === expectedAuth;
      const r: VoiceRequest = { method: req.method ?? '', path: u.pathname, params, authorized };
      requests.push(r);
      if (!authorized) return send(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      if (!u.pathname.startsWith(`${base}/`)) return send(res, 404, { code: 20404, message: 'not found', status: 404 });
      const path = u.pathname.slice(base.length);
      if (opts.messagesUrl && /^\/Messages(\.json|\/)/.test(path)) {
        const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined;
        const headers: Record<string, string> = { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' };
        void fetch(`${opts.messagesUrl}${u.pathname}${u.search}`, { method: req.method, headers, body })
          .then(async (r) => send(res, r.status, Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') ?? 'application/json'))
          .catch(() => send(res, 502, { code: 50200, message: 'messaging fake unreachable', status: 502 }));
        return;
      }

      let m = /^\/Recordings\/(RE[0-9a-f]{32})\.(wav|mp3)$/.exec(path);
      if (m && req.method === 'GET') {
        if (state.mediaStatus) return send(res, state.mediaStatus, { code: 20404, message: 'scripted', status: state.mediaStatus });
        return send(res, 200, toneWav(params.get('RequestedChannels') === '2' ? 2 : 1), 'audio/x-wav');
      }
      const status = failures.shift();
      if (status) return send(res, status, { code: status * 100, message: `scripted ${status}`, status });

      if (req.method === 'POST' && path === '/Calls.json') return send(res, 201, call(`CA${hex()}`, params));
      if ((m = /^\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(path)) && req.method === 'POST') return send(res, 200, call(m[1], params));
      if ((m = /^\/Calls\/(CA[0-9a-f]{32})\/Recordings\.json$/.exec(path)) && req.method === 'POST') {
        return send(res, 201, { sid: `RE${hex()}`, call_sid: m[1], account_sid: accountSid, status: 'in-progress', channels: 2, source: 'StartCallRecordingAPI', api_version: '2010-04-01' });
      }
      if ((m = /^\/Calls\/(CA[0-9a-f]{32})\/Recordings\/(RE[0-9a-f]{32}|Twilio\.CURRENT)\.json$/.exec(path)) && req.method === 'POST') {
        return send(res, 200, { sid: m[2], call_sid: m[1], account_sid: accountSid, status: params.get('Status') ?? 'in-progress', api_version: '2010-04-01' });
      }
      if ((m = /^\/Queues\/(QU[0-9a-f]{32})\/Members\/(CA[0-9a-f]{32})\.json$/.exec(path)) && req.method === 'POST') {
        return send(res, 200, { call_sid: m[2], queue_sid: m[1], position: 0, wait_time: 3, date_enqueued: new Date().toUTCString() });
      }
      send(res, 404, { code: 20404, message: `no fake for ${req.method} ${path}`, status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.defineProperty(
    {
      url,
      accountSid,
      authToken,
      requests,
      failNext(...statuses: number[]) {
        failures.push(...statuses);
      },
      find(method: string, path: RegExp) {
        return requests.filter((r) => r.method === method && path.test(r.path));
      },
      async close() {
        failures = [];
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    },
    'mediaStatus',
    { get: () => state.mediaStatus, set: (v: number | null) => (state.mediaStatus = v), enumerable: true },
  ) as FakeTwilioVoice;
}
