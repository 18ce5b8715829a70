import { baseSubject, messageIds, parseMime } from '../../../src/channels/email/parse';
import { composeMail } from '../../../src/channels/email/render';
import { emailSettings } from '../../../src/channels/email/settings';
import { loadConfig } from '../../../src/config';
import { Types } from 'mongoose';

const opts = { attachmentMaxBytes: 1024 * 1024 };

describe('email parsing: hostile and broken input is read safely', () => {
  it('when the MIME structure is broken, then what can be read is kept and nothing throws', async () => {
    const raw = Buffer.from(
      'From: a@customer.example\r\nTo: support@vala.test\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--other\r\nContent-Type: text/plain\r\n\r\nhello there\r\n--other',
    );
    const mail = await parseMime(raw, opts);
    expect(mail.subject).toBe('broken');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{40}@generated\.invalid>$/);
    // The same bytes get the same generated id: a redelivery is still recognised.
    expect((await parseMime(raw, opts)).messageId).toBe(mail.messageId);
  });

  it('when a To header lists 10,000 recipients, then at most 100 are kept and headers stay bounded', async () => {
    const to = Array.from({ length: 10000 }, (_, i) => `r${i}@x.example`).join(', ');
    const raw = Buffer.from(`From: a@customer.example\r\nTo: ${to}\r\nSubject: many\r\nMessage-ID: <m1@customer.example>\r\n\r\nbody`);
    const mail = await parseMime(raw, opts);
    expect(mail.to).toHaveLength(100);
    expect(mail.headers.every((h) => h.value.length <= 4000)).toBe(true);
    expect(mail.text.trim()).toBe('body');
  });

  it('when References holds thousands of ids, then only the nearest 50 are kept', () => {
    const refs = Array.from({ length: 5000 }, (_, i) => `<r${i}@x>`).join(' ');
    const ids = messageIds(refs);
    expect(ids).toHaveLength(50);
    expect(ids[49]).toBe('<r4999@x>');
  });

  it('when a subject carries Re:/Fwd:/Përgj: prefixes, then the base subject is found', () => {
    expect(baseSubject('Re: Fwd: RE: My bill')).toBe('My bill');
    expect(baseSubject('Përg: Fatura')).toBe('Fatura');
  });

  it('when a subject or an operator name tries to inject headers, then our mail keeps them on one line', () => {
    const s = emailSettings(loadConfig({ MONGODB_URI: 'mongodb://x/y', REDIS_URL: 'redis://x', SUPPORT_EMAIL: 'support@vala.test' }));
    const mail = composeMail(
      s,
      { _id: new Types.ObjectId(), text: 'Hello', choices: [], author: 'operator', authorName: 'Ana\r\nBcc: victim@evil.example' },
      'c@customer.example',
      { subject: 'Help\r\nBcc: victim@evil.example', token: 'abc123def', ticket: '#1001', refs: ['<a@x>'] },
      'footer',
    );
    expect(mail.subject).toBe('Re: Help Bcc: victim@evil.example');
    expect(mail.from.name).not.toMatch(/[\r\n]/);
    expect(mail.replyTo).toBe('support+abc123def@vala.test');
  });
});
