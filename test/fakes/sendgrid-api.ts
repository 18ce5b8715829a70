// A local stand-in for SendGrid's v3 mail/send API: checks the bearer key,
// keeps each request body, answers 202 with an X-Message-Id like SendGrid.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface SendGridMailRequest {
  personalizations: { to: { email: string; name?: string }[] }[];
  from: { email: string; name?: string };
  reply_to?: { email: string };
  subject: string;
  content: { type: string; value: string }[];
  headers?: Record<string, string>;
}

export interface FakeSendGrid {
  url: string;
  requests: SendGridMailRequest[];
  /** Answer the next `n` requests with this status (e.g. 500, 429, 400). */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

export async function startFakeSendGrid(apiKey: string): Promise<FakeSendGrid> {
  const requests: SendGridMailRequest[] = [];
  let failures = 0;
  let failStatus = 500;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === null ? '' : JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v3/mail/send') return json(404, { errors: [{ message: 'not found' }] });
      if (req.headers.authorization !== `Bearer ${apiKey}`) return json(401, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] });
      if (failures > 0) {
        failures--;
        return json(failStatus, { errors: [{ message: `failing on purpose with ${failStatus}` }] });
      }
      requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SendGridMailRequest);
      res.writeHead(202, { 'x-message-id': randomBytes(11).toString('base64url') });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext(n, status) {
      failures = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
