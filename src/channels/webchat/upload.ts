// Web Chat's file uploads (Direct Line 3.0 POST /conversations/:id/upload):
// a multipart body with the message activity in a part named `activity`
// (application/vnd.microsoft.activity) and one part per file. Read with
// limits, checked against an allow-list of types by their first bytes, kept
// in the attachments store the routes are given, and served back only to the
// conversation's token holder (or an operator who may see it). The files'
// bytes are all we take: URLs in the posted activity are never fetched.
import type { Request, Response } from 'express';
import busboy from 'busboy';
import type { Types } from 'mongoose';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../infra/errors';
import type { DirectLineTokens } from './tokens';

export interface UploadLimits {
  fileBytes: number;
  totalBytes: number;
  maxFiles: number;
}

export interface UploadedFile {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface Upload {
  /** The posted activity as parsed JSON, not yet validated. */
  activity: unknown;
  files: UploadedFile[];
}

/** What the store hands back for a saved file (the email channel's store has this shape). */
export interface StoredRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  stored: boolean;
  contentId: string;
}

/** Where uploaded files are kept; app.ts passes the email channel's attachment store. */
export interface AttachmentStore {
  saveAttachments(conversationId: Types.ObjectId, files: UploadedFile[]): Promise<StoredRef[]>;
  deleteAttachments(refs: StoredRef[]): Promise<void>;
  attachment(id: string): Promise<{ meta: { filename: string; contentType: string; conversationId: string }; data: Buffer } | null>;
}


const ACTIVITY_MAX_BYTES = 64 * 1024;
/** Multipart framing per part (boundary, headers) a Content-Length may carry beyond the payload. */
const PART_OVERHEAD = 2048;

const startsWith = (buf: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => buf[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The types web chat accepts, each with a check of the file's first bytes (the declared type alone is the client's word). */
const ALLOWED: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')),
  'image/webp': (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8),
  'application/pdf': (b) => startsWith(b, ascii('%PDF-')),
  'text/plain': (b) => !b.includes(0),
};

export const UPLOAD_TYPES = Object.keys(ALLOWED);

function mediaType(raw: string | undefined): string {
  return (raw ?? '').split(';')[0].trim().toLowerCase();
}

function cleanFilename(raw: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const name = (raw ?? '').replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\/]/g, '_').trim();
  return name.slice(0, 200) || 'file';
}

/** Reads the upload with limits; answers 400 (malformed), 413 (too big, too many) or 415 (type not accepted). */
export function readUpload(req: Request, limits: UploadLimits): Promise<Upload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.totalBytes + ACTIVITY_MAX_BYTES + PART_OVERHEAD * (limits.maxFiles + 1)) {
    return Promise.reject(new PayloadTooLargeError(`upload larger than ${limits.totalBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fieldSize: ACTIVITY_MAX_BYTES, fields: 20, files: limits.maxFiles + 1, parts: limits.maxFiles + 21, headerPairs: 50 },
      });
    } catch {
      reject(new ValidationError('expected a multipart/form-data body'));
      return;
    }
    const files: UploadedFile[] = [];
    let activity: string | null = null;
    let total = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    const tooMany = () => fail(new PayloadTooLargeError(`at most ${limits.maxFiles} files per upload`));

    bb.on('field', (name, value, info) => {
      if (name !== 'activity') return;
      if (info.valueTruncated) return fail(new PayloadTooLargeError('the activity part is too large'));
      activity = value;
    });
    bb.on('file', (name, stream, info) => {
      // A body cut off inside a part errors the part's stream as well as the parser.
      stream.on('error', (err: Error) => fail(new ValidationError(`malformed multipart body: ${err.message}`)));
      const isActivity = name === 'activity';
      const type = mediaType(info.mimeType);
      if (!isActivity) {
        const refused = files.length >= limits.maxFiles ? 'many' : !ALLOWED[type] ? 'type' : null;
        if (refused) {
          stream.resume();
          if (refused === 'many') return tooMany();
          return fail(new UnsupportedMediaTypeError(`files of type ${type || 'unknown'} are not accepted; send ${UPLOAD_TYPES.join(', ')}`));
        }
      }
      const max = isActivity ? ACTIVITY_MAX_BYTES : limits.fileBytes;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (!isActivity) total += c.length;
        if (size > max) return fail(new PayloadTooLargeError(isActivity ? 'the activity part is too large' : `a file is larger than ${limits.fileBytes} bytes`));
        if (total > limits.totalBytes) return fail(new PayloadTooLargeError(`upload larger than ${limits.totalBytes} bytes`));
        chunks.push(c);
      });
      stream.on('end', () => {
        if (failed) return;
        const content = Buffer.concat(chunks);
        if (isActivity) activity = content.toString('utf8');
        else files.push({ filename: cleanFilename(info.filename), contentType: type, size, content });
      });
    });
    bb.on('filesLimit', tooMany);
    bb.on('partsLimit', tooMany);
    bb.on('fieldsLimit', () => fail(new PayloadTooLargeError('too many fields')));
    bb.on('error', (err: Error) => fail(new ValidationError(`malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      if (failed) return;
      try {
        resolve(checkUpload(activity, files));
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('aborted', () => fail(new ValidationError('upload interrupted')));
    req.pipe(bb);
  });
}

function checkUpload(activity: string | null, files: UploadedFile[]): Upload {
  if (activity === null) throw new ValidationError('the upload has no activity part');
  let parsed: unknown;
  try {
    parsed = JSON.parse(activity);
  } catch {
    throw new ValidationError('the activity part is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationError('the activity part is not an activity');
  if (!files.length) throw new ValidationError('the upload has no file');
  for (const f of files) {
    if (!f.size) throw new ValidationError(`${f.filename} is empty`);
    if (!ALLOWED[f.contentType](f.content)) throw new UnsupportedMediaTypeError(`${f.filename} is not a ${f.contentType} file`);
  }
  // The files define the attachments; whatever the client listed (URLs included) is dropped.
  const rest: Record<string, unknown> = { ...(parsed as Record<string, unknown>) };
  delete rest.attachments;
  return { activity: rest, files };
}

export function attachmentPath(conversationId: string, attachmentId: string): string {
  return `/v3/directline/conversations/${conversationId}/attachments/${attachmentId}`;
}

const OWN_ATTACHMENT = /^\/v3\/directline\/conversations\/([0-9a-f]{24})\/attachments\/([0-9a-f]{24})$/;

/**
 * For a Direct Line client: our own attachment paths in this conversation become
 * absolute URLs carrying a read grant for that one file (Web Chat shows images
 * with <img>, which cannot send a bearer token); any other URL stays as it is.
 */
export function attachmentLinker(tokens: DirectLineTokens, baseUrl: string, conversationId: string): (url: string) => string {
  return (url) => {
    const m = OWN_ATTACHMENT.exec(url);
    if (!m || m[1] !== conversationId) return url;
    return `${baseUrl}${url}?t=${encodeURIComponent(tokens.issueAttachment({ conversationId, attachmentId: m[2] }))}`;
  };
}

/** Sends a stored file: inline for the accepted types (which render harmlessly), as a download otherwise. */
export function sendAttachment(res: Response, found: { meta: { filename: string; contentType: string }; data: Buffer }): void {
  const type = mediaType(found.meta.contentType);
  const inline = type in ALLOWED;
  res.setHeader('Content-Type', inline ? (type === 'text/plain' ? 'text/plain; charset=utf-8' : type) : 'application/octet-stream');
  res.setHeader('Content-Length', String(found.data.length));
  res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(found.meta.filename)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, no-store');
  res.end(found.data);
}
