// Customers, conversations and their messages. Other modules go through this
// service, never the store. Lookups go by `_id`: a customer by an identity
// key, a conversation by its channel address, a message by its provider's
// id, each through a key document (store/keys.ts); a conversation's messages
// through its timeline (store/timeline.ts). Exclusive changes (mode,
// greeting, message status, opt-outs) go through the store's one primitive.
import { createHash } from 'node:crypto';
import { Types, isValidObjectId } from 'mongoose';
import type { ConversationDoc, ConversationMode } from '../store/models/conversation.model';
import type { MessageDoc, MessageAuthor, MessageStatus } from '../store/models/message.model';
import type { CustomerDoc } from '../store/models/customer.model';
import type { Bus } from '../infra/bus';
import { NotFoundError } from '../infra/errors';
import { isDuplicateKey, Store, Update } from '../store';
import type { Slot, SlotView } from '../store/timeline';

export type { ConversationDoc, MessageDoc, ConversationMode, MessageAuthor, MessageStatus, CustomerDoc };

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

const ACTIVE_MODES: ConversationMode[] = ['bot', 'queued', 'human'];
/** Conversations of a customer shown in their history, the latest. */
const HISTORY_CONVERSATIONS = 100;
/** How far back the customer's last message is looked for (WhatsApp's 24 h window). */
const LAST_INBOUND_LOOKBACK = 50;

/**
 * How long a Direct Line reader waits at an outgoing message the outbound
 * worker has not delivered yet (it keeps its place); after that the reader
 * goes on without it, so a stuck worker does not hold up the customer's own
 * messages.
 */
const QUEUED_WAIT_MS = 30_000;

/** What a customer on Direct Line is shown: delivered messages, never one that failed to go out. */
function customerView(now: () => number): (m: Slot) => SlotView {
  return (m) => {
    if (m.status === 'failed') return 'pass';
    if (m.status !== 'queued') return 'show';
    return now() - new Date(m.createdAt).getTime() < QUEUED_WAIT_MS ? 'wait' : 'pass';
  };
}
const notFailed = (m: Slot) => m.status !== 'failed';

/** How an identity is written in a customer's `identityKeys`. */
const identityKey = (i: Identity) => `${i.kind}:${i.value}`;

/** Key documents (store/keys.ts): what each natural key is called. */
const key = {
  identity: (i: Identity) => `identity:${identityKey(i)}`,
  active: (channel: string, address: string) => `active:${channel}:${address}`,
  provider: (channel: string, channelMessageId: string) => `msgref:${channel}:${channelMessageId}`,
};

/**
 * An inbound message's _id, derived from the channel's own id: a redelivery
 * gets the same _id, so the unique _id both refuses it and finds the first copy.
 */
export function inboundMessageId(channel: string, channelMessageId: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha1').update(`${channel}\u0000${channelMessageId}`).digest().subarray(0, 12));
}

/** The replies a turn has numbered and not yet written (then announced). */
export interface TurnWrites {
  replies: MessageDoc[];
}

export function newTurnWrites(): TurnWrites {
  return { replies: [] };
}

