// A mail whose header is a bomb (tens of thousands of lines) can never be
// stored: the SMTP listener refuses it permanently (552), so the sending
// server gives up instead of retrying it forever.
import { startGateway, Gateway } from '../../helpers/gateway';
import { startEmailListener } from '../../../src/channels/email';
import { headerLineCount, type SmtpListener } from '../../../src/channels/email/smtp.listener';
import { customerAddress, emailEnv, newMessageId, smtpSend, SUPPORT } from './mail.helpers';

describe('email: header bombs through the SMTP listener', () => {
  let gw: Gateway;
  let smtp: SmtpListener;
  beforeAll(async () => {
    gw = await startGateway('email-hbomb', { env: emailEnv({ EMAIL_TRANSPORT: 'sandbox', EMAIL_MAX_BYTES: String(2 * 1024 * 1024) }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
  });

  it('when a mail has 20,000 header lines, then it is refused with a permanent 552, not a temporary 451', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 20000; i++) headers[`X-Bomb-${i}`] = `line ${i}`;
    const sent = smtpSend(smtp.port, { from: customerAddress(), to: SUPPORT, subject: 'bomb', messageId: newMessageId(), text: 'hello', headers });
    await expect(sent).rejects.toMatchObject({ responseCode: 552 });
  });

  it('when a mail has an ordinary header, then it is still taken', async () => {
    const sent = await smtpSend(smtp.port, { from: customerAddress(), to: SUPPORT, subject: 'hello', messageId: newMessageId(), text: 'an ordinary mail' });
    expect(sent.response).toMatch(/^250/);
  });
});

describe('email: counting header lines', () => {
  it('when a header has folded lines, then each line counts, and counting stops at the empty line', () => {
    const raw = Buffer.from('From: a@b.c\r\nSubject: one\r\n two\r\n\r\nbody\r\nmore: not a header\r\n');
    expect(headerLineCount(raw)).toBe(3);
    expect(headerLineCount(Buffer.from('A: 1\nB: 2\n\nC: 3\n'))).toBe(2);
  });
});
