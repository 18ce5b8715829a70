// Customers, conversations and their messages. Other modules go through this
// service, never the models. Every change is one single-document update so
// the store stays portable between MongoDB and FerretDB.
import { Connection, Types, isValidObjectId } from 'mongoose';
import { customerModel } from './customer.model';
import { conversationModel, ConversationDoc, ConversationMode } from './conversation.model';
import { messageModel, MessageDoc, MessageAuthor, MessageStatus } from './message.model';
import type { Bus } from '../infra/bus';
import { NotFoundError } from '../infra/errors';
import type { Redis } from '../infra/redis';
import { Sequencer } from './sequence';
import { Locks } from '../infra/locks';
import { Pointers } from './pointers';
import { RecentMessages } from './recent';

export type { ConversationDoc, MessageDoc, ConversationMode, MessageAuthor, MessageStatus };

export interface Identity {
  kind: 'phone' | 'email' | 'web' | 'whatsapp';
  value: string;
}

export interface Choice {
  title: string;
  value: string;
}

export interface Attachment {
  contentType?: string;
  contentUrl?: string;
  name?: string;
  size?: number;
}

export interface InboundInput {
  conversation: ConversationDoc;
  channelMessageId: string;
  text: string;
  authorId?: string;
  authorName?: string;
  clientActivityId?: string;
  activityType?: string;
  attachments?: Attachment[];
}

export interface OutgoingInput {
  conversation: Pick<ConversationDoc, '_id' | 'channel'>;
  author: Exclude<MessageAuthor, 'customer'>;
  authorName?: string;
  operatorId?: string;
  text: string;
  choices?: Choice[];
  /** true when the channel delivers it within the turn (web chat store, TwiML). */
  delivered: boolean;
}

/** How long a hole in the sequence may wait for its message before readers skip it. */
const GAP_GRACE_MS = 3000;
const ACTIVE_MODES: ConversationMode[] = ['bot', 'queued', 'human'];
/** How long a pointer from a natural key to an _id lives in Redis unused. */
const POINTER_TTL_S = 30 * 24 * 3600;
/** How long a provider's message id maps to ours in Redis (delivery reports come within days). */
const PROVIDER_ID_TTL_S = 14 * 24 * 3600;

export class ConversationsService {
  private readonly customers;
  private readonly conversations;
  private readonly messages;
  private readonly seq: Sequencer;
  private readonly locks: Locks;
  private readonly pointers: Pointers;
  private readonly recent: RecentMessages;

  constructor(
    conn: Connection,
    private readonly bus: Bus,
    redis: Redis,
    prefix: string,
  ) {
    this.pointers = new Pointers(redis, prefix);
    this.recent = new RecentMessages(redis, prefix);
    this.customers = customerModel(conn);
    this.conversations = conversationModel(conn);
    this.messages = messageModel(conn);
    this.locks = new Locks(redis, prefix);
    this.seq = new Sequencer(redis, prefix, async (id) => {
      const top = await this.messages.findOne({ conversationId: id }).sort({ seq: -1 }).lean<MessageDoc>();
      return top?.seq ?? 0;
    });
  }

  async findOrCreateCustomer(identity: Identity, name = '', language = 'en') {
    const found = await this.findCustomerByIdentities([identity]);
    if (found) return found;
    const key = `${identity.kind}:${identity.value}`;
    const created = (await this.customers.create({ name, identities: [identity], identityKeys: [key], language })).toObject();
    await this.pointers.set(`identity:${key}`, created._id, POINTER_TTL_S);
    return created;
  }

  async getCustomer(id: string | Types.ObjectId) {
    return this.customers.findById(id).lean();
  }

  async open(input: { customerId: Types.ObjectId; channel: string; address: string; language?: string; botAddress?: string; subject?: string }): Promise<ConversationDoc> {
    const doc = await this.conversations.create({ ...input, mode: 'bot' });
    await Promise.all([this.seq.init(String(doc._id)), this.pointers.set(`active:${input.channel}:${input.address}`, doc._id, POINTER_TTL_S)]);
    return doc.toObject() as ConversationDoc;
  }

  async get(id: string | Types.ObjectId): Promise<ConversationDoc> {
    const doc = isValidObjectId(id) ? await this.conversations.findById(id).lean<ConversationDoc>() : null;
    if (!doc) throw new NotFoundError('conversation not found');
    return doc;
  }

  async find(id: string): Promise<ConversationDoc | null> {
    return isValidObjectId(id) ? this.conversations.findById(id).lean<ConversationDoc>() : null;
  }

