// Twilio's messaging webhook, validated once at the edge, and its conversion
// into the Activity the bot runs on. Addresses are normalised to E.164 with
// libphonenumber-js; `whatsapp:` marks the WhatsApp channel. Media URLs are
// kept as attachments and never fetched.
import type { Activity } from 'botbuilder';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

export type MessagingChannel = 'sms' | 'whatsapp';
export const MESSAGING_CHANNELS: MessagingChannel[] = ['sms', 'whatsapp'];
export const MAX_INBOUND_TEXT = 5000;
const MAX_MEDIA = 10;

const text = (max: number) => z.string().max(max);

export const inboundSchema = z
  .object({
    MessageSid: z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, 'MessageSid is not a Twilio message SID'),
    From: text(120).min(1, 'From is required'),
    To: text(120).min(1, 'To is required'),
    Body: text(MAX_INBOUND_TEXT).default(''),
    NumMedia: z.coerce.number().int().min(0).max(MAX_MEDIA).default(0),
    ProfileName: text(200).optional(),
    WaId: text(40).optional(),
  })
  .loose();

export type InboundWebhook = z.infer<typeof inboundSchema>;

export interface Address {
  channel: MessagingChannel;
  /** E.164 for phone numbers; short codes and sender ids as they are. */
  value: string;
}

/** "+355 69 123 4567", "whatsapp:+355691234567" → channel and E.164; null when it is not a phone number. */
export function parseAddress(raw: string): Address | null {
  const s = raw.trim();
  const whatsapp = /^whatsapp:/i.test(s);
  const rest = whatsapp ? s.slice('whatsapp:'.length).trim() : s;
  const phone = parsePhoneNumberFromString(rest.startsWith('+') ? rest : `+${rest}`);
  if (!phone || !phone.isPossible()) return null;
  return { channel: whatsapp ? 'whatsapp' : 'sms', value: phone.number };
}

/** Our own address (a long code, a short code, a WhatsApp sender) as we store it. */
export function ownAddress(raw: string): string {
  const s = raw.trim().replace(/^whatsapp:/i, '');
  return parseAddress(s)?.value ?? s;
}

/** The address Twilio expects for a channel. */
export function channelAddress(channel: string, value: string): string {
  return channel === 'whatsapp' && !value.startsWith('whatsapp:') ? `whatsapp:${value}` : value;
}

export interface MediaItem {
  contentUrl: string;
  contentType: string;
}

/** MediaUrlN / MediaContentTypeN; only http(s) URLs, stored, never fetched. */
export function mediaOf(body: InboundWebhook): MediaItem[] {
  const out: MediaItem[] = [];
  const params = body as Record<string, unknown>;
  for (let i = 0; i < Math.min(body.NumMedia, MAX_MEDIA); i++) {
    const url = params[`MediaUrl${i}`];
    const type = params[`MediaContentType${i}`];
    if (typeof url !== 'string' || url.length > 2000 || !/^https?:\/\/[^\s]+$/i.test(url)) continue;
    out.push({ contentUrl: url, contentType: typeof type === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'application/octet-stream' });
  }
  return out;
}

export type Keyword = 'optout' | 'optin' | 'help';

const KEYWORDS: Record<string, Keyword> = {
  STOP: 'optout',
  UNSUBSCRIBE: 'optout',
  END: 'optout',
  QUIT: 'optout',
  STOPALL: 'optout',
  REVOKE: 'optout',
  OPTOUT: 'optout',
  CANCEL: 'optout',
  START: 'optin',
  YES: 'optin',
  UNSTOP: 'optin',
  HELP: 'help',
};

/** The carrier keyword a message is, when it is a single word of them (any case, stray punctuation ignored). */
export function keywordOf(body: string): Keyword | null {
  const word = body.trim().replace(/^[\s.!?,;:"'()]+|[\s.!?,;:"'()]+$/g, '');
  if (!/^[a-z]+$/i.test(word)) return null;
  return KEYWORDS[word.toUpperCase()] ?? null;
}

/** "2" → the title of the choice offered with that digit, when the last question had choices. */
export function choiceFromDigit(body: string, choices: { digit: string; title: string }[]): string | null {
  const m = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(body);
  if (!m) return null;
  return choices.find((c) => c.digit === m[1])?.title ?? null;
}

export function toActivity(input: {
  body: InboundWebhook;
  conversationId: string;
  customer: Address;
  text: string;
  media: MediaItem[];
}): Partial<Activity> {
  const { body, customer } = input;
  return {
    type: 'message',
    // The idempotency key: Twilio may deliver the same MessageSid twice.
    id: body.MessageSid,
    channelId: customer.channel,
    serviceUrl: '',
    timestamp: new Date(),
    conversation: { id: input.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: customer.value, name: body.ProfileName ?? '', role: 'user' },
    recipient: { id: ownAddress(body.To), name: '', role: 'bot' },
    text: input.text,
    attachments: input.media.map((m) => ({ contentType: m.contentType, contentUrl: m.contentUrl })),
    channelData: { messageSid: body.MessageSid, to: body.To, waId: body.WaId },
  };
}
