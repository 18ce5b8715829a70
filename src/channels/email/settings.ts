// The email channel's view of the configuration: support addresses, the
// domain our Message-IDs carry, which outbound transport is in use, limits.
// Derived once from Config; everything else in the channel takes this.
import type { Config } from '../../config';
import { ConfigError } from '../../config';

export type EmailTransportKind = 'smtp' | 'sendgrid' | 'sandbox';

export interface EmailSettings {
  /** Lowercased support addresses; the first one replies. */
  supportAddresses: string[];
  fromAddress: string;
  /** The domain of our Message-IDs: a mail carrying it is one of ours coming back. */
  messageIdDomain: string;
  transport: EmailTransportKind;
  relayUrl?: string;
  sendgrid: { apiKey?: string; apiUrl: string };
  maxBytes: number;
  attachmentMaxBytes: number;
  spamThreshold: number;
  autoReplyLimit: number;
  autoReplyWindowSeconds: number;
  faqMinConfidence: number;
  companyName: string;
  prefix: string;
}

const FALLBACK_ADDRESS = 'support@localhost';

export function emailSettings(config: Config): EmailSettings {
  const supportAddresses = (config.SUPPORT_EMAIL ?? '')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter((a) => /^[^@\s]+@[^@\s]+$/.test(a));
  const fromAddress = supportAddresses[0] ?? FALLBACK_ADDRESS;
  const transport: EmailTransportKind =
    config.EMAIL_TRANSPORT ?? (config.SMTP_RELAY_URL ? 'smtp' : config.SENDGRID_API_KEY ? 'sendgrid' : 'sandbox');
  if (transport === 'smtp' && !config.SMTP_RELAY_URL) throw new ConfigError('EMAIL_TRANSPORT=smtp needs SMTP_RELAY_URL');
  if (transport === 'sendgrid' && !config.SENDGRID_API_KEY) throw new ConfigError('EMAIL_TRANSPORT=sendgrid needs SENDGRID_API_KEY');
  return {
    supportAddresses,
    fromAddress,
    messageIdDomain: (config.EMAIL_MESSAGE_ID_DOMAIN ?? fromAddress.split('@')[1]).toLowerCase(),
    transport,
    relayUrl: config.SMTP_RELAY_URL,
    sendgrid: { apiKey: config.SENDGRID_API_KEY, apiUrl: config.SENDGRID_API_URL.replace(/\/+$/, '') },
    maxBytes: config.EMAIL_MAX_BYTES,
    attachmentMaxBytes: config.EMAIL_ATTACHMENT_MAX_BYTES,
    spamThreshold: config.EMAIL_SPAM_THRESHOLD,
    autoReplyLimit: config.EMAIL_AUTOREPLY_LIMIT,
    autoReplyWindowSeconds: config.EMAIL_AUTOREPLY_WINDOW_SECONDS,
    faqMinConfidence: config.EMAIL_FAQ_MIN_CONFIDENCE,
    companyName: config.COMPANY_NAME,
    prefix: config.QUEUE_PREFIX,
  };
}

/**
 * Is this one of our support mailboxes, directly or plus-addressed
 * (support+<token>@domain carries a thread's reply token)?
 */
export function isSupportAddress(s: EmailSettings, address: string): boolean {
  return s.supportAddresses.includes(baseAddress(address));
}

/** support+abc@x → support@x, lowercased. */
export function baseAddress(address: string): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 0) return a;
  return `${a.slice(0, at).replace(/\+.*$/, '')}${a.slice(at)}`;
}

/** The reply token in support+<token>@domain, when the address is one of ours. */
export function replyToken(s: EmailSettings, address: string): string | null {
  const a = address.trim().toLowerCase();
  const m = /^([^@+]+)\+([a-z0-9]{6,40})@(.+)$/.exec(a);
  if (!m || !s.supportAddresses.includes(`${m[1]}@${m[3]}`)) return null;
  return m[2];
}

export function replyAddress(s: EmailSettings, token: string): string {
  const [local, domain] = s.fromAddress.split('@');
  return `${local}+${token}@${domain}`;
}