  /** Move the conversation to `to` only if it is in one of `from`; null when it was not. */
  async transition(
    id: Types.ObjectId | string,
    from: ConversationMode[],
    to: ConversationMode,
    set: { escalationId?: Types.ObjectId | null; operatorId?: Types.ObjectId | null } = {},
  ): Promise<ConversationDoc | null> {
    const doc = await this.locks.with(`conv:${id}`, () =>
      this.conversations.findOneAndUpdate({ _id: id, mode: { $in: from } }, { $set: { mode: to, ...set } }, { returnDocument: 'after' }).lean<ConversationDoc>(),
    );
    if (doc) await this.bus.publish({ type: 'conversation', conversationId: String(doc._id), mode: to });
    return doc;
  }

  async setLanguage(id: Types.ObjectId, language: string): Promise<void> {
    await this.conversations.updateOne({ _id: id }, { $set: { language } });
  }

  /** True exactly once per conversation: whoever wins sends the greeting. */
  async claimGreeting(id: Types.ObjectId): Promise<boolean> {
    const r = await this.conversations.updateOne({ _id: id, greeted: false }, { $set: { greeted: true } });
    return r.modifiedCount === 1;
  }

  private nextSeq(conversationId: Types.ObjectId): Promise<number> {
    return this.seq.next(String(conversationId));
  }

  /** Store a customer's message; a repeat of the same channel id returns the first copy. */
  async recordInbound(input: InboundInput): Promise<{ message: MessageDoc; duplicate: boolean }> {
    const { conversation } = input;
    const key = { channel: conversation.channel, channelMessageId: input.channelMessageId };
    // The unique index decides what is a redelivery (FerretDB scans a collection for a
    // find, but enforces unique indexes on insert cheaply); a redelivery leaves a hole
    // in the sequence, which readers skip after a short grace.
    const seq = await this.nextSeq(conversation._id);
    let created;
    try {
      created = await this.messages.create({
        conversationId: conversation._id,
        channel: conversation.channel,
        channelMessageId: input.channelMessageId,
        direction: 'in',
        author: 'customer',
        authorId: input.authorId ?? '',
        authorName: input.authorName ?? '',
        activityType: input.activityType ?? 'message',
        text: input.text,
        attachments: input.attachments ?? [],
        clientActivityId: input.clientActivityId ?? '',
        status: 'received',
        seq,
      });
    } catch (err) {
      if (isDuplicateKey(err)) {
        // The number taken for it stays unused: readers of the recent messages skip it at once.
        await this.recent.unused(String(conversation._id), seq);
        const existing = await this.messages.findOne(key).lean<MessageDoc>();
        if (existing) return { message: existing, duplicate: true };
      }
      throw err;
    }
    const message = created.toObject() as MessageDoc;
    await this.announce(message);
    return { message, duplicate: false };
  }

  /** Store something we say; delivered now (in the turn) or queued for the outbound worker. */
  async recordOutgoing(input: OutgoingInput): Promise<MessageDoc> {
    const id = new Types.ObjectId();
    const seq = input.delivered ? await this.nextSeq(input.conversation._id) : 0;
    const created = await this.messages.create({
      _id: id,
      conversationId: input.conversation._id,
      channel: input.conversation.channel,
      channelMessageId: `sb-${id.toHexString()}`,
      direction: 'out',
      author: input.author,
      authorName: input.authorName ?? '',
      operatorId: input.operatorId ? new Types.ObjectId(input.operatorId) : null,
      text: input.text,
      choices: input.choices ?? [],
      status: input.delivered ? 'sent' : 'queued',
      seq,
    });
    const message = created.toObject() as MessageDoc;
    if (input.delivered) await this.announce(message);
    return message;
  }

  async getMessage(id: string): Promise<MessageDoc | null> {
    return isValidObjectId(id) ? this.messages.findById(id).lean<MessageDoc>() : null;
  }

  /**
   * Mark a queued message delivered and give it its place in the conversation.
   * Returns false when it had already been delivered (a retried job).
   */
  async markDelivered(message: MessageDoc, status: MessageStatus = 'sent', channelMessageId?: string): Promise<boolean> {
    if (message.status !== 'queued') return false;
    let seq = 0;
    const done = await this.changeMessage(message._id, async (m) => {
      if (m.status !== 'queued') return null;
      seq = await this.nextSeq(message.conversationId);
      return { $set: { status, seq, ...(channelMessageId ? { channelMessageId } : {}) }, $inc: { attempts: 1 } };
    });
    if (!done) return false;
    if (channelMessageId) await this.rememberProviderId(message.channel, channelMessageId, message._id);
    await this.announce({ ...message, status, seq });
    return true;
  }

