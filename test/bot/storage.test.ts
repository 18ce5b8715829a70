// The MongoDB Storage contract botbuilder relies on: read what was written,
// eTags change on every write, a stale eTag is rejected, '*' overwrites.
import { connectMongo } from '../../src/infra/mongo';
import { MongoStorage, ETagConflictError } from '../../src/bot/storage';
import { testServiceUrls } from '../helpers/gateway';
import type { Connection } from 'mongoose';
import { createRedis, Redis } from '../../src/infra/redis';
import { createStore } from '../../src/store';

describe('MongoStorage', () => {
  let conn: Connection;
  let storage: MongoStorage;
  let redis: Redis;
  beforeAll(async () => {
    const urls = testServiceUrls();
    conn = await connectMongo(`${urls.mongo}/t_storage_${Date.now()}`);
    redis = createRedis(urls.redis);
    storage = new MongoStorage(createStore(conn, redis, `t_storage_${Date.now()}`));
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
    await redis.quit();
  });

  it('when an item is written, then it reads back with an eTag, and unknown keys are absent', async () => {
    await storage.write({ a: { count: 1, 'dotted.key': true, $odd: 'x' } });
    const got = await storage.read(['a', 'missing']);
    expect(got.a).toMatchObject({ count: 1, 'dotted.key': true, $odd: 'x' });
    expect(typeof got.a.eTag).toBe('string');
    expect(got.missing).toBeUndefined();
  });

  it('when two writers race with the same eTag, then exactly one wins and the other gets a conflict', async () => {
    await storage.write({ race: { n: 0 } });
    const { race } = await storage.read(['race']);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => storage.write({ race: { n: i + 1, eTag: race.eTag } })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(9);
    expect(rejected[0].reason).toBeInstanceOf(ETagConflictError);
    const after = await storage.read(['race']);
    expect(after.race.eTag).not.toBe(race.eTag);
  });

  it("when the eTag is '*' or absent, then the write overwrites", async () => {
    await storage.write({ w: { v: 1 } });
    await storage.write({ w: { v: 2, eTag: '*' } });
    await storage.write({ w: { v: 3 } });
    expect((await storage.read(['w'])).w.v).toBe(3);
  });

  it('when items are deleted, then they no longer read', async () => {
    await storage.write({ d1: { v: 1 }, d2: { v: 2 } });
    await storage.delete(['d1', 'd2']);
    expect(await storage.read(['d1', 'd2'])).toEqual({});
  });
});
