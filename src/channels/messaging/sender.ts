// Operator replies and proactive messages out through Twilio's REST API (or
// into the sandbox outbox without credentials). Each send waits for its
// sender's rate-limit slot. A Redis claim per message is the idempotency
// key: an attempt whose outcome is unknown (timeout, reset, 5xx) is looked
// up at Twilio before anything is sent again, so a retried job never sends
// twice. 429 and 5xx are retried (Retry-After holds the whole sender back);
// other 4xx fail for good.
import type { ConversationDoc, ConversationsService, MessageDoc } from '../../conversations/conversations.service';
import type { Config } from '../../config';
import type { Logger } from '../../infra/logger';
import type { Redis } from '../../infra/redis';
import { ChannelSender, DeliveryResult, PermanentDeliveryError } from '../../outbound/outbound.processor';
import { TwilioApiError, TwilioClient } from '../twilio/client';
import { SenderRateLimiter } from '../twilio/rate-limit';
import type { MessagingOutbox } from '../../store/models/outbox.model';
import { MessagingChannel, channelAddress, ownAddress } from './parse';
import { refusal } from './policy';
import { MAX_BODY, Translate, choicesLine } from './render';
import { OfferedChoices } from './choices';
import type { Prompts } from '../../flows/prompts';

export interface SenderDeps {
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'QUEUE_PREFIX' | 'TWILIO_SMS_FROM' | 'TWILIO_WHATSAPP_FROM' | 'TWILIO_HTTP_TIMEOUT_MS' | 'WHATSAPP_WINDOW_SECONDS'>;
  conversations: ConversationsService;
  redis: Redis;
  logger: Logger;
  /** null: sandbox mode, messages go to the outbox. */
  client: TwilioClient | null;
  limiter: SenderRateLimiter;
  outbox: MessagingOutbox;
  prompts: Prompts;
  company: string;
}

interface Claim {
  /** When the attempt began to send. */
  at: number;
  /** Twilio's id, once it answered. */
  sid?: string;
  /** When the attempt gave up without knowing the outcome. */
  ended?: number;
}

/** How long after an unknown outcome Twilio may still be creating the message. */
const SETTLE_MS = 5000;

const CLAIM_TTL_SECONDS = 7 * 24 * 3600;
/** Twilio unsubscribed-recipient error: the customer texted STOP to Twilio directly. */
const UNSUBSCRIBED = 21610;

export class TwilioMessagingSender implements ChannelSender {
  private readonly choices: OfferedChoices;

  constructor(private readonly deps: SenderDeps) {
    this.choices = new OfferedChoices(deps.redis, deps.config.QUEUE_PREFIX);
  }

  async deliver(message: MessageDoc, conversation: ConversationDoc): Promise<DeliveryResult> {
    const { config, conversations } = this.deps;
    const reason = await refusal({ conversations, windowSeconds: config.WHATSAPP_WINDOW_SECONDS }, conversation);
    if (reason) throw new PermanentDeliveryError(reason);
    // A proactive question (a survey) reads like the bot's: "Reply 1 for …"; the digits are remembered.
    const choices = message.choices.map((c, i) => ({ digit: String(i + 1), title: c.title }));
    const t: Translate = (key, vars = {}) => this.deps.prompts.t(conversation.language, key, { company: this.deps.company, ...vars });
    const body = choices.length ? `${message.text.trim()}\n\n${choicesLine(choices, t)}` : message.text;
    if ([...body].length > MAX_BODY) throw new PermanentDeliveryError(`longer than ${MAX_BODY} characters`);
    const result = await this.send(message, conversation, body);
    await this.choices.offer(String(conversation._id), choices);
    return result;
  }

