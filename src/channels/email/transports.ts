// Ways a composed mail leaves: SMTP through a relay (nodemailer), the
// SendGrid v3 mail/send API (plain fetch against SENDGRID_API_URL, so a
// local fake can stand in), or the sandbox (nothing leaves: the mail stays
// in the outbox the console shows). Errors say whether a retry may help.
import nodemailer from 'nodemailer';
import { PermanentDeliveryError } from '../../outbound/outbound.processor';
import type { OutgoingMail } from './render';
import type { EmailSettings } from './settings';

export interface EmailTransport {
  kind: 'smtp' | 'sendgrid' | 'sandbox';
  /** Sends the mail; resolves with the provider's id for it. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

const SEND_TIMEOUT_MS = 20000;

function smtpTransport(url: string): EmailTransport {
  // One connection per mail: replies are few, and nothing stays open between them.
  const transporter = nodemailer.createTransport({ url, connectionTimeout: 10000, greetingTimeout: 10000, socketTimeout: SEND_TIMEOUT_MS });
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        const info = await transporter.sendMail({
          messageId: mail.messageId,
          from: { name: mail.from.name, address: mail.from.address },
          to: mail.to,
          replyTo: mail.replyTo,
          subject: mail.subject,
          inReplyTo: mail.inReplyTo,
          references: mail.references,
          text: mail.text,
          html: mail.html,
          headers: mail.headers,
        });
        return String(info.messageId ?? mail.messageId);
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx from the relay: the mail is refused for good (bad address, policy); 4xx and network errors may pass later.
        if (code && code >= 500) throw new PermanentDeliveryError(`SMTP ${code}: ${(err as Error).message}`);
        throw err;
      }
    },
    close: () => transporter.close(),
  };
}

function sendgridTransport(apiUrl: string, apiKey: string): EmailTransport {
  return {
    kind: 'sendgrid',
    async send(mail) {
      const headers: Record<string, string> = { ...mail.headers, 'Message-ID': mail.messageId };
      if (mail.inReplyTo) headers['In-Reply-To'] = mail.inReplyTo;
      if (mail.references.length) headers.References = mail.references.join(' ');
      const res = await fetch(`${apiUrl}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        body: JSON.stringify({
          personalizations: [{ to: [{ email: mail.to }] }],
          from: { email: mail.from.address, name: mail.from.name },
          reply_to: { email: mail.replyTo },
          subject: mail.subject,
          content: [
            { type: 'text/plain', value: mail.text },
            { type: 'text/html', value: mail.html },
          ],
          headers,
        }),
      });
      if (res.status === 202 || res.status === 200) return res.headers.get('x-message-id') ?? mail.messageId;
      const detail = (await res.text().catch(() => '')).slice(0, 300);
      if (res.status === 429 || res.status >= 500) throw new Error(`SendGrid ${res.status}: ${detail}`);
      throw new PermanentDeliveryError(`SendGrid ${res.status}: ${detail}`);
    },
    close: () => undefined,
  };
}

const sandbox: EmailTransport = { kind: 'sandbox', send: async (mail) => mail.messageId, close: () => undefined };

export function createTransport(s: EmailSettings): EmailTransport {
  if (s.transport === 'smtp' && s.relayUrl) return smtpTransport(s.relayUrl);
  if (s.transport === 'sendgrid' && s.sendgrid.apiKey) return sendgridTransport(s.sendgrid.apiUrl, s.sendgrid.apiKey);
  return sandbox;
}
