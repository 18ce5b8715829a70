// Short exclusive sections across processes, kept in Redis. FerretDB 1.24
// does not make a conditional update atomic under concurrency (two
// findOneAndUpdate({_id, status: 'queued'}) can both match), so every state
// change that must have one winner runs inside a lock on its object; on
// MongoDB the lock is redundant and costs two Redis round trips.
import { randomUUID } from 'node:crypto';
import type { Redis } from './redis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class LockTimeoutError extends Error {}

export class Locks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Runs `fn` while holding `key`; waits for a holder to finish (up to waitMs).
   * The lock expires after ttlMs in case its holder dies.
   */
  async with<T>(key: string, fn: () => Promise<T>, opts: { waitMs?: number; ttlMs?: number } = {}): Promise<T> {
    const full = `${this.prefix}:lock:${key}`;
    const token = randomUUID();
    const ttl = opts.ttlMs ?? 10000;
    const until = Date.now() + (opts.waitMs ?? 5000);
    let delay = 2;
    while ((await this.redis.set(full, token, 'PX', ttl, 'NX')) !== 'OK') {
      if (Date.now() > until) throw new LockTimeoutError(`lock ${key} busy`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 50);
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, full, token);
    }
  }
}