  private async send(message: MessageDoc, conversation: ConversationDoc, body: string): Promise<DeliveryResult> {
    const { config, conversations, client } = this.deps;
    const channel = message.channel as MessagingChannel;
    const to = channelAddress(channel, conversation.address);
    const configured = channel === 'whatsapp' ? config.TWILIO_WHATSAPP_FROM : config.TWILIO_SMS_FROM;
    const from = conversation.botAddress || (configured ? ownAddress(configured) : '');

    if (!client) {
      await this.deps.outbox.record({ messageId: message._id, conversationId: conversation._id, channel, to, from: from ? channelAddress(channel, from) : '', body });
      return { status: 'sent', channelMessageId: `sandbox-${String(message._id)}` };
    }
    if (!from) throw new PermanentDeliveryError(`no ${channel} sender: the customer never wrote to us here and ${channel === 'whatsapp' ? 'TWILIO_WHATSAPP_FROM' : 'TWILIO_SMS_FROM'} is not set`);
    const sender = channelAddress(channel, from);
    const key = `${config.QUEUE_PREFIX}:twilio:send:${String(message._id)}`;
    const log = this.deps.logger.child({ conversationId: String(conversation._id), channel, messageId: String(message._id) });

    const earlier = await this.claimOf(key);
    if (earlier) {
      const sid = earlier.sid ?? (await this.findAtTwilio(client, to, sender, body, earlier.at));
      if (sid) {
        log.info({ messageSid: sid }, 'an earlier attempt had sent it; not sending again');
        await this.deps.redis.set(key, JSON.stringify({ ...earlier, sid }), 'EX', CLAIM_TTL_SECONDS);
        return { status: 'sent', channelMessageId: sid };
      }
      // Not at Twilio. Unless that attempt may still be running (or Twilio still creating it), it never got there.
      const settled = (earlier.ended ?? earlier.at + config.TWILIO_HTTP_TIMEOUT_MS) + SETTLE_MS;
      if (Date.now() < settled) throw new Error('an earlier attempt may still be sending');
      await this.deps.redis.del(key);
    }

    await this.deps.limiter.acquire(sender);
    const at = Date.now();
    if ((await this.deps.redis.set(key, JSON.stringify({ at }), 'EX', CLAIM_TTL_SECONDS, 'NX')) !== 'OK') {
      throw new Error('another attempt is sending this message');
    }
    try {
      const sent = await client.messages.create({ to, from: sender, body, statusCallback: this.statusCallback(String(message._id)) });
      await this.deps.redis.set(key, JSON.stringify({ at, sid: sent.sid }), 'EX', CLAIM_TTL_SECONDS);
      log.debug({ messageSid: sent.sid }, 'sent to twilio');
      return { status: 'sent', channelMessageId: sent.sid };
    } catch (err) {
      // Unknown outcome (timeout, reset, 5xx): keep the claim, the retry asks Twilio first.
      if (!(err instanceof TwilioApiError) || err.ambiguous) {
        await this.deps.redis.set(key, JSON.stringify({ at, ended: Date.now() }), 'EX', CLAIM_TTL_SECONDS);
        log.warn({ err }, 'twilio send outcome unknown; the retry looks it up first');
        throw err;
      }
      await this.deps.redis.del(key);
      if (err.status === 429) {
        await this.deps.limiter.pushBack(sender, err.retryAfterMs ?? 1000);
        throw err;
      }
      if (err.retryable) throw err;
      if (err.code === UNSUBSCRIBED) await conversations.setOptOut(conversation.customerId, channel, true);
      throw new PermanentDeliveryError(`Twilio refused the message: ${err.message}`);
    }
  }

  private statusCallback(messageId: string): string | undefined {
    const base = this.deps.config.PUBLIC_BASE_URL;
    // Twilio cannot call a machine-local URL back.
    if (/^https?:\/\/(localhost|127\.|\[::1\])/i.test(base)) return undefined;
    return `${base}/twilio/messaging/status?mid=${messageId}`;
  }

  private async claimOf(key: string): Promise<Claim | null> {
    const raw = await this.deps.redis.get(key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Claim;
    } catch {
      return null;
    }
  }

  /** The message an earlier attempt may have created: same sender, recipient and text, created since it started. */
  private async findAtTwilio(client: TwilioClient, to: string, from: string, body: string, since: number): Promise<string | undefined> {
    const recent = await client.messages.list({ to, from, limit: 20 });
    const skew = 5 * 60 * 1000;
    return recent.find((m) => m.body === body && (!(m.dateCreated instanceof Date) || m.dateCreated.getTime() >= since - skew))?.sid;
  }
}

export function messagingSenders(deps: SenderDeps): Record<MessagingChannel, ChannelSender> {
  const sender = new TwilioMessagingSender(deps);
  return { sms: sender, whatsapp: sender };
}
