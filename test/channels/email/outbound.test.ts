import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startSmtpSink, SmtpSink } from '../../fakes/smtp-sink';
import { startFakeSendGrid, FakeSendGrid } from '../../fakes/sendgrid-api';
import { createEmailSender, startEmailListener } from '../../../src/channels/email';
import type { SmtpListener } from '../../../src/channels/email/smtp.listener';
import { conversationOfMail, conversationView, customerAddress, emailEnv, INBOUND_SECRET, multipart, newMessageId, smtpSend, SUPPORT } from './mail.helpers';

describe('email outbound: operator replies reach the customer in the same thread, once', () => {
  let gw: Gateway;
  let sink: SmtpSink;
  let smtp: SmtpListener;
  beforeAll(async () => {
    sink = await startSmtpSink();
    gw = await startGateway('email-out', { env: emailEnv({ EMAIL_TRANSPORT: 'smtp', SMTP_RELAY_URL: sink.url, OUTBOUND_ATTEMPTS: '3' }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
    await sink?.close();
  });

  const mailsTo = (address: string) => sink.mails.filter((m) => m.envelope.to.includes(address));
  const waitForMails = (address: string, count: number) => eventually(async () => (mailsTo(address).length >= count ? mailsTo(address) : undefined), 10000);

  /** A customer's mail in the queue, claimed by an operator named `name`. */
  async function claimedThread(name = 'Ana') {
    const from = customerAddress();
    const messageId = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Technician never came', messageId, text: 'Your technician was supposed to come on Tuesday and nobody showed up.' });
    const conversationId = (await conversationOfMail(gw, messageId)) ?? '';
    const [ack] = await waitForMails(from, 1);
    const op = await gw.login(['operator'], name);
    const auth = { Authorization: `Bearer ${op.token}` };
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    const e = queue.body.find((x: { conversationId: string }) => x.conversationId === conversationId);
    await gw.http.post(`/api/escalations/${e.id}/claim`).set(auth).expect(200);
    return { from, messageId, conversationId, ack, auth };
  }

  it('when an operator replies, then the customer gets a mail from the operator by name, threaded under their mail, with text and HTML parts and our own Message-ID', async () => {
    const t = await claimedThread('Ana Kola');
    const sent = await gw.http.post(`/api/conversations/${t.conversationId}/messages`).set(t.auth).send({ text: 'Hello, this is Ana.\n\nThe technician will come on Friday between 9 and 12.' }).expect(201);
    const [, reply] = await waitForMails(t.from, 2);
    const p = reply.parsed;
    expect(p.from?.value[0]).toEqual({ name: 'Ana Kola (Vala Telecom)', address: SUPPORT });
    expect(p.subject).toBe('Re: Technician never came');
    expect(p.inReplyTo).toBe(t.messageId);
    expect(p.references).toEqual(expect.arrayContaining([t.messageId, t.ack.parsed.messageId]));
    expect(p.messageId).toBe(`<sb-${sent.body.id}@vala.test>`);
    expect(p.text).toContain('The technician will come on Friday between 9 and 12.');
    expect(p.html).toContain('<p>The technician will come on Friday between 9 and 12.</p>');
    expect(p.headers.get('auto-submitted')).toBeUndefined();
    const view = await conversationView(gw, t.conversationId, t.auth);
    expect(view.messages.find((m) => m.text.startsWith('Hello, this is Ana'))).toMatchObject({ author: 'operator' });
    await eventually(async () => (await conversationView(gw, t.conversationId, t.auth)).messages.some((m) => m.text.startsWith('Hello, this is Ana') && (m as { status?: string }).status === 'sent'));

    // The customer answers the operator's mail: it lands in the same conversation, with the operator, and the bot stays silent.
    const answer = newMessageId();
    await smtpSend(smtp.port, { from: t.from, to: SUPPORT, subject: 'Re: Technician never came', messageId: answer, inReplyTo: p.messageId, references: [t.messageId, p.messageId ?? ''], text: 'Friday is fine, thank you!' });
    expect(await conversationOfMail(gw, answer)).toBe(t.conversationId);
    expect((await conversationView(gw, t.conversationId, t.auth)).mode).toBe('human');
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo(t.from)).toHaveLength(2);
  });

  it('when the relay refuses the first attempt with 451, then the job retries and the customer gets the reply exactly once', async () => {
    const t = await claimedThread();
    sink.failNext(1);
    await gw.http.post(`/api/conversations/${t.conversationId}/messages`).set(t.auth).send({ text: 'Retried reply' }).expect(201);
    await waitForMails(t.from, 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(t.from).filter((m) => m.parsed.text?.includes('Retried reply'))).toHaveLength(1);
  });

  it('when the same delivery job runs again or two workers deliver the same message at once, then the customer still gets it once', async () => {
    const t = await claimedThread();
    const sent = await gw.http.post(`/api/conversations/${t.conversationId}/messages`).set(t.auth).send({ text: 'Only once please' }).expect(201);
    await waitForMails(t.from, 2);
    // A duplicate job for the delivered message (e.g. re-added after a stalled worker).
    await gw.infra.outboundQueue.add({ messageId: sent.body.id }, { jobId: `again-${sent.body.id}` });
    // Two senders racing on one queued message.
    const conversation = await gw.services.conversations.get(t.conversationId);
    const queued = await gw.services.conversations.recordOutgoing({ conversation, author: 'operator', authorName: 'Ana', text: 'Raced message', delivered: false });
    const sender = createEmailSender(gw.infra, gw.services);
    const results = await Promise.allSettled([sender.deliver(queued, conversation), sender.deliver(queued, conversation)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo(t.from).filter((m) => m.parsed.text?.includes('Only once please'))).toHaveLength(1);
    expect(mailsTo(t.from).filter((m) => m.parsed.text?.includes('Raced message'))).toHaveLength(1);
  });

  it('when the relay refuses the mail for good (5xx), then the message is marked failed without retrying', async () => {
    const t = await claimedThread();
    sink.failNext(1, 550);
    const sent = await gw.http.post(`/api/conversations/${t.conversationId}/messages`).set(t.auth).send({ text: 'This one bounces' }).expect(201);
    const failed = await eventually(async () => {
      const view = await gw.http.get(`/api/conversations/${t.conversationId}`).set(t.auth).expect(200);
      return view.body.messages.find((m: { id: string; status: string }) => m.id === sent.body.id && m.status === 'failed');
    });
    expect(failed.error).toMatch(/SMTP 550/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(t.from).filter((m) => m.parsed.text?.includes('This one bounces'))).toHaveLength(0);
  });
});

describe('email outbound through the SendGrid API', () => {
  let gw: Gateway;
  let api: FakeSendGrid;
  beforeAll(async () => {
    api = await startFakeSendGrid('SG.test-key');
    gw = await startGateway('email-sg-out', { env: emailEnv({ EMAIL_TRANSPORT: 'sendgrid', SENDGRID_API_KEY: 'SG.test-key', SENDGRID_API_URL: api.url, OUTBOUND_ATTEMPTS: '3' }) });
  });
  afterAll(async () => {
    await gw?.close();
    await api?.close();
  });

  it('when the API fails once with 500, then the acknowledgement is posted again and sent once, with threading headers and both parts', async () => {
    api.failNext(1, 500);
    const from = customerAddress();
    const messageId = newMessageId();
    const headers = `From: ${from}\nTo: ${SUPPORT}\nSubject: Technician never came\nMessage-ID: ${messageId}\n`;
    const { body, contentType } = multipart([
      { name: 'headers', value: headers },
      { name: 'from', value: from },
      { name: 'to', value: SUPPORT },
      { name: 'subject', value: 'Technician never came' },
      { name: 'text', value: 'Your technician was supposed to come on Tuesday and nobody showed up.' },
      { name: 'envelope', value: JSON.stringify({ to: [SUPPORT], from }) },
      { name: 'charsets', value: JSON.stringify({ text: 'UTF-8', subject: 'UTF-8' }) },
    ]);
    await gw.http.post(`/email/inbound?secret=${INBOUND_SECRET}`).set('Content-Type', contentType).send(body).expect(200);
    const [sent] = await eventually(async () => (api.requests.length ? api.requests : undefined), 10000);
    expect(sent.personalizations[0].to[0].email).toBe(from);
    expect(sent.from).toEqual({ email: SUPPORT, name: 'Vala Telecom' });
    expect(sent.reply_to?.email).toMatch(/^support\+[a-z0-9]+@vala\.test$/);
    expect(sent.subject).toBe('Re: Technician never came');
    expect(sent.headers).toMatchObject({ 'In-Reply-To': messageId, 'Message-ID': expect.stringMatching(/^<sb-[0-9a-f]{24}@vala\.test>$/), 'Auto-Submitted': 'auto-replied' });
    expect(sent.content.map((c) => c.type)).toEqual(['text/plain', 'text/html']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(api.requests).toHaveLength(1);
  });
});
