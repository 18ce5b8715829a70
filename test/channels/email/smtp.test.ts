import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startSmtpSink, SmtpSink } from '../../fakes/smtp-sink';
import { startEmailListener } from '../../../src/channels/email';
import type { SmtpListener } from '../../../src/channels/email/smtp.listener';
import { conversationOfMail, conversationView, customerAddress, emailEnv, newMessageId, smtpSend, storedMail, SUPPORT, supervisor } from './mail.helpers';

describe('email: mail arrives through the SMTP listener', () => {
  let gw: Gateway;
  let sink: SmtpSink;
  let smtp: SmtpListener;
  beforeAll(async () => {
    sink = await startSmtpSink();
    gw = await startGateway('email-smtp', { env: emailEnv({ EMAIL_TRANSPORT: 'smtp', SMTP_RELAY_URL: sink.url, EMAIL_MAX_BYTES: String(200 * 1024) }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
    await sink?.close();
  });

  /** The mails the sink got for this address, once there are `count` of them. */
  async function sentTo(address: string, count = 1) {
    return eventually(async () => {
      const mine = sink.mails.filter((m) => m.envelope.to.includes(address));
      return mine.length >= count ? mine : undefined;
    }, 8000);
  }

  it('when a customer mails plain text, then a conversation opens with the subject, an operator gets it and one acknowledgement with the ticket number threads under the mail', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    await smtpSend(smtp.port, {
      from: `Ana Hoxha <${from}>`,
      to: SUPPORT,
      subject: 'Broken promise from your technician',
      messageId,
      text: 'Hello,\n\nyour technician was supposed to come on Tuesday and nobody showed up. I took a day off for this.\n\nThanks,\nAna\n\n-- \nAna Hoxha\nTirana, +355 69 000 0000',
    });
    const conversationId = await conversationOfMail(gw, messageId);
    const auth = await supervisor(gw);
    const view = await conversationView(gw, conversationId ?? '', auth);
    expect(view).toMatchObject({ subject: 'Broken promise from your technician', address: from, mode: 'queued' });
    const inbound = view.messages.find((m) => m.direction === 'in');
    expect(inbound?.text).toContain('nobody showed up');
    expect(inbound?.text).not.toContain('Tirana, +355');

    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    expect(queue.body.find((e: { conversationId: string }) => e.conversationId === conversationId)).toMatchObject({ channel: 'email', queue: 'email' });

    const [ack] = await sentTo(from);
    expect(ack.parsed.subject).toBe('Re: Broken promise from your technician');
    expect(ack.parsed.inReplyTo).toBe(messageId);
    expect(ack.parsed.text).toMatch(/ticket #\d+/);
    expect(ack.parsed.from?.value[0].address).toBe(SUPPORT);
    expect(ack.parsed.replyTo?.value[0].address).toMatch(/^support\+[a-z0-9]+@vala\.test$/);
    expect(ack.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.html).toContain('ticket #');
  });

  it('when an HTML-only mail with a script asks an FAQ question, then the bot reads its text, answers once, and the console gets sanitised HTML', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    await smtpSend(smtp.port, {
      from,
      to: SUPPORT,
      subject: 'Question',
      messageId,
      html: '<div><p>What are your <b>opening hours</b>?</p><script>alert("x")</script><img src="https://tracker.example/p.gif" alt="logo"><a href="javascript:alert(1)">click</a></div>',
    });
    const conversationId = await conversationOfMail(gw, messageId);
    const [answer] = await sentTo(from);
    expect(answer.parsed.text).toMatch(/Monday to Saturday/);
    expect(answer.parsed.text).toMatch(/ticket #\d+/);
    const auth = await supervisor(gw);
    const view = await conversationView(gw, conversationId ?? '', auth);
    expect(view.mode).toBe('bot');
    const text = view.messages.find((m) => m.direction === 'in')?.text ?? '';
    expect(text).toMatch(/^What are your opening hours\?/);
    expect(text).not.toMatch(/alert|javascript|tracker/);
    const mails = await gw.http.get(`/api/email/conversations/${conversationId}`).set(auth).expect(200);
    const html: string = mails.body.mails.find((m: { direction: string }) => m.direction === 'in').html;
    expect(html).toContain('<b>opening hours</b>');
    expect(html).not.toMatch(/<script|alert\("x"\)|javascript:/);
    expect(html).not.toMatch(/\ssrc="https:\/\/tracker/);
    expect(html).toContain('data-remote-src="https://tracker.example/p.gif"');
  });

  it('when a mail carries attachments, then they are stored with type and size and served only to operators who may see the conversation', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20000, 0x41)]);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d3a3a30000000049454e44ae426082', 'hex');
    await smtpSend(smtp.port, {
      from,
      to: SUPPORT,
      subject: 'Invoice attached',
      messageId,
      text: 'Please look at the attached invoice, the amount is wrong.',
      attachments: [
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'screen.png', content: png, contentType: 'image/png' },
      ],
    });
    const conversationId = await conversationOfMail(gw, messageId);
    const auth = await supervisor(gw);
    const view = await conversationView(gw, conversationId ?? '', auth);
    const atts = view.messages.find((m) => m.direction === 'in')?.attachments ?? [];
    expect(atts.map((a) => [a.name, a.contentType])).toEqual([
      ['invoice.pdf', 'application/pdf'],
      ['screen.png', 'image/png'],
    ]);
    const mails = await gw.http.get(`/api/email/conversations/${conversationId}`).set(auth).expect(200);
    expect(mails.body.mails[0].attachments.map((a: { size: number }) => a.size)).toEqual([pdf.length, png.length]);

    const url = atts[0].contentUrl ?? '';
    const got = await gw.http.get(url).set(auth).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body as Buffer, pdf)).toBe(0);
    expect(got.headers['content-disposition']).toContain('attachment');

    await gw.http.get(url).expect(401);
    const marketer = await gw.login(['marketer']);
    await gw.http.get(url).set('Authorization', `Bearer ${marketer.token}`).expect(403);
    // Once an operator holds the conversation, another operator may no longer read its attachments.
    const holder = await gw.login();
    const other = await gw.login();
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    const e = queue.body.find((x: { conversationId: string }) => x.conversationId === conversationId);
    await gw.http.post(`/api/escalations/${e.id}/claim`).set('Authorization', `Bearer ${holder.token}`).expect(200);
    await gw.http.get(url).set('Authorization', `Bearer ${holder.token}`).expect(200);
    await gw.http.get(url).set('Authorization', `Bearer ${other.token}`).expect(403);
  });

  it('when a mail is in ISO-8859-2 with a windows-1252 encoded subject, then the text and subject read correctly and the acknowledgement is in Albanian', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const body = Buffer.from('Përshëndetje, fatura ime e muajit është shumë e lartë. Ju lutem ma kontrolloni llogarinë.', 'latin1');
    const raw = Buffer.concat([
      Buffer.from(
        [
          `From: Besa <${from}>`,
          `To: ${SUPPORT}`,
          'Subject: =?windows-1252?Q?Fatur=EB_e_gabuar?=',
          `Message-ID: ${messageId}`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=iso-8859-2',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ].join('\r\n'),
        'latin1',
      ),
      body,
    ]);
    await smtpSend(smtp.port, { envelope: { from, to: [SUPPORT] }, raw });
    const conversationId = await conversationOfMail(gw, messageId);
    const auth = await supervisor(gw);
    const view = await conversationView(gw, conversationId ?? '', auth);
    expect(view.subject).toBe('Faturë e gabuar');
    expect(view.messages.find((m) => m.direction === 'in')?.text).toContain('Përshëndetje, fatura ime e muajit është shumë e lartë');
    const [ack] = await sentTo(from);
    expect(ack.parsed.subject).toBe('Re: Faturë e gabuar');
    expect(ack.parsed.text).toMatch(/Faleminderit/);
  });

  it('when a mail is larger than EMAIL_MAX_BYTES, then the listener refuses it with 552 and nothing is stored', async () => {
    const messageId = newMessageId();
    const err = await smtpSend(smtp.port, { from: customerAddress(), to: SUPPORT, subject: 'big', messageId, text: 'x'.repeat(300 * 1024) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { responseCode?: number }).responseCode).toBe(552);
    expect(await storedMail(gw, messageId)).toBeNull();
  });

  it('when a mail is for an address that is not a support mailbox, then the listener refuses the recipient with 550 and nothing is stored', async () => {
    const messageId = newMessageId();
    const err = await smtpSend(smtp.port, { from: customerAddress(), to: 'sales@vala.test', subject: 'hi', messageId, text: 'hello' }).catch((e: Error) => e);
    expect((err as { responseCode?: number }).responseCode).toBe(550);
    expect(await storedMail(gw, messageId)).toBeNull();
  });

  it('when the listener is a relay endpoint with STARTTLS and AUTH, then mail without credentials is refused and mail over TLS with them is accepted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-tls-'));
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const relay = await startEmailListener(gw.infra, gw.services, {
      port: 0,
      host: '127.0.0.1',
      tls: { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
      auth: { user: 'relay', password: 'relay-password-1' },
    });
    try {
      const refused = await smtpSend(relay.port, { from: customerAddress(), to: SUPPORT, subject: 'no auth', text: 'x' }).catch((e: Error) => e);
      expect((refused as { responseCode?: number }).responseCode).toBe(530);
      const nodemailer = await import('nodemailer');
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: relay.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'relay', pass: 'relay-password-1' } });
      const messageId = newMessageId();
      const info = await client.sendMail({ from: customerAddress(), to: SUPPORT, subject: 'Through the relay', messageId, text: 'What are your opening hours?' });
      client.close();
      expect(info.accepted).toEqual([SUPPORT]);
      expect(await conversationOfMail(gw, messageId)).toEqual(expect.any(String));
    } finally {
      await relay.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
