import { noiseReason } from '../../../src/channels/email/loops';
import type { InboundEmail } from '../../../src/channels/email/parse';
import { emailSettings } from '../../../src/channels/email/settings';
import { loadConfig } from '../../../src/config';

const settings = emailSettings(loadConfig({ MONGODB_URI: 'mongodb://x/y', REDIS_URL: 'redis://x', SUPPORT_EMAIL: 'support@vala.test', EMAIL_SPAM_THRESHOLD: '5' }));

function mail(headers: Record<string, string>, over: Partial<InboundEmail> = {}): InboundEmail {
  return {
    source: 'smtp',
    messageId: '<a1@customer.example>',
    inReplyTo: [],
    references: [],
    from: { address: 'ana@customer.example', name: 'Ana' },
    replyTo: [],
    to: [{ address: 'support@vala.test', name: '' }],
    cc: [],
    envelopeFrom: 'ana@customer.example',
    envelopeTo: ['support@vala.test'],
    subject: 'hi',
    date: null,
    text: 'hello',
    html: '',
    headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
    spamScore: null,
    attachments: [],
    size: 100,
    ...over,
  };
}

describe('email loops and noise: what never gets an automatic answer', () => {
  it('when a mail is an ordinary customer mail, then it may be answered', () => {
    expect(noiseReason(mail({ 'auto-submitted': 'no' }), settings)).toBeNull();
  });

  it.each([
    ['an auto-reply (Auto-Submitted)', mail({ 'auto-submitted': 'auto-replied' }), 'auto-submitted'],
    ['an out-of-office (X-Autoreply)', mail({ 'x-autoreply': 'yes' }), 'auto-submitted'],
    ['bulk mail (Precedence)', mail({ precedence: 'bulk' }), 'precedence'],
    ['a mailing list (List-Id)', mail({ 'list-id': '<news.vala.test>' }), 'mailing-list'],
    ['a bounce (null envelope sender)', mail({}, { envelopeFrom: '' }), 'bounce'],
    ['a bounce (Return-Path: <>)', mail({ 'return-path': '<>' }), 'bounce'],
    ['a bounce (MAILER-DAEMON)', mail({}, { from: { address: 'mailer-daemon@mx.example', name: '' } }), 'bounce'],
    ['a delivery report', mail({ 'content-type': 'multipart/report; report-type=delivery-status' }), 'bounce'],
    ['our own mail (Message-ID domain)', mail({}, { messageId: '<sb-123@vala.test>' }), 'own-mail'],
    ['our own mail (From a support address)', mail({}, { from: { address: 'support+abc123@vala.test', name: '' } }), 'own-mail'],
    ['spam above the threshold', mail({}, { spamScore: 7.5 }), 'spam'],
  ])('when the mail is %s, then it is not answered', (_what, m, reason) => {
    expect(noiseReason(m, settings)).toBe(reason);
  });
});
