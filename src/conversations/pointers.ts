// Pointers in Redis from a natural key (an identity, a channel address, a
// provider's message id) to a document's _id. FerretDB answers a filter on
// anything but `_id` with a scan of the collection, so hot lookups go through
// these. They are hints: callers check the document they read by _id, and a
// missing or stale pointer falls back to the query (the store stays the truth).
import type { Types } from 'mongoose';
import type { Redis } from '../infra/redis';

export class Pointers {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async set(key: string, id: Types.ObjectId | string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`${this.prefix}:ptr:${key}`, String(id), 'EX', ttlSeconds);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(`${this.prefix}:ptr:${key}`);
  }
}
