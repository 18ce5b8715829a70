// Converters into one InboundEmail shape, whichever way a mail came in: a
// raw MIME message (SMTP listener, SendGrid's "raw" variant) or SendGrid's
// parsed multipart fields; and InboundEmail → the Bot Framework Activity.
// Everything is bounded (header count and length, recipients, references)
// so a hostile mail cannot blow up what we store.
import type { Activity } from 'botbuilder';
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { decodeCharset, htmlToText } from './text';

export interface MailAddress {
  address: string;
  name: string;
}

export interface HeaderField {
  name: string;
  value: string;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** null when the attachment is over the size limit: its name, type and size are kept, not its bytes. */
  content: Buffer | null;
  contentId?: string;
}

export interface InboundEmail {
  source: 'smtp' | 'sendgrid';
  /** "<id@host>" as in the header; generated from the content when the mail had none. */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** SMTP MAIL FROM: '' for the null sender <> (bounces); null when unknown. */
  envelopeFrom: string | null;
  envelopeTo: string[];
  subject: string;
  date: Date | null;
  /** The full plain text (the HTML converted when there was no text part). */
  text: string;
  html: string;
  headers: HeaderField[];
  spamScore: number | null;
  attachments: InboundAttachment[];
  size: number;
}

export const LIMITS = { headers: 300, headerValue: 4000, addresses: 100, references: 50, subject: 500, attachments: 50 };

export interface ParseOptions {
  attachmentMaxBytes: number;
  envelopeFrom?: string | null;
  envelopeTo?: string[];
  spamScore?: number | null;
}

const ID_TOKEN = /<[^<>\s]{1,500}>/g;

/** Message-IDs in a header value, each as "<…>", at most `max` (the last ones: the nearest ancestors). */
export function messageIds(value: string | string[] | undefined, max = LIMITS.references): string[] {
  const joined = Array.isArray(value) ? value.join(' ') : (value ?? '');
  const found: string[] = [...(joined.match(ID_TOKEN) ?? [])];
  if (!found.length && joined.trim() && !/\s/.test(joined.trim())) found.push(`<${joined.trim().replace(/^<|>$/g, '').slice(0, 500)}>`);
  return found.slice(-max);
}

function addresses(a: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const walk = (list: { address?: string; name: string; group?: { address?: string; name: string }[] }[]) => {
    for (const v of list) {
      if (out.length >= LIMITS.addresses) return;
      if (v.group) walk(v.group);
      else if (v.address) out.push({ address: v.address.trim().toLowerCase().slice(0, 320), name: (v.name ?? '').slice(0, 200) });
    }
  };
  for (const obj of Array.isArray(a) ? a : a ? [a] : []) walk(obj.value);
  return out;
}

