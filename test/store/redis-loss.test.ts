// The store is the truth, Redis a cache: when Redis loses everything of this
// gateway mid-conversation (FLUSHALL, a restart without persistence), a
// customer's next message on every channel finds the same customer and the
// same open conversation, numbering goes on where it was, and the queue is
// whole again. (Only this gateway's keys are deleted, which is what FLUSHALL
// does to it, without disturbing test files that share the Redis server.)
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';
import { startFakeTwilio, FakeTwilio } from '../fakes/twilio';
import { auth, newPhone, say, twilioEnv } from '../channels/messaging/helpers';
import { startSmtpSink, SmtpSink } from '../fakes/smtp-sink';
import { startEmailListener } from '../../src/channels/email';
import type { SmtpListener } from '../../src/channels/email/smtp.listener';
import { conversationOfMail, customerAddress, emailEnv, newMessageId, smtpSend, SUPPORT } from '../channels/email/mail.helpers';

describe('when Redis loses its data mid-conversation', () => {
  let gw: Gateway;
  let fake: FakeTwilio;
  let sink: SmtpSink;
  let smtp: SmtpListener;
  beforeAll(async () => {
    fake = await startFakeTwilio();
    sink = await startSmtpSink();
    gw = await startGateway('redisloss', { env: { ...twilioEnv(fake), ...emailEnv({ EMAIL_TRANSPORT: 'smtp', SMTP_RELAY_URL: sink.url }) } });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
    await sink?.close();
    await fake?.close();
  });

  /** Deletes every key of this gateway's prefix, as FLUSHALL would. */
  async function loseRedis(): Promise<number> {
    const { redis } = gw.infra;
    const keys = await redis.keys(`${gw.config.QUEUE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    return keys.length;
  }

  it('then web chat, SMS, WhatsApp and email customers are found with their open conversations, and the queue is whole again', async () => {
    // Before: a web chat in the queue, an SMS and a WhatsApp conversation with the bot, an email thread.
    const web = await DirectLineTestClient.start(gw.url);
    await web.say('I want to talk to a person');
    await eventually(async () => ((await gw.services.conversations.get(web.conversationId)).mode === 'queued' ? true : undefined));
    const phone = newPhone();
    await say(gw, phone, 'what are your opening hours');
    await say(gw, `whatsapp:${phone}`, 'what are your opening hours');
    const sms = await gw.services.conversations.findActive('sms', phone);
    const whatsapp = await gw.services.conversations.findActive('whatsapp', phone);
    const from = customerAddress();
    const first = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Roaming', messageId: first, text: 'how much does roaming cost in Italy' });
    const emailConversation = await conversationOfMail(gw, first);
    const supervisor = auth((await gw.login(['supervisor'])).token);
    const queuedBefore = (await gw.http.get('/api/escalations?status=queued').set(supervisor).expect(200)).body as { conversationId: string }[];
    expect(queuedBefore.map((e) => e.conversationId)).toContain(web.conversationId);
    await web.poll();
    const watermarkBefore = web.watermark;

    expect(await loseRedis()).toBeGreaterThan(0);

    // After: each customer's next message lands in the same conversation.
    await web.say('are you still there?');
    const echoed = await eventually(async () => {
      await web.poll();
      return web.seen.find((a) => a.text === 'are you still there?');
    });
    expect(Number(web.watermark)).toBeGreaterThan(watermarkBefore);
    expect(web.seen.filter((a) => a.id === echoed.id)).toHaveLength(1);

    const smsReply = await say(gw, phone, 'and on sundays?');
    expect(smsReply.length).toBeGreaterThan(0);
    const smsAfter = await gw.services.conversations.findActive('sms', phone);
    expect(String(smsAfter?._id)).toBe(String(sms?._id));
    await say(gw, `whatsapp:${phone}`, 'thanks');
    const whatsappAfter = await gw.services.conversations.findActive('whatsapp', phone);
    expect(String(whatsappAfter?._id)).toBe(String(whatsapp?._id));
    expect(String(whatsappAfter?.customerId)).toBe(String(smsAfter?.customerId));
    const history = (await gw.http.get(`/api/conversations/${String(sms?._id)}`).set(supervisor).expect(200)).body as { messages: { direction: string; text: string }[] };
    expect(history.messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['what are your opening hours', 'and on sundays?']);

    const second = newMessageId();
    await smtpSend(smtp.port, { from, to: SUPPORT, subject: 'Re: Roaming', messageId: second, inReplyTo: first, references: [first], text: 'and in Greece?' });
    expect(await conversationOfMail(gw, second)).toBe(emailConversation);

    // The queue is rebuilt from the store: everyone waiting before still waits, and the web chat keeps its place at the front.
    const queuedAfter = (await gw.http.get('/api/escalations?status=queued').set(supervisor).expect(200)).body as { id: string; conversationId: string }[];
    expect(queuedAfter.map((e) => e.conversationId).slice(0, queuedBefore.length)).toEqual(queuedBefore.map((e) => e.conversationId));
    const mine = queuedAfter.find((e) => e.conversationId === web.conversationId);
    const detail = (await gw.http.get(`/api/escalations/${mine?.id}`).set(supervisor).expect(200)).body as { position: number };
    expect(detail.position).toBe(1);
  });
});
