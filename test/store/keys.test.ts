// Lookups by natural key (store.refs): the store decides who owns a key and
// is the truth; Redis only keeps copies, so losing Redis costs a read, never
// an answer.
import { Types } from 'mongoose';
import type { Redis } from '../../src/infra/redis';
import { KeyRepository } from '../../src/store/keys';
import { gate, openStore, StoreHarness } from './harness';

describe('store: keys (store.refs)', () => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await openStore('keys');
  });
  afterAll(async () => {
    await h.close();
  });

  const ref = () => String(new Types.ObjectId());

  it('when 20 callers claim one key with different refs at once, then all get the same winner, which is one of theirs and what get() answers', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `identity:sms:+1555000${round}`;
      const refs = Array.from({ length: 20 }, ref);
      const got = await Promise.all(refs.map((r) => h.store.refs.claim(key, r)));

      expect(new Set(got).size).toBe(1);
      expect(refs).toContain(got[0]);
      expect(await h.store.refs.get(key)).toBe(got[0]);
    }
  });

  it('when Redis loses its copies, then get() answers from the store and keeps a copy again; an unknown key is null', async () => {
    const claimed = { key: 'identity:email:ana@example.com', ref: ref() };
    const set = { key: 'active:sms:+15550100', ref: ref() };
    await h.store.refs.claim(claimed.key, claimed.ref);
    await h.store.refs.set(set.key, set.ref);

    await h.forgetRedis();
    expect(await h.redis.exists(h.store.redisKeys.ref(claimed.key))).toBe(0);

    expect(await h.store.refs.get(claimed.key)).toBe(claimed.ref);
    expect(await h.store.refs.get(set.key)).toBe(set.ref);
    expect(await h.redis.get(h.store.redisKeys.ref(claimed.key))).toBe(claimed.ref);
    expect(await h.store.refs.get('identity:sms:+15559999')).toBeNull();
  });

  it('when a key is set again, then it points to the new ref, with or without Redis, and a later claim gets that ref', async () => {
    const key = 'active:whatsapp:+15550200';
    const [first, second] = [ref(), ref()];
    await h.store.refs.claim(key, first);
    await h.store.refs.set(key, second);

    expect(await h.store.refs.get(key)).toBe(second);
    await h.forgetRedis();
    expect(await h.store.refs.get(key)).toBe(second);
    expect(await h.store.refs.claim(key, ref())).toBe(second);
  });

  it('when a key is deleted, then get() is null and the key can be claimed afresh', async () => {
    const key = 'call:CA0001';
    await h.store.refs.claim(key, ref());
    await h.store.refs.delete(key);

    expect(await h.store.refs.get(key)).toBeNull();
    const next = ref();
    expect(await h.store.refs.claim(key, next)).toBe(next);
  });

  it('when a key is set while a get() is reading the old ref from the store, then the new ref is what get() answers afterwards', async () => {
    const key = 'active:sms:+15550300';
    const [old, fresh] = [ref(), ref()];
    await h.store.refs.set(key, old);
    await h.forgetRedis();

    // A reader whose copy into Redis is held back until the writer is done.
    const reading = gate();
    const resume = gate();
    const slowRedis = new Proxy(h.redis, {
      get(target, prop, receiver) {
        if (prop !== 'set') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<Redis['set']>) => {
          reading.open();
          await resume.opened;
          return (target.set as (...a: unknown[]) => Promise<unknown>)(...args);
        };
      },
    });
    const reader = new KeyRepository(h.conn, slowRedis, h.store.redisKeys);
    const read = reader.get(key);
    await reading.opened;
    await h.store.refs.set(key, fresh);
    resume.open();

    expect(await read).toBe(old);
    expect(await h.store.refs.get(key)).toBe(fresh);
  });
});
