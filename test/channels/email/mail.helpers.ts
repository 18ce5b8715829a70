// Helpers for the email tests: a real SMTP client (nodemailer) to our
// listener, raw MIME built by nodemailer's composer, SendGrid Inbound Parse
// posts in its exact multipart layout, and lookups through the API.
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { randomBytes } from 'node:crypto';
import type { Gateway } from '../../helpers/gateway';
import { eventually } from '../../helpers/gateway';
import { createEmailChannel } from '../../../src/channels/email';

export const SUPPORT = 'support@vala.test';
export const INBOUND_SECRET = 'inbound-secret-0123456789';

export function emailEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { SUPPORT_EMAIL: `${SUPPORT}, help@vala.test`, EMAIL_INBOUND_SECRET: INBOUND_SECRET, COMPANY_NAME: 'Vala Telecom', ...extra };
}

export function newMessageId(): string {
  return `<${randomBytes(8).toString('hex')}@customer.example>`;
}

export function customerAddress(): string {
  return `c${randomBytes(4).toString('hex')}@customer.example`;
}

/** Sends through our SMTP listener like any mail server would. */
export async function smtpSend(port: number, mail: Mail.Options & { envelope?: { from: string | false; to: string[] } }) {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });
  try {
    return await client.sendMail(mail);
  } finally {
    client.close();
  }
}

export function rawMime(mail: Mail.Options): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

export interface MultipartPart {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body as SendGrid posts it: plain fields, then attachmentN files. */
export function multipart(parts: MultipartPart[]): { body: Buffer; contentType: string } {
  const boundary = `xYzZY${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename) head += `; filename="${p.filename}"\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`, 'utf8'), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The conversation a mail was filed into (or null for noise kept outside any), once it is stored. */
export async function conversationOfMail(gw: Gateway, messageId: string, timeoutMs = 5000): Promise<string | null> {
  const { store } = createEmailChannel(gw.infra, gw.services);
  const mail = await eventually(async () => (await store.findMail(messageId)) ?? undefined, timeoutMs);
  return mail.conversationId ? String(mail.conversationId) : null;
}

/** The stored mail (its index and its full body together), or null. */
export async function storedMail(gw: Gateway, messageId: string) {
  const { store } = createEmailChannel(gw.infra, gw.services);
  const [index, body] = await Promise.all([store.findMail(messageId), store.findBody(messageId)]);
  return index && body ? { ...body, ...index } : null;
}

export async function supervisor(gw: Gateway): Promise<{ Authorization: string }> {
  const op = await gw.login(['supervisor']);
  return { Authorization: `Bearer ${op.token}` };
}

export interface ConversationView {
  id: string;
  mode: string;
  subject: string;
  address: string;
  messages: { direction: string; author: string; text: string; attachments: { contentType?: string; contentUrl?: string; name?: string }[] }[];
}

export async function conversationView(gw: Gateway, id: string, auth: { Authorization: string }): Promise<ConversationView> {
  const r = await gw.http.get(`/api/conversations/${id}`).set(auth).expect(200);
  return r.body as ConversationView;
}
