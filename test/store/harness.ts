// One store per test file: its own database and Redis prefix on the local
// services, and a way to make Redis forget this file's keys (what a Redis
// restart or FLUSHALL does to us) without touching other files' keys.
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../src/infra/mongo';
import { createRedis, Redis } from '../../src/infra/redis';
import { createStore, Store, StoreOptions } from '../../src/store';
import { testServiceUrls } from '../helpers/gateway';

export interface StoreHarness {
  conn: Connection;
  redis: Redis;
  store: Store;
  /** Deletes every Redis key under this file's prefix. */
  forgetRedis(): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(name: string, opts: StoreOptions = {}): Promise<StoreHarness> {
  const urls = testServiceUrls();
  const id = `t_store_${name}_${randomBytes(3).toString('hex')}`;
  const conn = await connectMongo(`${urls.mongo}/${id}`);
  const redis = createRedis(urls.redis);
  const store = createStore(conn, redis, id, opts);
  const forgetRedis = async () => {
    const found = await redis.keys(`${id}:*`);
    if (found.length) await redis.del(...found);
  };
  return {
    conn,
    redis,
    store,
    forgetRedis,
    async close() {
      await forgetRedis();
      await conn.dropDatabase();
      await conn.close();
      await redis.quit();
    },
  };
}

/** A promise and the function that settles it: the test decides when a holder may go on. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
