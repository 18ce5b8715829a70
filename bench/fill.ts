// Fills a bench database in bulk, the way the gateway itself would have
// written it, and drops it afterwards. Documents are built with the store's
// own models (so defaults and required fields match src/store/models) and
// written with insertMany in batches: FerretDB charges ~0.1 ms a document in
// a batch against ~0.6 ms for one insertOne.
import { Types } from 'mongoose';
import type { Collection, Model } from 'mongoose';
import { connectMongo } from '../src/infra/mongo';
import { createRedis } from '../src/infra/redis';
import { createStore, type Store } from '../src/store';
import { TimelineRepository, type Slot } from '../src/store/timeline';
import type { KeyDoc } from '../src/store/keys';

const BATCH = 1000;
/** What the gateway gives a sequence counter (timeline.ts): the preloaded ones live as long. */
const COUNTER_TTL_S = 7 * 24 * 3600;
const PER_CONVERSATION = 10;
const DAY_MS = 24 * 3600 * 1000;

/** The store URI of one database, as the benches hand it to a gateway in MONGODB_URI. */
export function databaseUri(mongoUri: string, name: string): string {
  return `${mongoUri.replace(/\/$/, '')}/${name}`;
}

/** A store on its own connections, for a bench to fill and read directly. */
export async function openStore(mongoUri: string, redisUrl: string, name: string): Promise<{ store: Store; close(): Promise<void> }> {
  const conn = await connectMongo(databaseUri(mongoUri, name));
  const redis = createRedis(redisUrl);
  const store = createStore(conn, redis, name);
  // Indexes first, as a gateway starting on an empty database makes them, so no insert races their creation.
  await Promise.all(Object.values(conn.models).map((m) => m.init()));
  return {
    store,
    async close() {
      await conn.close();
      redis.disconnect();
    },
  };
}

/** A document as `Model.create` would store it: cast, defaulted, validated, with `__v` when the model keeps one. */
export async function shaped<T>(model: Model<T>, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  const doc = new model(fields);
  await doc.validate();
  const versionKey = model.schema.get('versionKey');
  return { ...doc.toObject(), ...(typeof versionKey === 'string' ? { [versionKey]: 0 } : {}) };
}

/** Inserts `total` documents made by `make(i)`, one insertMany (one round trip) per batch of BATCH. */
export async function insertBatches(collection: Collection, total: number, make: (i: number) => object | Promise<object>): Promise<void> {
  for (let from = 0; from < total; from += BATCH) {
    const docs: Promise<object>[] = [];
    for (let i = from; i < Math.min(total, from + BATCH); i++) docs.push(Promise.resolve(make(i)));
    await collection.insertMany(await Promise.all(docs), { ordered: false });
  }
}

/** The timeline slot of a delivered message, as TimelineRepository.put writes it. */
export function slotOf(m: Record<string, unknown>): Slot {
  return { ...m, _id: TimelineRepository.slotId(m.conversationId, Number(m.seq)), messageId: m._id } as Slot;
}

const QUESTIONS = ['what are your opening hours', 'how can I pay my bill', 'how do I get an esim', 'what is my PUK code', 'my internet is slow'];

/**
 * `messages` delivered web chat messages over `messages / 10` conversations (questions and the bot's answers, seq
 * 1..10 each), as if each had been a Direct Line conversation: its customer, the conversation (mode bot), the
 * messages and their timeline slots, the `keys` documents (identity → customer, active address → conversation)
 * and the Redis counter of each conversation's next number.
 */
export async function preloadWebchat(store: Store, messages: number): Promise<{ conversations: number; documents: number }> {
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  const chunk = Math.max(1, Math.floor(BATCH / PER_CONVERSATION));
  const start = Date.now() - 30 * DAY_MS;
  let documents = 0;
  for (let from = 0; from < conversations; from += chunk) {
    const customers: Promise<Record<string, unknown>>[] = [];
    const convs: Promise<Record<string, unknown>>[] = [];
    const msgs: Promise<Record<string, unknown>>[] = [];
    const keys: KeyDoc[] = [];
    const counters = store.redis.pipeline();
    for (let c = from; c < Math.min(conversations, from + chunk); c++) {
      const at = new Date(start + c * 60_000);
      const userId = `dl_pre${String(c).padStart(8, '0')}`;
      const customerId = new Types.ObjectId();
      const conversationId = new Types.ObjectId();
      customers.push(shaped(store.customers, { _id: customerId, identities: [{ kind: 'web', value: userId }], identityKeys: [`web:${userId}`], createdAt: at, updatedAt: at }));
      convs.push(shaped(store.conversations, { _id: conversationId, customerId, channel: 'webchat', address: userId, mode: 'bot', greeted: true, createdAt: at, updatedAt: at }));
      keys.push({ _id: `identity:web:${userId}`, ref: String(customerId), at }, { _id: `active:webchat:${userId}`, ref: String(conversationId), at });
      const n = Math.min(PER_CONVERSATION, messages - c * PER_CONVERSATION);
      for (let seq = 1; seq <= n; seq++) msgs.push(webchatMessage(store, conversationId, userId, seq, new Date(at.getTime() + seq * 1000)));
      counters.set(store.redisKeys.seq(String(conversationId)), n, 'EX', COUNTER_TTL_S);
    }
    const [customerDocs, convDocs, messageDocs] = await Promise.all([Promise.all(customers), Promise.all(convs), Promise.all(msgs)]);
    await Promise.all([
      store.customers.collection.insertMany(customerDocs, { ordered: false }),
      store.conversations.collection.insertMany(convDocs, { ordered: false }),
      store.messages.collection.insertMany(messageDocs, { ordered: false }),
      store.conn.collection<Slot>('timeline').insertMany(messageDocs.map(slotOf), { ordered: false }),
      store.conn.collection<KeyDoc>('keys').insertMany(keys, { ordered: false }),
      counters.exec(),
    ]);
    documents += customerDocs.length + convDocs.length + 2 * messageDocs.length + keys.length;
  }
  return { conversations, documents };
}

/** A delivered web chat message: odd numbers the customer's question, even the bot's answer (ids as the Direct Line channel and the gateway make them). */
export function webchatMessage(store: Store, conversationId: Types.ObjectId, userId: string, seq: number, at: Date): Promise<Record<string, unknown>> {
  const _id = new Types.ObjectId();
  const common = { _id, conversationId, channel: 'webchat', seq, createdAt: at, updatedAt: at };
  const fields =
    seq % 2
      ? { channelMessageId: `${String(conversationId)}:pre-${seq}`, direction: 'in', author: 'customer', authorId: userId, text: QUESTIONS[seq % QUESTIONS.length], status: 'received' }
      : { channelMessageId: `sb-${_id.toHexString()}`, direction: 'out', author: 'bot', text: 'Our answer, as the FAQ bot would give it, with a link or two.', status: 'sent' };
  return shaped(store.messages, { ...common, ...fields });
}

/** Drops each bench database and every Redis key under its prefix (the gateway uses the database name as prefix). */
export async function dropBenchData(mongoUri: string, redisUrl: string, names: string[]): Promise<void> {
  const redis = createRedis(redisUrl);
  try {
    for (const name of names) {
      const conn = await connectMongo(databaseUri(mongoUri, name));
      await conn.dropDatabase().finally(() => conn.close());
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        if ((cursor = next) === '0') break;
      }
    }
  } finally {
    redis.disconnect();
  }
}