export class ConversationsService {
  private readonly customerView: (m: Slot) => SlotView;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    now: () => number = Date.now,
  ) {
    this.customerView = customerView(now);
  }

  async findOrCreateCustomer(identity: Identity, name = '', language = 'en'): Promise<CustomerDoc> {
    const found = await this.findCustomerByIdentities([identity]);
    if (found) return found;
    const created = (await this.store.customers.create({ name, identities: [identity], identityKeys: [identityKey(identity)], language })).toObject() as CustomerDoc;
    // Two first messages from one address race here: the key's unique _id picks one customer.
    const winner = await this.store.refs.claim(key.identity(identity), String(created._id));
    if (winner === String(created._id)) return created;
    await this.store.customers.deleteOne({ _id: created._id });
    const other = await this.getCustomer(winner);
    if (!other) throw new NotFoundError('customer not found');
    return other;
  }

  async getCustomer(id: string | Types.ObjectId): Promise<CustomerDoc | null> {
    return isValidObjectId(id) ? this.store.customers.findOne({ _id: id }).lean<CustomerDoc>() : null;
  }

  async open(input: { customerId: Types.ObjectId; channel: string; address: string; language?: string; botAddress?: string; subject?: string }): Promise<ConversationDoc> {
    const doc = (await this.store.conversations.create({ ...input, mode: 'bot' })).toObject() as ConversationDoc;
    await Promise.all([
      this.store.timeline.init(String(doc._id)),
      this.store.refs.set(key.active(input.channel, input.address), String(doc._id)),
      this.store.exclusive.change(this.store.customers, 'customer', input.customerId, () => ({ $push: { conversationIds: doc._id } })),
    ]);
    return doc;
  }

  async get(id: string | Types.ObjectId): Promise<ConversationDoc> {
    const doc = await this.find(String(id));
    if (!doc) throw new NotFoundError('conversation not found');
    return doc;
  }

  async find(id: string): Promise<ConversationDoc | null> {
    // Every turn reads its conversation: with the driver itself, without mongoose's query machinery.
    return isValidObjectId(id) ? this.store.conversations.collection.findOne<ConversationDoc>({ _id: new Types.ObjectId(id) }) : null;
  }

  /** Move the conversation to `to` only if it is in one of `from`; null when it was not. */
  async transition(
    id: Types.ObjectId | string,
    from: ConversationMode[],
    to: ConversationMode,
    set: { escalationId?: Types.ObjectId | null; operatorId?: Types.ObjectId | null } = {},
  ): Promise<ConversationDoc | null> {
    const r = await this.store.exclusive.change<ConversationDoc>(this.store.conversations, 'conversation', new Types.ObjectId(String(id)), (c) => {
      if (!from.includes(c.mode)) return null;
      return set.escalationId ? { $set: { mode: to, ...set }, $addToSet: { escalationIds: set.escalationId } } : { $set: { mode: to, ...set } };
    });
    if (r) await this.bus.publish({ type: 'conversation', conversationId: String(r.after._id), mode: to });
    return r?.after ?? null;
  }

  async setLanguage(id: Types.ObjectId, language: string): Promise<void> {
    // Through the primitive like every write to a conversation: FerretDB writes a whole
    // document back, so a plain update racing a mode change could undo it.
    await this.store.exclusive.change<ConversationDoc>(this.store.conversations, 'conversation', id, (c) => (c.language === language ? null : { $set: { language } }));
  }

  /** True exactly once per conversation: whoever wins sends the greeting. */
  async claimGreeting(id: Types.ObjectId): Promise<boolean> {
    const r = await this.store.exclusive.change<ConversationDoc>(this.store.conversations, 'conversation', id, (c) => (c.greeted ? null : { $set: { greeted: true } }));
    return r !== null;
  }

  /** Runs `fn` alone among callers with the same key (the first message from a new address makes one customer and one conversation). */
  onePerAddress<T>(addressKey: string, fn: () => Promise<T>): Promise<T> {
    return this.store.exclusive.run(`address:${addressKey}`, () => fn());
  }

  /**
   * Store a customer's message; a repeat of the same channel id returns the
   * first copy. Its numbered copy (timeline slot) is written at once too: the
   * turn that follows may read it (an escalation's context).
   */
  async recordInbound(input: InboundInput): Promise<{ message: MessageDoc; duplicate: boolean }> {
    const { conversation } = input;
    const _id = inboundMessageId(conversation.channel, input.channelMessageId);
    const seq = await this.store.timeline.next(String(conversation._id));
    let message: MessageDoc;
    try {
      // Written with the driver itself: the hot path skips mongoose's document machinery.
      message = newMessage({
        _id,
        conversationId: conversation._id,
        channel: conversation.channel,
        channelMessageId: input.channelMessageId,
        direction: 'in',
        author: 'customer',
        authorId: input.authorId ?? '',
        authorName: input.authorName ?? '',
        activityType: input.activityType ?? 'message',
        text: input.text,
        attachments: (input.attachments ?? []).map(defined),
        clientActivityId: input.clientActivityId ?? '',
        status: 'received',
        seq,
      });
      await this.store.messages.collection.insertOne(message);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.store.messages.collection.findOne<MessageDoc>({ _id });
      if (!existing) throw err;
      // Our own insert, landed before a lost connection and retried by the driver: not a redelivery.
      if (existing.seq !== seq) {
        // The number taken for this copy will never get a message: readers pass it at once.
        await this.store.timeline.skip(String(conversation._id), seq);
        // A redelivery of a message whose first delivery was stored in full: answered once already.
        if (await this.store.timeline.holds(existing)) return { message: existing, duplicate: true };
        // The first delivery died between the message and its place in the conversation (the store
        // went away, and the sender was told so): this delivery finishes it and gets the answer.
      }
      message = existing;
    }
    await this.store.timeline.put(message);
    await this.announce(message);
    return { message, duplicate: false };
  }

  /**
   * Something we say within a turn (delivered by the channel's own answer or
   * the web chat stream): numbered now, written with the rest of the turn by
   * `writeTurn`. It lives in the timeline only: nothing about it changes later.
   */
  async replyInTurn(input: Omit<OutgoingInput, 'delivered'>, turn: TurnWrites): Promise<MessageDoc> {
    const message = await this.numberedOutgoing(input, 'sent');
    turn.replies.push(message);
    return message;
  }

  /** Something we say, with its id and its number in the conversation, not yet written. */
  private async numberedOutgoing(input: Omit<OutgoingInput, 'delivered'>, status: MessageStatus): Promise<MessageDoc> {
    const _id = new Types.ObjectId();
    const seq = await this.store.timeline.next(String(input.conversation._id));
    return newMessage({
      _id,
      conversationId: input.conversation._id,
      channel: input.conversation.channel,
      channelMessageId: `sb-${_id.toHexString()}`,
      direction: 'out',
      author: input.author,
      authorName: input.authorName ?? '',
      operatorId: input.operatorId ? new Types.ObjectId(input.operatorId) : null,
      text: input.text,
      choices: input.choices ?? [],
      status,
      seq,
    });
  }

  /** Writes a turn's numbered messages in one go, then tells the streams about the replies. */
  async writeTurn(turn: TurnWrites): Promise<void> {
    const { replies } = turn;
    turn.replies = [];
    await this.store.timeline.putMany(replies);
    for (const m of replies) await this.announce(m);
  }

  /**
   * Store something we say; delivered now (in the turn) or queued for the
   * outbound worker. Either way it takes its place in the conversation now.
   */
  async recordOutgoing(input: OutgoingInput): Promise<MessageDoc> {
    if (input.delivered) {
      const turn = newTurnWrites();
      const message = await this.replyInTurn(input, turn);
      await this.writeTurn(turn);
      return message;
    }
    const message = await this.numberedOutgoing(input, 'queued');
    await this.store.messages.collection.insertOne(message);
    await this.store.timeline.put(message);
    return message;
  }

  async getMessage(id: string): Promise<MessageDoc | null> {
    return isValidObjectId(id) ? this.store.messages.findOne({ _id: id }).lean<MessageDoc>() : null;
  }

  /**
   * Mark a queued message delivered (and announce it to the streams).
   * Returns false when it had already been delivered (a retried job).
   */
  async markDelivered(message: MessageDoc, status: MessageStatus = 'sent', channelMessageId?: string): Promise<boolean> {
    if (message.status !== 'queued') return false;
    const after = await this.changeMessage(message._id, async (m) => {
      if (m.status !== 'queued') return null;
      const seq = m.seq || (await this.store.timeline.next(String(message.conversationId)));
      return { $set: { status, seq, ...(channelMessageId ? { channelMessageId } : {}) }, $inc: { attempts: 1 } };
    });
    if (!after) return false;
    if (channelMessageId) await this.rememberProviderId(message.channel, channelMessageId, message._id);
    await this.announce(after);
    return true;
  }

  /** A queued message that could not be sent: kept in the history (operators see it failed), never shown to the customer. */
  async markFailed(message: MessageDoc, error: string): Promise<void> {
    const after = await this.changeMessage(message._id, async (m) => {
      if (m.status !== 'queued') return null;
      const seq = m.seq || (await this.store.timeline.next(String(message.conversationId)));
      return { $set: { status: 'failed', error, seq } };
    });
    if (!after) return;
    await this.bus.publish({ type: 'message.status', conversationId: String(message.conversationId), messageId: String(message._id), status: 'failed' });
  }

  /**
   * What the customer is shown after `watermark`, in order. Stops before a
   * hole that may still fill (a message being written concurrently) and
   * before an outgoing message still waiting for the outbound worker.
   */
  async listSince(conversationId: Types.ObjectId | string, watermark: number): Promise<{ messages: MessageDoc[]; watermark: number; pending: boolean }> {
    return this.store.timeline.since(String(conversationId), watermark, 200, this.customerView);
  }

  /** The history for operators, oldest first: every message in its place (queued and failed ones too). */
  async history(conversationId: Types.ObjectId | string, limit = 500): Promise<MessageDoc[]> {
    return this.store.timeline.last(String(conversationId), limit);
  }

  async lastMessages(conversationId: Types.ObjectId, n: number): Promise<MessageDoc[]> {
    return this.store.timeline.last(String(conversationId), n, notFailed);
  }

  // ── Messaging channels (SMS, WhatsApp): lookups, identities, opt-outs, provider delivery status ──

  /** The customer's open (not closed) conversation on this channel and address. */
  async findActive(channel: string, address: string): Promise<ConversationDoc | null> {
    const id = await this.store.refs.get(key.active(channel, address));
    const known = id ? await this.find(id) : null;
    return known && known.channel === channel && known.address === address && ACTIVE_MODES.includes(known.mode) ? known : null;
  }

  /** The customer holding any of these identities (a phone on SMS is the same person on WhatsApp). */
  async findCustomerByIdentities(identities: Identity[]): Promise<CustomerDoc | null> {
    for (const identity of identities) {
      const id = await this.store.refs.get(key.identity(identity));
      const known = id ? await this.getCustomer(id) : null;
      if (known?.identityKeys.includes(identityKey(identity))) return known;
    }
    return null;
  }

  async addIdentity(customerId: Types.ObjectId | string, identity: Identity): Promise<void> {
    const k = identityKey(identity);
    await this.store.exclusive.change<CustomerDoc>(this.store.customers, 'customer', new Types.ObjectId(String(customerId)), (c) =>
      c.identityKeys.includes(k) ? null : { $push: { identities: identity, identityKeys: k } },
    );
    await this.store.refs.set(key.identity(identity), String(customerId));
  }

  /** Opt the customer out of (or back into) a channel; true when that changed anything. */
  async setOptOut(customerId: Types.ObjectId | string, channel: string, optedOut: boolean): Promise<boolean> {
    const r = await this.store.exclusive.change<CustomerDoc>(this.store.customers, 'customer', new Types.ObjectId(String(customerId)), (c) => {
      if (c.optOuts.includes(channel) === optedOut) return null;
      return optedOut ? { $addToSet: { optOuts: channel } } : { $pull: { optOuts: channel } };
    });
    return r !== null;
  }

  /** When the customer last wrote in this conversation (WhatsApp's customer-service window). */
  async lastInboundAt(conversationId: Types.ObjectId | string): Promise<Date | null> {
    const recent = await this.store.timeline.last(String(conversationId), LAST_INBOUND_LOOKBACK);
    const m = recent.filter((x) => x.direction === 'in').at(-1);
    return m ? new Date(m.createdAt) : null;
  }

  /** Every message of every conversation of the customer (all channels), oldest first. */
  async customerHistory(customerId: Types.ObjectId | string, limit = 500): Promise<{ conversations: ConversationDoc[]; messages: MessageDoc[] }> {
    const customer = await this.getCustomer(customerId);
    const ids = (customer?.conversationIds ?? []).slice(-HISTORY_CONVERSATIONS);
    const conversations = (await Promise.all(ids.map((id) => this.find(String(id))))).filter((c): c is ConversationDoc => c !== null);
    const messages: MessageDoc[] = [];
    // The latest conversations first, until the limit; then oldest first for reading.
    for (const c of [...conversations].reverse()) {
      if (messages.length >= limit) break;
      messages.push(...(await this.store.timeline.last(String(c._id), limit - messages.length)));
    }
    messages.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
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
    const id = 'messageId' in ref ? (isValidObjectId(ref.messageId) ? ref.messageId : null) : await this.store.refs.get(key.provider(ref.channel, ref.channelMessageId));
    if (!id) return null;
    const learned = 'messageId' in ref ? detail.channelMessageId : undefined;
    const doc = await this.changeMessage(new Types.ObjectId(id), async (m) => {
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
   * Changes one message through the store's one primitive, and keeps its
   * timeline slot in step. Returns the message after the change, or null
   * when `decide` made none.
   */
  private async changeMessage(id: Types.ObjectId, decide: (m: MessageDoc) => Promise<Update | null>): Promise<MessageDoc | null> {
    // The message's timeline slot follows it under the same lease: made when it gets its number, updated after.
    const r = await this.store.exclusive.change<MessageDoc>(this.store.messages, 'message', id, decide, async (before, after) => {
      if (before.seq > 0) await this.store.timeline.update(after.conversationId, after.seq, pick(after, ['status', 'error', 'channelMessageId']));
      else if (after.seq > 0) await this.store.timeline.put(after);
    });
    return r?.after ?? null;
  }

  /** A provider's message id → ours, so delivery reports find the message by _id. */
  private async rememberProviderId(channel: string, channelMessageId: string, id: Types.ObjectId): Promise<void> {
    await this.store.refs.set(key.provider(channel, channelMessageId), String(id));
  }

  /** Tells every web instance; the delivered message rides along so streams need not read it back. */
  private async announce(m: MessageDoc): Promise<void> {
    await this.bus.publish({ type: 'message', conversationId: String(m.conversationId), messageId: String(m._id), message: m });
  }
}

type NewMessage = Pick<MessageDoc, '_id' | 'conversationId' | 'channel' | 'channelMessageId' | 'direction' | 'author' | 'status' | 'seq'> &
  Partial<Omit<MessageDoc, 'createdAt' | 'updatedAt' | 'choices' | 'attachments'>> & { choices?: Choice[]; attachments?: Attachment[] };

/** A message as the model would store it, defaults filled, for writes that bypass mongoose. */
function newMessage(fields: NewMessage): MessageDoc {
  const now = new Date();
  const defaults = { authorId: '', authorName: '', operatorId: null, activityType: 'message', text: '', choices: [], attachments: [], clientActivityId: '', error: '', attempts: 0 };
  return { ...defaults, ...fields, createdAt: now, updatedAt: now } as unknown as MessageDoc; // its arrays are plain, not mongoose's
}

/** The object without its undefined fields (the driver would store them as null). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function pick(m: MessageDoc, fields: (keyof MessageDoc)[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, m[f]]));
}

/** The statuses a message may move to each status from (delivery reports arrive out of order). */
const STATUS_BEFORE: Record<Exclude<MessageStatus, 'received'>, MessageStatus[]> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  read: ['queued', 'sent', 'delivered'],
  failed: ['queued', 'sent'],
};
