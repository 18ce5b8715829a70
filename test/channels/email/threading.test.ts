import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { startSmtpSink, SmtpSink, SunkMail } from '../../fakes/smtp-sink';
import { startEmailListener } from '../../../src/channels/email';
import type { SmtpListener } from '../../../src/channels/email/smtp.listener';
import { conversationOfMail, conversationView, customerAddress, emailEnv, newMessageId, smtpSend, storedMail, SUPPORT, supervisor } from './mail.helpers';

describe('email threads: replies join their conversation, noise gets no answer', () => {
  let gw: Gateway;
  let sink: SmtpSink;
  let smtp: SmtpListener;
  beforeAll(async () => {
    sink = await startSmtpSink();
    gw = await startGateway('email-thread', { env: emailEnv({ EMAIL_TRANSPORT: 'smtp', SMTP_RELAY_URL: sink.url, EMAIL_AUTOREPLY_LIMIT: '2' }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
    await sink?.close();
  });

  const mailsTo = (address: string) => sink.mails.filter((m) => m.envelope.to.includes(address));
  const waitForMails = (address: string, count: number) => eventually(async () => (mailsTo(address).length >= count ? mailsTo(address) : undefined), 8000);
  /** Give the gateway time to (wrongly) answer before asserting that it did not. */
  const settle = () => new Promise((r) => setTimeout(r, 600));

  /** A first mail that goes to an operator, and the acknowledgement it got. */
  async function openThread(subject = 'Technician never came'): Promise<{ from: string; messageId: string; conversationId: string; ack: SunkMail }> {
    const from = customerAddress();
    const messageId = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject, messageId, text: 'Your technician was supposed to come on Tuesday and nobody showed up. I took a day off for this.' });
    const conversationId = (await conversationOfMail(gw, messageId)) ?? '';
    const [ack] = await waitForMails(from, 1);
    return { from, messageId, conversationId, ack };
  }

  it('when the customer replies with In-Reply-To to our acknowledgement, then the reply joins the conversation and is not acknowledged again', async () => {
    const t = await openThread();
    const reply = newMessageId();
    await smtpSend(smtp.port, {
      from: t.from,
      to: SUPPORT,
      subject: 'Re: Technician never came',
      messageId: reply,
      inReplyTo: t.ack.parsed.messageId,
      references: [t.messageId, t.ack.parsed.messageId ?? ''],
      text: 'Any news? I can be home on Friday.\n\nOn Tue, Vala Telecom <support@vala.test> wrote:\n> Thank you for writing',
    });
    expect(await conversationOfMail(gw, reply)).toBe(t.conversationId);
    const view = await conversationView(gw, t.conversationId, await supervisor(gw));
    expect(view.messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual([expect.stringContaining('nobody showed up'), 'Any news? I can be home on Friday.']);
    await settle();
    expect(mailsTo(t.from)).toHaveLength(1);
  });

  it('when the reply has lost its threading headers but goes to the Reply-To address with the token, then it joins the conversation too', async () => {
    const t = await openThread();
    const replyTo = t.ack.parsed.replyTo?.value[0].address ?? '';
    expect(replyTo).toMatch(/^support\+/);
    const reply = newMessageId();
    await smtpSend(smtp.port, { from: t.from, to: replyTo, subject: 'still waiting', messageId: reply, text: 'Is anyone there?' });
    expect(await conversationOfMail(gw, reply)).toBe(t.conversationId);
  });

  it('when the same customer writes with a new subject and no threading headers, then a new conversation starts for the same customer', async () => {
    const t = await openThread();
    const second = newMessageId();
    await smtpSend(smtp.port, { from: t.from, to: SUPPORT, subject: 'Another topic: my invoice address', messageId: second, text: 'Please change the address on my invoices to Rruga e Kavajës 10.' });
    const other = await conversationOfMail(gw, second);
    expect(other).not.toBe(t.conversationId);
    const auth = await supervisor(gw);
    const [a, b] = await Promise.all([gw.http.get(`/api/conversations/${t.conversationId}`).set(auth), gw.http.get(`/api/conversations/${other}`).set(auth)]);
    expect(b.body.customer.id).toBe(a.body.customer.id);
    expect(b.body.subject).toBe('Another topic: my invoice address');
  });

  it('when an out-of-office auto-reply answers our acknowledgement, then it is kept in the conversation and gets no answer', async () => {
    const t = await openThread();
    const auto = newMessageId();
    await smtpSend(smtp.port, {
      from: t.from,
      to: SUPPORT,
      subject: 'Automatic reply: Re: Technician never came',
      messageId: auto,
      inReplyTo: t.ack.parsed.messageId,
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
      text: 'I am out of the office until Monday.',
    });
    expect(await conversationOfMail(gw, auto)).toBe(t.conversationId);
    expect(await storedMail(gw, auto)).toMatchObject({ noise: 'auto-submitted', action: 'not answered: auto-submitted' });
    await settle();
    expect(mailsTo(t.from)).toHaveLength(1);
  });

  it('when a bounce arrives from the null sender, then it is stored outside any conversation and gets no answer', async () => {
    const bounce = newMessageId();
    await smtpSend(smtp.port, {
      envelope: { from: '', to: [SUPPORT] },
      from: 'Mail Delivery System <mailer-daemon@mx.customer.example>',
      to: SUPPORT,
      subject: 'Undelivered Mail Returned to Sender',
      messageId: bounce,
      text: 'This is the mail system. Your message could not be delivered.',
    });
    expect(await conversationOfMail(gw, bounce)).toBeNull();
    await settle();
    expect(mailsTo('mailer-daemon@mx.customer.example')).toHaveLength(0);
  });

  it('when a mailing list writes to support, then it opens nothing and gets no answer', async () => {
    const from = customerAddress();
    const id = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Weekly digest', messageId: id, headers: { 'List-Id': '<digest.lists.example>', Precedence: 'list' }, text: 'This week…' });
    expect(await conversationOfMail(gw, id)).toBeNull();
    await settle();
    expect(mailsTo(from)).toHaveLength(0);
  });

  it('when the bot answered from the FAQ and the customer replies that it did not help, then the reply is escalated and no second automatic mail goes out', async () => {
    const from = customerAddress();
    const first = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Opening hours', messageId: first, text: 'What are your opening hours?' });
    const [answer] = await waitForMails(from, 1);
    expect(answer.parsed.text).toMatch(/Monday to Saturday/);
    const conversationId = (await conversationOfMail(gw, first)) ?? '';
    const reply = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Re: Opening hours', messageId: reply, inReplyTo: answer.parsed.messageId, text: 'And on public holidays? What are your opening hours then?' });
    expect(await conversationOfMail(gw, reply)).toBe(conversationId);
    const view = await conversationView(gw, conversationId, await supervisor(gw));
    expect(view.mode).toBe('queued');
    await settle();
    expect(mailsTo(from)).toHaveLength(1);
  });

  it('when a customer replies to a thread an operator already resolved, then the conversation is reopened into the queue without a second acknowledgement', async () => {
    const t = await openThread();
    const op = await gw.login(['operator'], 'Ana');
    const auth = { Authorization: `Bearer ${op.token}` };
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    const e = queue.body.find((x: { conversationId: string }) => x.conversationId === t.conversationId);
    await gw.http.post(`/api/escalations/${e.id}/claim`).set(auth).expect(200);
    await gw.http.post(`/api/escalations/${e.id}/resolve`).set(auth).send({ disposition: 'answered' }).expect(200);
    const reply = newMessageId();
    await smtpSend(smtp.port, { from: t.from, to: SUPPORT, subject: 'Re: Technician never came', messageId: reply, inReplyTo: t.ack.parsed.messageId, text: 'The technician did not come again today.' });
    expect(await conversationOfMail(gw, reply)).toBe(t.conversationId);
    const again = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    expect(again.body.find((x: { conversationId: string }) => x.conversationId === t.conversationId)).toMatchObject({ queue: 'email' });
    await settle();
    expect(mailsTo(t.from)).toHaveLength(1);
  });

  it('when one sender opens thread after thread, then automatic replies stop at the per-sender limit (the mails still reach operators)', async () => {
    const from = customerAddress();
    const ids = [newMessageId(), newMessageId(), newMessageId(), newMessageId()];
    for (const [i, messageId] of ids.entries()) {
      await smtpSend(smtp.port, { from, to: SUPPORT, subject: `Complaint number ${i + 1} about the technician`, messageId, text: 'Nobody came to install the fibre again.' });
    }
    await waitForMails(from, 2);
    await settle();
    expect(mailsTo(from)).toHaveLength(2);
    const auth = await supervisor(gw);
    const conversations = await Promise.all(ids.map((id) => conversationOfMail(gw, id)));
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth).expect(200);
    const queued = new Set(queue.body.map((x: { conversationId: string }) => x.conversationId));
    expect(conversations.every((c) => queued.has(c))).toBe(true);
  });
});
