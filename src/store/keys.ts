// Lookups by a natural key, answered by `_id`: a customer by identity, a
// conversation by channel address, a message by its provider's id, a case by
// its number, a conversation's latest call. Each is a small document whose `_id` is the key itself, so FerretDB
// reads it from its primary key instead of scanning the collection for
// `{identityKeys: …}`. The store is the truth; Redis keeps a copy of hot ones,
// and losing Redis only costs a read of the store.
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import type { Redis } from '../infra/redis';
import type { RedisKeys } from './redis-keys';
import { isDuplicateKey } from './errors';

export interface KeyDoc {
  _id: string;
  /** The _id of the document the key points to, as a string. */
  ref: string;
  at: Date;
}

const keySchema = new Schema<KeyDoc>({ _id: { type: String, required: true }, ref: { type: String, required: true }, at: { type: Date, required: true } }, { versionKey: false });

/** How long Redis keeps a copy of a key it has seen (the store keeps the key itself). */
const CACHE_TTL_S = 24 * 3600;

export class KeyRepository {
  private readonly model: Model<KeyDoc>;

  constructor(
    conn: Connection,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.model = (conn.models.Key as Model<KeyDoc>) ?? conn.model<KeyDoc>('Key', keySchema, 'keys');
  }

  /** What `key` points to, or null. */
  async get(key: string): Promise<string | null> {
    const cached = await this.redis.get(this.keys.ref(key));
    if (cached) return cached;
    const doc = await this.model.findOne({ _id: key }).lean<KeyDoc>();
    // NX: a `set` that ran while this read was in flight has put the newer ref there; keep it.
    if (doc) await this.redis.set(this.keys.ref(key), doc.ref, 'EX', CACHE_TTL_S, 'NX');
    return doc?.ref ?? null;
  }

  /** Points `key` at `ref`, replacing what it pointed to. */
  async set(key: string, ref: string): Promise<void> {
    await this.model.updateOne({ _id: key }, { $set: { ref, at: new Date() } }, { upsert: true });
    await this.redis.set(this.keys.ref(key), ref, 'EX', CACHE_TTL_S);
  }

  /**
   * Points `key` at `ref` unless it already points somewhere: the first
   * writer wins (the unique `_id` decides, atomically on every store) and
   * everyone gets the winner's ref.
   */
  async claim(key: string, ref: string): Promise<string> {
    try {
      await this.model.create({ _id: key, ref, at: new Date() });
      await this.redis.set(this.keys.ref(key), ref, 'EX', CACHE_TTL_S);
      return ref;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = await this.model.findOne({ _id: key }).lean<KeyDoc>();
      if (!winner) throw err;
      return winner.ref;
    }
  }

  async delete(key: string): Promise<void> {
    await this.model.deleteOne({ _id: key });
    await this.redis.del(this.keys.ref(key));
  }
}
