// Builds Twilio messaging webhooks the way Twilio does (form-encoded, signed
// with the auth token over the public URL) and reads TwiML answers.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { Gateway } from '../../helpers/gateway';
import type { FakeTwilio } from '../../fakes/twilio';

export const PUBLIC_BASE_URL = 'https://gateway.example';
export const OUR_NUMBER = '+35542200100';
export const OUR_WHATSAPP = 'whatsapp:+35542200199';

export function messageSid(): string {
  return `SM${randomBytes(16).toString('hex')}`;
}

let n = 0;
/** A fresh Albanian mobile number per call, so tests never share a customer. */
export function newPhone(): string {
  n++;
  return `+3556${7 + (n % 3)}${String(Math.floor(Date.now() / 1000) % 10000).padStart(4, '0')}${String(n % 1000).padStart(3, '0')}`;
}

export function twilioEnv(fake: FakeTwilio, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
    PUBLIC_BASE_URL,
    ...extra,
  };
}

export function inbound(from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  const whatsapp = from.startsWith('whatsapp:');
  return {
    ToCountry: 'AL',
    SmsMessageSid: '',
    NumMedia: '0',
    SmsSid: '',
    SmsStatus: 'received',
    Body: body,
    To: whatsapp ? OUR_WHATSAPP : OUR_NUMBER,
    NumSegments: '1',
    MessageSid: extra.MessageSid ?? messageSid(),
    AccountSid: 'AC00000000000000000000000000000000',
    From: from,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

export function sign(authToken: string, params: Record<string, string>, path = '/twilio/messaging', base = PUBLIC_BASE_URL): string {
  return twilio.getExpectedTwilioSignature(authToken, `${base}${path}`, params);
}

/** Posts a webhook signed as Twilio would sign it (or with the signature given). */
export function post(gw: Gateway, params: Record<string, string>, opts: { token?: string; signature?: string | null; path?: string } = {}) {
  const path = opts.path ?? '/twilio/messaging';
  const req = gw.http.post(path).type('form').send(params);
  const signature = opts.signature === undefined ? sign(opts.token ?? gw.config.TWILIO_AUTH_TOKEN ?? '', params, path) : opts.signature;
  return signature === null ? req : req.set('X-Twilio-Signature', signature);
}

/** The texts of the <Message>s in a TwiML answer. */
export function messagesOf(xml: string): string[] {
  return [...xml.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((m) =>
    m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
  );
}

/** Texts the customer reads for one webhook. */
export async function say(gw: Gateway, from: string, body: string, extra: Record<string, string> = {}): Promise<string[]> {
  const res = await post(gw, inbound(from, body, extra)).expect(200).expect('Content-Type', /xml/);
  return messagesOf(res.text);
}

export function auth(token: string) {
  return { Authorization: `Bearer ${token}` };
}