  async markFailed(message: MessageDoc, error: string): Promise<void> {
    const done = await this.changeMessage(message._id, async (m) => (m.status === 'queued' ? { $set: { status: 'failed', error } } : null));
    if (!done) return;
    await this.bus.publish({ type: 'message.status', conversationId: String(message.conversationId), messageId: String(message._id), status: 'failed' });
  }

  /**
   * Delivered messages after `watermark`, in order. Stops before a hole in the
   * sequence that may still fill (a message being written concurrently).
   */
  async listSince(conversationId: Types.ObjectId | string, watermark: number): Promise<{ messages: MessageDoc[]; watermark: number; pending: boolean }> {
    const recent = await this.recent.since(String(conversationId), watermark);
    if (recent) return recent;
    const rows = await this.messages
      .find({ conversationId, seq: { $gt: watermark } })
      .sort({ seq: 1 })
      .limit(200)
      .lean<MessageDoc[]>();
    const out: MessageDoc[] = [];
    let last = watermark;
    let pending = false;
    const now = Date.now();
    for (const m of rows) {
      if (m.seq !== last + 1 && now - new Date(m.createdAt).getTime() < GAP_GRACE_MS) {
        pending = true;
        break;
      }
      out.push(m);
      last = m.seq;
    }
    return { messages: out, watermark: last, pending };
  }

  /** The whole history for operators, oldest first (queued messages included). */
  async history(conversationId: Types.ObjectId | string, limit = 500): Promise<MessageDoc[]> {
    return this.messages.find({ conversationId }).sort({ createdAt: 1, seq: 1 }).limit(limit).lean<MessageDoc[]>();
  }

  async lastMessages(conversationId: Types.ObjectId, n: number): Promise<MessageDoc[]> {
    const rows = await this.messages.find({ conversationId }).sort({ createdAt: -1 }).limit(n).lean<MessageDoc[]>();
    return rows.reverse();
  }

  // ── Messaging channels (SMS, WhatsApp): lookups, identities, opt-outs, provider delivery status ──

  /** The customer's open (not closed) conversation on this channel and address, the latest first. */
  async findActive(channel: string, address: string): Promise<ConversationDoc | null> {
    const pointer = `active:${channel}:${address}`;
    const id = await this.pointers.get(pointer);
    const known = id ? await this.find(id) : null;
    if (known && known.channel === channel && known.address === address && ACTIVE_MODES.includes(known.mode)) return known;
    const found = await this.conversations.findOne({ channel, address, mode: { $in: ACTIVE_MODES } }).sort({ createdAt: -1 }).lean<ConversationDoc>();
    if (found) await this.pointers.set(pointer, found._id, POINTER_TTL_S);
    return found;
  }

  /** The customer holding any of these identities (a phone on SMS is the same person on WhatsApp). */
  async findCustomerByIdentities(identities: Identity[]) {
    const keys = identities.map((i) => `${i.kind}:${i.value}`);
    for (const key of keys) {
      const id = await this.pointers.get(`identity:${key}`);
      const known = id && isValidObjectId(id) ? await this.customers.findOne({ _id: id }).lean() : null;
      if (known?.identityKeys.includes(key)) return known;
    }
    const found = await this.customers.findOne({ identityKeys: { $in: keys } }).lean();
    if (found) await Promise.all(found.identityKeys.filter((k) => keys.includes(k)).map((k) => this.pointers.set(`identity:${k}`, found._id, POINTER_TTL_S)));
    return found;
  }

  async addIdentity(customerId: Types.ObjectId | string, identity: Identity): Promise<void> {
    const key = `${identity.kind}:${identity.value}`;
    await this.customers.updateOne({ _id: customerId, identityKeys: { $ne: key } }, { $push: { identities: identity, identityKeys: key } });
    await this.pointers.set(`identity:${key}`, String(customerId), POINTER_TTL_S);
  }

  /** Opt the customer out of (or back into) a channel; true when that changed anything. */
  async setOptOut(customerId: Types.ObjectId | string, channel: string, optedOut: boolean): Promise<boolean> {
    const r = optedOut
      ? await this.customers.updateOne({ _id: customerId }, { $addToSet: { optOuts: channel } })
      : await this.customers.updateOne({ _id: customerId }, { $pull: { optOuts: channel } });
    return r.modifiedCount === 1;
  }

  /** When the customer last wrote in this conversation (WhatsApp's customer-service window). */
  async lastInboundAt(conversationId: Types.ObjectId | string): Promise<Date | null> {
    const m = await this.messages.findOne({ conversationId, direction: 'in' }).sort({ createdAt: -1 }).lean<MessageDoc>();
    return m ? new Date(m.createdAt) : null;
  }

