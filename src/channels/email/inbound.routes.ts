// POST /email/inbound: SendGrid's Inbound Parse webhook (multipart; the
// parsed variant or the raw one). The secret comes as ?secret= or as the
// basic-auth password and is compared in constant time. 2xx once stored:
// SendGrid retries on 5xx, and storing is idempotent on the Message-ID.
import { Router, Request } from 'express';
import busboy from 'busboy';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, ForbiddenError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../infra/errors';
import type { EmailService } from './email.service';
import { parseSendGrid, SendGridPost } from './parse';
import type { EmailSettings } from './settings';

function sameSecret(given: string, expected: string): boolean {
  // Hash both sides: equal lengths for timingSafeEqual, and no length leak.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function givenSecret(req: Request): string | null {
  const q = req.query.secret;
  if (typeof q === 'string' && q) return q;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

/** Reads the multipart body with limits: field values kept as bytes (their charset is in `charsets`). */
export function readMultipart(req: Request, limits: { maxBytes: number; fileBytes: number }): Promise<SendGridPost> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // latin1 maps bytes 1:1 to characters, so the bytes can be recovered and decoded as `charsets` says.
      bb = busboy({
        headers: req.headers,
        defCharset: 'latin1',
        defParamCharset: 'utf8',
        limits: { fieldSize: limits.maxBytes, fields: 200, files: 50, fileSize: limits.fileBytes + 1, parts: 300, headerPairs: 100 },
      });
    } catch {
      reject(new ValidationError('expected a multipart/form-data body'));
      return;
    }
    const post: SendGridPost = { fields: {}, files: [], utf8Fields: [] };
    let total = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limits.maxBytes * 2) fail(new PayloadTooLargeError('inbound email too large'));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new PayloadTooLargeError(`field ${name} too large`));
      // eslint-disable-next-line no-control-regex
      if (/[^\u0000-\u00ff]/.test(value)) {
        post.fields[name] = Buffer.from(value, 'utf8');
        post.utf8Fields?.push(name);
      } else post.fields[name] = Buffer.from(value, 'latin1');
    });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= limits.fileBytes) chunks.push(c);
      });
      stream.on('limit', () => (truncated = true));
      // A body cut off inside a file part errors the part's stream too; unhandled, that would end the process.
      stream.on('error', (err: Error) => fail(new ValidationError(`malformed multipart body: ${err.message}`)));
      stream.on('end', () => {
        post.files.push({ field, filename: info.filename ?? field, contentType: info.mimeType, content: Buffer.concat(chunks), truncated, size });
      });
    });
    bb.on('error', (err: Error) => fail(new ValidationError(`malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      if (!failed) resolve(post);
    });
    req.pipe(bb);
  });
}

export function emailInboundRoutes(deps: { email: EmailService; settings: EmailSettings; secret?: string }): Router {
  const { email, settings, secret } = deps;
  const r = Router();
  r.post('/inbound', async (req, res) => {
    // No secret configured: answer 503 so SendGrid keeps the mail and retries once it is set.
    if (!secret) throw new AppError('inbound email is not configured (EMAIL_INBOUND_SECRET)', 503, 'Service Unavailable');
    const given = givenSecret(req);
    if (!given) {
      res.setHeader('WWW-Authenticate', 'Basic realm="email inbound"');
      throw new UnauthorizedError('inbound secret required');
    }
    if (!sameSecret(given, secret)) throw new ForbiddenError('wrong inbound secret');
    const post = await readMultipart(req, { maxBytes: settings.maxBytes, fileBytes: settings.attachmentMaxBytes });
    if (!post.fields.email && !post.fields.headers && !post.fields.from) throw new ValidationError('not an Inbound Parse post (no email, headers or from field)');
    const mail = await parseSendGrid(post, { attachmentMaxBytes: settings.attachmentMaxBytes });
    if (!email.addressedToUs(mail)) {
      res.status(200).json({ status: 'ignored', reason: 'not addressed to a support mailbox' });
      return;
    }
    res.status(200).json(await email.receive(mail));
  });
  return r;
}
