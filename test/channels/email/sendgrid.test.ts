import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { conversationView, customerAddress, emailEnv, INBOUND_SECRET, multipart, MultipartPart, newMessageId, rawMime, storedMail, SUPPORT, supervisor } from './mail.helpers';

/** The fields SendGrid's Inbound Parse posts for a parsed (non-raw) mail. */
function parsedPost(o: { from: string; messageId: string; subject: string; text: Buffer | string; html?: string; charset?: string; spamScore?: string; extraHeaders?: string; attachment?: Buffer }): MultipartPart[] {
  const headers = [
    'Received: from mail.customer.example by mx.sendgrid.net',
    `From: Drita <${o.from}>`,
    `To: ${SUPPORT}`,
    `Subject: ${o.subject}`,
    `Message-ID: ${o.messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    ...(o.extraHeaders ? [o.extraHeaders] : []),
    '',
  ].join('\n');
  const parts: MultipartPart[] = [
    { name: 'headers', value: headers },
    { name: 'dkim', value: '{@customer.example : pass}' },
    { name: 'content-ids', value: '{}' },
    { name: 'to', value: SUPPORT },
    { name: 'html', value: o.html ?? '' },
    { name: 'from', value: `Drita <${o.from}>` },
    { name: 'text', value: o.text },
    { name: 'sender_ip', value: '203.0.113.7' },
    { name: 'spam_report', value: 'Spam detection software has NOT identified this incoming email as spam.' },
    { name: 'envelope', value: JSON.stringify({ to: [SUPPORT], from: o.from }) },
    { name: 'attachments', value: o.attachment ? '1' : '0' },
    { name: 'subject', value: o.subject },
    { name: 'spam_score', value: o.spamScore ?? '0.1' },
    { name: 'charsets', value: JSON.stringify({ to: 'UTF-8', html: 'UTF-8', subject: 'UTF-8', from: 'UTF-8', text: o.charset ?? 'UTF-8' }) },
    { name: 'SPF', value: 'pass' },
  ];
  if (o.attachment) {
    parts.push({ name: 'attachment-info', value: JSON.stringify({ attachment1: { filename: 'contract.pdf', name: 'contract.pdf', type: 'application/pdf' } }) });
    parts.push({ name: 'attachment1', value: o.attachment, filename: 'contract.pdf', contentType: 'application/pdf' });
  }
  return parts;
}

describe('email: SendGrid Inbound Parse posts', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // No transport configured: sandbox mode, replies land in the outbox.
    gw = await startGateway('email-sendgrid', { env: emailEnv() });
  });
  afterAll(async () => {
    await gw?.close();
  });

  function post(parts: MultipartPart[], query = `?secret=${INBOUND_SECRET}`) {
    const { body, contentType } = multipart(parts);
    return gw.http.post(`/email/inbound${query}`).set('Content-Type', contentType).send(body);
  }

  async function outboxFor(address: string, auth: { Authorization: string }) {
    const r = await gw.http.get('/api/email/outbox').set(auth).expect(200);
    return (r.body as { to: { address: string }[]; subject: string; fullText: string; inReplyTo: string[] }[]).filter((m) => m.to[0]?.address === address);
  }

  it('when SendGrid posts a parsed mail with a Latin-1 text and an attachment, then it is stored in its conversation with the right characters and the attachment', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5000, 0x42)]);
    const res = await post(parsedPost({ from, messageId, subject: 'Kontrata ime', text: Buffer.from('Përshëndetje, kam një pyetje për kontratën time të re.', 'latin1'), charset: 'iso-8859-1', attachment: pdf })).expect(200);
    expect(res.body).toMatchObject({ status: 'stored', messageId, conversationId: expect.any(String) });
    const auth = await supervisor(gw);
    const view = await conversationView(gw, res.body.conversationId, auth);
    expect(view.subject).toBe('Kontrata ime');
    const inbound = view.messages.find((m) => m.direction === 'in');
    expect(inbound?.text).toBe('Përshëndetje, kam një pyetje për kontratën time të re.');
    expect(inbound?.attachments).toEqual([expect.objectContaining({ name: 'contract.pdf', contentType: 'application/pdf' })]);
    const file = await gw.http.get(inbound?.attachments[0].contentUrl ?? '').set(auth).expect(200);
    expect(Number(file.headers['content-length'])).toBe(pdf.length);
  });

  it('when SendGrid posts the raw variant with basic auth, then the full MIME message is parsed, attachments included, and the customer is acknowledged from the outbox', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const email = await rawMime({ from, to: SUPPORT, subject: 'Damaged phone on delivery', messageId, text: 'The phone I received yesterday has a cracked screen. Photo attached.', attachments: [{ filename: 'crack.jpg', content: Buffer.alloc(3000, 7), contentType: 'image/jpeg' }] });
    const { body, contentType } = multipart([
      { name: 'email', value: email },
      { name: 'to', value: SUPPORT },
      { name: 'from', value: from },
      { name: 'subject', value: 'Damaged phone on delivery' },
      { name: 'sender_ip', value: '203.0.113.7' },
      { name: 'envelope', value: JSON.stringify({ to: [SUPPORT], from }) },
      { name: 'charsets', value: JSON.stringify({ to: 'UTF-8', subject: 'UTF-8', from: 'UTF-8' }) },
      { name: 'spam_score', value: '0.3' },
    ]);
    const res = await gw.http
      .post('/email/inbound')
      .auth('sendgrid', INBOUND_SECRET)
      .set('Content-Type', contentType)
      .send(body)
      .expect(200);
    expect(res.body).toMatchObject({ status: 'stored', messageId });
    const auth = await supervisor(gw);
    const view = await conversationView(gw, res.body.conversationId, auth);
    expect(view.subject).toBe('Damaged phone on delivery');
    expect(view.messages.find((m) => m.direction === 'in')?.attachments).toEqual([expect.objectContaining({ name: 'crack.jpg', contentType: 'image/jpeg' })]);
    const [ack] = await eventually(async () => {
      const list = await outboxFor(from, auth);
      return list.length ? list : undefined;
    });
    expect(ack.subject).toBe('Re: Damaged phone on delivery');
    expect(ack.inReplyTo).toEqual([messageId]);
    expect(ack.fullText).toMatch(/ticket #\d+/);
  });

  it.each([
    ['no secret', 401, ''],
    ['a wrong ?secret=', 403, '?secret=nope'],
  ])('when the post comes with %s, then it is refused with %d and nothing is stored', async (_what, status, query) => {
    const messageId = newMessageId();
    await post(parsedPost({ from: customerAddress(), messageId, subject: 'x', text: 'hello' }), query).expect(status);
    expect(await storedMail(gw, messageId)).toBeNull();
  });

  it('when the basic-auth password is wrong, then the post is refused with 403 and nothing is stored', async () => {
    const messageId = newMessageId();
    const { body, contentType } = multipart(parsedPost({ from: customerAddress(), messageId, subject: 'x', text: 'hello' }));
    await gw.http.post('/email/inbound').auth('sendgrid', 'wrong-password').set('Content-Type', contentType).send(body).expect(403);
    expect(await storedMail(gw, messageId)).toBeNull();
  });

  it('when SendGrid delivers the same Message-ID twice, then it is stored once and acknowledged once', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const parts = parsedPost({ from, messageId, subject: 'Moving house next month', text: 'I am moving to Durrës next month, what happens with my fibre contract and the router?' });
    const first = await post(parts).expect(200);
    const second = await post(parts).expect(200);
    expect(second.body).toMatchObject({ status: 'duplicate', conversationId: first.body.conversationId });
    const auth = await supervisor(gw);
    await eventually(async () => ((await outboxFor(from, auth)).length ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    const view = await conversationView(gw, first.body.conversationId, auth);
    expect(view.messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(await outboxFor(from, auth)).toHaveLength(1);
  });

  it('when the spam score is above the threshold, then the mail is stored but opens no conversation and gets no answer', async () => {
    const from = customerAddress();
    const messageId = newMessageId();
    const res = await post(parsedPost({ from, messageId, subject: 'WIN A PRIZE', text: 'Click here to claim your prize', spamScore: '9.8' })).expect(200);
    expect(res.body).toMatchObject({ status: 'stored', conversationId: null, action: 'not answered: spam' });
    expect(await storedMail(gw, messageId)).toMatchObject({ spamScore: 9.8, noise: 'spam' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await outboxFor(from, await supervisor(gw))).toHaveLength(0);
  });

  it('when the mail is not for a support mailbox, then it is acknowledged to SendGrid and ignored', async () => {
    const messageId = newMessageId();
    const parts = parsedPost({ from: customerAddress(), messageId, subject: 'x', text: 'hello' }).map((p) =>
      p.name === 'to' ? { ...p, value: 'sales@vala.test' } : p.name === 'envelope' ? { ...p, value: JSON.stringify({ to: ['sales@vala.test'], from: 'a@b.c' }) } : p.name === 'headers' ? { ...p, value: String(p.value).replace(`To: ${SUPPORT}`, 'To: sales@vala.test') } : p,
    );
    const res = await post(parts).expect(200);
    expect(res.body.status).toBe('ignored');
    expect(await storedMail(gw, messageId)).toBeNull();
  });
});