  /** Every message of every conversation of the customer (all channels), oldest first. */
  async customerHistory(customerId: Types.ObjectId | string, limit = 500): Promise<{ conversations: ConversationDoc[]; messages: MessageDoc[] }> {
    const conversations = await this.conversations.find({ customerId }).sort({ createdAt: 1 }).limit(100).lean<ConversationDoc[]>();
    const messages = await this.messages
      .find({ conversationId: { $in: conversations.map((c) => c._id) } })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<MessageDoc[]>();
    return { conversations, messages };
  }

  /**
   * A provider's delivery report for something we sent, by our message id or the
   * provider's id. Never moves backwards: queued < sent < delivered < read;
   * failed only from queued or sent, and nothing leaves failed. Returns the
   * message when the status changed (and announces it), else null.
   */
  async updateDeliveryStatus(
    ref: { messageId: string } | { channel: string; channelMessageId: string },
    status: Exclude<MessageStatus, 'received'>,
    detail: { error?: string; channelMessageId?: string } = {},
  ): Promise<MessageDoc | null> {
    const id = 'messageId' in ref ? (isValidObjectId(ref.messageId) ? ref.messageId : null) : await this.messageIdForProviderId(ref.channel, ref.channelMessageId);
    if (!id) return null;
    const learned = 'messageId' in ref ? detail.channelMessageId : undefined;
    const doc = await this.changeMessage(id, async (m) => {
      if (m.direction !== 'out') return null;
      const set: Record<string, unknown> = {};
      // The provider's id, learned from a report that beat the sender's own answer.
      if (learned && m.channelMessageId.startsWith('sb-')) set.channelMessageId = learned;
      if (STATUS_BEFORE[status].includes(m.status)) {
        set.status = status;
        if (detail.error) set.error = detail.error.slice(0, 500);
      }
      return Object.keys(set).length ? { $set: set } : null;
    });
    if (learned && doc) await this.rememberProviderId(doc.channel, learned, doc._id);
    if (!doc || doc.status !== status) return null;
    await this.bus.publish({ type: 'message.status', conversationId: String(doc.conversationId), messageId: String(doc._id), status });
    return doc;
  }

  /**
   * Changes one message under its lock: read by _id, decide, write by _id.
   * (FerretDB 1.24 neither makes a conditional update atomic nor answers a
   * filter other than `_id` without scanning the whole collection.)
   * Returns the message after the change, or null when `decide` made none.
   */
  private async changeMessage(
    id: Types.ObjectId | string,
    decide: (m: MessageDoc) => Promise<{ $set: Record<string, unknown>; $inc?: Record<string, number> } | null>,
  ): Promise<MessageDoc | null> {
    return this.locks.with(`msg:${String(id)}`, async () => {
      const current = await this.messages.findOne({ _id: id }).lean<MessageDoc>();
      const change = current && (await decide(current));
      if (!current || !change) return null;
      await this.messages.updateOne({ _id: id }, change);
      const after = { ...current, ...change.$set } as MessageDoc;
      for (const [k, v] of Object.entries(change.$inc ?? {})) (after as unknown as Record<string, number>)[k] = ((current as unknown as Record<string, number>)[k] ?? 0) + v;
      return after;
    });
  }

  /** A provider's message id → ours, so delivery reports find the message by _id. */
  private async rememberProviderId(channel: string, channelMessageId: string, id: Types.ObjectId): Promise<void> {
    await this.pointers.set(`msgref:${channel}:${channelMessageId}`, id, PROVIDER_ID_TTL_S);
  }

  private async messageIdForProviderId(channel: string, channelMessageId: string): Promise<string | null> {
    const known = await this.pointers.get(`msgref:${channel}:${channelMessageId}`);
    if (known) return known;
    // Older than the cache, or the cache lost: the unique key finds it (a scan on FerretDB).
    const m = await this.messages.findOne({ channel, channelMessageId, direction: 'out' }, { _id: 1 }).lean<{ _id: Types.ObjectId }>();
    return m ? String(m._id) : null;
  }

  /** Tells every web instance; the delivered message rides along so streams need not read it back. */
  private async announce(m: MessageDoc): Promise<void> {
    await this.recent.add(m);
    await this.bus.publish({ type: 'message', conversationId: String(m.conversationId), messageId: String(m._id), message: m });
  }
}

/** The statuses a message may move to each status from (delivery reports arrive out of order). */
const STATUS_BEFORE: Record<Exclude<MessageStatus, 'received'>, MessageStatus[]> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  read: ['queued', 'sent', 'delivered'],
  failed: ['queued', 'sent'],
};

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
