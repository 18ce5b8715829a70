// A local fake of Twilio's REST API (the Messages resource), for the real
// twilio client to talk to (TWILIO_API_URL). It records every request with
// its arrival time, answers 201 with a message resource by default, and can
// be scripted: 429 with Retry-After, 400 with a Twilio error code, 5xx, or a
// slow answer. It also sends signed status callbacks the way Twilio does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback?: string;
  mediaUrl: string[];
  createdAt: Date;
}

export interface RecordedRequest {
  method: string;
  path: string;
  at: number;
  params: URLSearchParams;
}

export interface ScriptedAnswer {
  status: number;
  /** Twilio error code in the JSON body. */
  code?: number;
  message?: string;
  retryAfterSeconds?: number;
  /** Answer only after this long (the message, if any, exists from the start). */
  delayMs?: number;
}

export interface FakeTwilio {
  url: string;
  accountSid: string;
  authToken: string;
  requests: RecordedRequest[];
  /** Messages created (201), in order. */
  messages: FakeMessage[];
  /** Answers for the next create requests, in order; then 201 again. */
  script(...answers: ScriptedAnswer[]): void;
  /** Creates: the POSTs to Messages.json. */
  creates(): RecordedRequest[];
  reset(): void;
  /** Posts a signed status callback for `message` to the gateway, as Twilio would. */
  statusCallback(gatewayUrl: string, message: FakeMessage, status: string, extra?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/;

function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function resource(accountSid: string, m: FakeMessage, status = 'queued') {
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_sent: null,
    date_updated: rfc2822(m.createdAt),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: String(m.mediaUrl.length),
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`,
  };
}

export async function startFakeTwilio(opts: { accountSid?: string; authToken?: string } = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const requests: RecordedRequest[] = [];
  const messages: FakeMessage[] = [];
  let scripted: ScriptedAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : u.searchParams;
      requests.push({ method: req.method ?? '', path: u.pathname, at: Date.now(), params });
      const match = MESSAGES_PATH.exec(u.pathname);
      if (!match || match[1] !== accountSid) return send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      if (req.headers.authorization !== expectedAuth) return send(res, 401, { code: 20003, message: 'Authenticate', status: 401 });

      if (req.method === 'GET') {
        const to = params.get('To');
        const from = params.get('From');
        const found = messages.filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse();
        const pageSize = Number(params.get('PageSize') ?? 50);
        return send(res, 200, {
          messages: found.slice(0, pageSize).map((m) => resource(accountSid, m, 'sent')),
          first_page_uri: u.pathname,
          next_page_uri: null,
          previous_page_uri: null,
          page: 0,
          page_size: pageSize,
          start: 0,
          end: Math.min(found.length, pageSize),
          uri: u.pathname,
        });
      }
      if (req.method !== 'POST') return send(res, 405, { code: 20004, message: 'Method not allowed', status: 405 });

      const answer = scripted.shift() ?? { status: 201 };
      const reply = () => {
        if (answer.status === 201) return send(res, 201, resource(accountSid, created as FakeMessage));
        const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { 'retry-after': String(answer.retryAfterSeconds) } : {};
        send(res, answer.status, { code: answer.code ?? answer.status * 100, message: answer.message ?? `scripted ${answer.status}`, more_info: 'https://www.twilio.com/docs/errors', status: answer.status }, headers);
      };
      let created: FakeMessage | undefined;
      if (answer.status === 201) {
        created = {
          sid: `SM${randomBytes(16).toString('hex')}`,
          to: params.get('To') ?? '',
          from: params.get('From') ?? '',
          body: params.get('Body') ?? '',
          statusCallback: params.get('StatusCallback') ?? undefined,
          mediaUrl: params.getAll('MediaUrl'),
          createdAt: new Date(),
        };
        messages.push(created);
      }
      if (!answer.delayMs) return reply();
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    accountSid,
    authToken,
    requests,
    messages,
    script(...answers) {
      scripted.push(...answers);
    },
    creates() {
      return requests.filter((r) => r.method === 'POST' && MESSAGES_PATH.test(r.path));
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      scripted = [];
    },
    async statusCallback(gatewayUrl, message, status, extra = {}) {
      if (!message.statusCallback) throw new Error('the message was sent without a StatusCallback');
      const params: Record<string, string> = {
        AccountSid: accountSid,
        MessageSid: message.sid,
        SmsSid: message.sid,
        MessageStatus: status,
        SmsStatus: status,
        From: message.from,
        To: message.to,
        ApiVersion: '2010-04-01',
        ...extra,
      };
      const target = new URL(message.statusCallback);
      const signature = twilio.getExpectedTwilioSignature(authToken, message.statusCallback, params);
      const res = await fetch(`${gatewayUrl}${target.pathname}${target.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      return res.status;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