function headerFields(parsed: ParsedMail): HeaderField[] {
  return parsed.headerLines.slice(0, LIMITS.headers).map(({ key, line }) => {
    const colon = line.indexOf(':');
    const value = (colon >= 0 ? line.slice(colon + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
    return { name: key.slice(0, 100), value: value.slice(0, LIMITS.headerValue) };
  });
}

/** A spam score from an upstream filter: X-Spam-Score, or "score=" in X-Spam-Status. */
export function spamScoreFromHeaders(headers: HeaderField[]): number | null {
  for (const h of headers) {
    const n = h.name.toLowerCase();
    if (n === 'x-spam-score' && /^-?\d+(\.\d+)?/.test(h.value)) return parseFloat(h.value);
    if (n === 'x-spam-status') {
      const m = /score=(-?\d+(\.\d+)?)/i.exec(h.value);
      if (m) return parseFloat(m[1]);
    }
  }
  return null;
}

function generatedId(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return `<${h.digest('hex').slice(0, 40)}@generated.invalid>`;
}

function fromParsed(parsed: ParsedMail, opts: ParseOptions, source: InboundEmail['source'], size: number, idParts: (string | Buffer)[]): InboundEmail {
  const headers = headerFields(parsed);
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  const text = parsed.text ?? (html ? htmlToText(html) : '');
  const from = addresses(parsed.from)[0] ?? null;
  return {
    source,
    messageId: messageIds(parsed.messageId, 1)[0] ?? generatedId(idParts),
    inReplyTo: messageIds(parsed.inReplyTo, 5),
    references: messageIds(parsed.references),
    from,
    replyTo: addresses(parsed.replyTo),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    envelopeFrom: opts.envelopeFrom === undefined ? null : opts.envelopeFrom,
    envelopeTo: (opts.envelopeTo ?? []).slice(0, LIMITS.addresses).map((a) => a.toLowerCase()),
    subject: (parsed.subject ?? '').slice(0, LIMITS.subject),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    text,
    html,
    headers,
    spamScore: opts.spamScore ?? spamScoreFromHeaders(headers),
    attachments: parsed.attachments.slice(0, LIMITS.attachments).map((a) => ({
      filename: (a.filename ?? 'attachment').slice(0, 255),
      contentType: (a.contentType || 'application/octet-stream').slice(0, 200),
      size: a.size,
      content: a.size <= opts.attachmentMaxBytes ? a.content : null,
      contentId: a.cid?.slice(0, 500),
    })),
    size,
  };
}

// Our own HTML → text (no image alts, no link targets) rather than the parser's.
const PARSER_OPTIONS = { skipHtmlToText: true, keepCidLinks: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 };

/** A raw MIME message. Broken MIME parses as far as it can; what cannot be read is left empty. */
export async function parseMime(raw: Buffer, opts: ParseOptions, source: InboundEmail['source'] = 'smtp'): Promise<InboundEmail> {
  const parsed = await simpleParser(raw, PARSER_OPTIONS);
  return fromParsed(parsed, opts, source, raw.length, [raw]);
}

/** SendGrid's multipart fields, as bytes (each field is in the charset `charsets` names for it). */
export interface SendGridPost {
  fields: Record<string, Buffer>;
  /** Fields whose part declared its own charset (already decoded, re-encoded as UTF-8). */
  utf8Fields?: string[];
  files: { field: string; filename: string; contentType: string; content: Buffer; truncated: boolean; size: number }[];
}

function jsonField<T>(fields: Record<string, Buffer>, name: string): T | null {
  try {
    return fields[name] ? (JSON.parse(fields[name].toString('utf8')) as T) : null;
  } catch {
    return null;
  }
}

/** SendGrid Inbound Parse: the parsed variant (fields + attachmentN files) or the raw one (`email`). */
export async function parseSendGrid(post: SendGridPost, opts: Pick<ParseOptions, 'attachmentMaxBytes'>): Promise<InboundEmail> {
  const { fields } = post;
  const charsets = { ...(jsonField<Record<string, string>>(fields, 'charsets') ?? {}) };
  for (const f of post.utf8Fields ?? []) charsets[f] = 'utf-8';
  const field = (name: string) => (fields[name] ? decodeCharset(fields[name], charsets[name]) : '');
  const envelope = jsonField<{ to?: unknown; from?: unknown }>(fields, 'envelope') ?? {};
  const envelopeTo = Array.isArray(envelope.to) ? envelope.to.filter((x): x is string => typeof x === 'string') : [];
  const envelopeFrom = typeof envelope.from === 'string' ? envelope.from : null;
  const score = parseFloat(field('spam_score'));
  const common: ParseOptions = { attachmentMaxBytes: opts.attachmentMaxBytes, envelopeTo, envelopeFrom, spamScore: Number.isFinite(score) ? score : null };
  if (fields.email) return parseMime(fields.email, common, 'sendgrid');

  // Parsed variant: the header block parses on its own; bodies and files come as fields.
  const headerBlock = field('headers');
  const parsed = await simpleParser(Buffer.from(`${headerBlock.replace(/\r?\n$/, '')}\r\n\r\n`, 'utf8'), PARSER_OPTIONS);
  const html = field('html');
  const text = field('text');
  const info = jsonField<Record<string, { filename?: string; name?: string; type?: string; 'content-id'?: string }>>(fields, 'attachment-info') ?? {};
  const mail = fromParsed(parsed, common, 'sendgrid', Object.values(fields).reduce((n, b) => n + b.length, 0), [headerBlock, text, html]);
  mail.text = text || (html ? htmlToText(html) : '');
  mail.html = html;
  if (!mail.subject) mail.subject = field('subject').slice(0, LIMITS.subject);
  mail.attachments = post.files.slice(0, LIMITS.attachments).map((f) => {
    const meta = info[f.field] ?? {};
    const tooBig = f.truncated || f.size > opts.attachmentMaxBytes;
    return {
      filename: (meta.filename ?? meta.name ?? f.filename ?? 'attachment').slice(0, 255),
      contentType: (meta.type ?? f.contentType ?? 'application/octet-stream').slice(0, 200),
      size: f.size,
      content: tooBig ? null : f.content,
      contentId: meta['content-id']?.replace(/^<|>$/g, '').slice(0, 500),
    };
  });
  return mail;
}

/** The subject, without the Re:/Fwd:/AW:/Përg: prefixes replies add. */
export function baseSubject(subject: string): string {
  return subject.replace(/^(\s*(re|fw|fwd|aw|wg|sv|vs|përg|pergj|rif)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}

export const EMAIL_BOT_ID = 'switchboard-email';

/** The Activity the bot runtime stores: id = Message-ID (the idempotency key), text = what the customer wrote this time. */
export function toActivity(
  mail: InboundEmail,
  input: { conversationId: string; text: string; attachments: { id: string; contentType: string; name: string; size: number }[]; noise: string | null },
): Partial<Activity> {
  return {
    type: 'message',
    id: mail.messageId,
    channelId: 'email',
    serviceUrl: '',
    timestamp: mail.date ?? new Date(),
    conversation: { id: input.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: mail.from?.address ?? '', name: mail.from?.name ?? '', role: 'user' },
    recipient: { id: EMAIL_BOT_ID, name: '', role: 'bot' },
    text: input.text,
    textFormat: 'plain',
    attachments: input.attachments.map((a) => ({ contentType: a.contentType, contentUrl: `/api/attachments/${a.id}`, name: a.name })),
    channelData: {
      email: {
        subject: mail.subject,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo,
        from: mail.from,
        to: mail.to.slice(0, 10),
        cc: mail.cc.slice(0, 10),
        spamScore: mail.spamScore,
        noise: input.noise,
        source: mail.source,
      },
    },
  };
}
