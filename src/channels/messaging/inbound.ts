// One inbound SMS or WhatsApp message, end to end: find the customer (one
// person across SMS and WhatsApp) and their open conversation, handle the
// carrier keywords (STOP, START, HELP), run the bot turn and render its
// replies as TwiML. The rendered reply is kept by MessageSid, so Twilio's
// second delivery of a message gets the very same answer and stores nothing.
import type { Types } from 'mongoose';
import type { BotRuntime } from '../../bot/runtime';
import type { ConversationDoc, ConversationsService, Identity } from '../../conversations/conversations.service';
import type { Prompts } from '../../flows/prompts';
import { ValidationError } from '../../infra/errors';
import type { Logger } from '../../infra/logger';
import type { Redis } from '../../infra/redis';
import { Address, InboundWebhook, Keyword, keywordOf, mediaOf, ownAddress, parseAddress, toActivity } from './parse';
import { OfferedChoices } from './choices';
import { EMPTY_TWIML, Translate, choicesOf, isMessage, renderReplies, renderTwiml } from './render';

export interface InboundDeps {
  conversations: ConversationsService;
  bot: BotRuntime;
  prompts: Prompts;
  redis: Redis;
  logger: Logger;
  prefix: string;
  company: string;
}

interface CustomerRef {
  _id: Types.ObjectId;
  optOuts: string[];
  identityKeys: string[];
  language: string;
}

/** How long a reply is kept for Twilio's repeat deliveries. */
const REPLY_TTL_SECONDS = 24 * 3600;
/** How long a repeat delivery waits for the first one's reply (Twilio gives up after 15 s). */
const REPEAT_WAIT_MS = 10_000;

export function identitiesOf(addr: Address): [Identity, Identity] {
  return addr.channel === 'whatsapp'
    ? [{ kind: 'whatsapp', value: addr.value }, { kind: 'phone', value: addr.value }]
    : [{ kind: 'phone', value: addr.value }, { kind: 'whatsapp', value: addr.value }];
}

export class MessagingInbound {
  private readonly choices: OfferedChoices;

  constructor(private readonly deps: InboundDeps) {
    this.choices = new OfferedChoices(deps.redis, deps.prefix);
  }

  /** Handles one webhook; resolves with the TwiML to answer it with. */
  async handle(body: InboundWebhook): Promise<string> {
    const { conversations, bot } = this.deps;
    const addr = parseAddress(body.From);
    if (!addr) throw new ValidationError('From is not a phone number');
    const log = this.deps.logger.child({ channel: addr.channel, messageSid: body.MessageSid });
    const { conversation, customer } = await this.locate(addr, body);
    const t = this.translator(conversation.language);
    const media = mediaOf(body);

    const keyword = media.length ? null : keywordOf(body.Body);
    const optedOut = customer.optOuts.includes(addr.channel);
    if (keyword === 'optout' || keyword === 'help' || (keyword === 'optin' && optedOut)) {
      return this.keyword(keyword, body, addr, conversation, customer, t);
    }
    if (optedOut) {
      // Kept for the operators; nothing may be sent back until the customer texts START.
      const { duplicate } = await conversations.recordInbound({ conversation, channelMessageId: body.MessageSid, text: body.Body, authorId: addr.value, attachments: media });
      log.info({ conversationId: String(conversation._id), duplicate }, 'message from an opted-out customer stored, not answered');
      return EMPTY_TWIML;
    }

    const conversationId = String(conversation._id);
    const text = (conversation.mode === 'bot' && (await this.choices.answer(conversationId, body.Body))) || body.Body;
    const outcome = await bot.handle(toActivity({ body, conversationId, customer: addr, text, media }), conversation);
    if (outcome.duplicate) return this.repeatReply(body.MessageSid);
    const xml = renderReplies(outcome.replies, t);
    const last = outcome.replies.filter(isMessage).at(-1);
    await Promise.all([this.keepReply(body.MessageSid, xml), last ? this.choices.offer(conversationId, choicesOf(last)) : null]);
    return xml;
  }

  private translator(language: string): Translate {
    return (key, vars = {}) => this.deps.prompts.t(language, key, { company: this.deps.company, ...vars });
  }

  /** The customer (found by phone on either channel) and their open conversation here; both made when missing. */
  private async locate(addr: Address, body: InboundWebhook): Promise<{ conversation: ConversationDoc; customer: CustomerRef }> {
    const { conversations } = this.deps;
    const [mine] = identitiesOf(addr);
    const find = () => Promise.all([conversations.findActive(addr.channel, addr.value), conversations.findCustomerByIdentities(identitiesOf(addr))]);
    const [conversation, customer] = await find();
    if (conversation && customer && String(conversation.customerId) === String(customer._id) && customer.identityKeys.includes(`${mine.kind}:${mine.value}`)) {
      return { conversation, customer };
    }
    // First message on this channel (or a new number): made once, even when two arrive together.
    return conversations.onePerAddress(`phone:${addr.value}`, async () => {
      const [c, found] = await find();
      let cust: CustomerRef | null = c ? await conversations.getCustomer(c.customerId) : found;
      if (!cust) cust = await conversations.findOrCreateCustomer(mine, body.ProfileName?.slice(0, 200) ?? '');
      if (!cust.identityKeys.includes(`${mine.kind}:${mine.value}`)) await conversations.addIdentity(cust._id, mine);
      const conv = c ?? (await conversations.open({ customerId: cust._id, channel: addr.channel, address: addr.value, language: cust.language, botAddress: ownAddress(body.To) }));
      return { conversation: conv, customer: cust };
    });
  }

  private async keyword(kind: Keyword, body: InboundWebhook, addr: Address, conversation: ConversationDoc, customer: CustomerRef, t: Translate): Promise<string> {
    const { conversations, logger } = this.deps;
    const { duplicate } = await conversations.recordInbound({ conversation, channelMessageId: body.MessageSid, text: body.Body, authorId: addr.value });
    if (duplicate) return this.repeatReply(body.MessageSid);
    if (kind !== 'help') await conversations.setOptOut(customer._id, addr.channel, kind === 'optout');
    const text = t(kind === 'optout' ? 'messaging_opted_out' : kind === 'optin' ? 'messaging_opted_in' : 'messaging_help');
    await conversations.recordOutgoing({ conversation, author: 'system', text, delivered: true });
    logger.info({ channel: addr.channel, conversationId: String(conversation._id), keyword: kind }, 'messaging keyword handled');
    const xml = renderTwiml([text]);
    await this.keepReply(body.MessageSid, xml);
    return xml;
  }

  private replyKey(sid: string): string {
    return `${this.deps.prefix}:twiml:${sid}`;
  }

  private async keepReply(sid: string, xml: string): Promise<void> {
    await this.deps.redis.set(this.replyKey(sid), xml, 'EX', REPLY_TTL_SECONDS);
  }

  /** The reply the first delivery gave (waiting for it while that one still runs). */
  private async repeatReply(sid: string): Promise<string> {
    const until = Date.now() + REPEAT_WAIT_MS;
    for (;;) {
      const xml = await this.deps.redis.get(this.replyKey(sid));
      if (xml !== null) return xml;
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.deps.logger.warn({ messageSid: sid }, 'repeat delivery: the first reply is gone, answering empty');
    return EMPTY_TWIML;
  }
}
