// A short Redis lock, so two webhooks from one new number (a long text split
// in two, a Twilio retry) do not create two customers or two conversations.
// Best effort: after `waitMs` the caller goes ahead without it.
import { randomUUID } from 'node:crypto';
import type { Redis } from '../../infra/redis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function withLock<T>(redis: Redis, key: string, fn: () => Promise<T>, ttlMs = 5000, waitMs = 3000): Promise<T> {
  const token = randomUUID();
  const until = Date.now() + waitMs;
  let held = (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
  while (!held && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    held = (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
  }
  try {
    return await fn();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
