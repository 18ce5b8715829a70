// Worker heartbeats: each worker process writes "alive at" into one Redis
// sorted set every few seconds; /metrics counts the workers heard from within
// three beats, so a dead worker shows within 10 s (with the default 3 s beat)
// while /readyz stays about the web process itself.
import { randomUUID } from 'node:crypto';
import type { Redis } from './redis';

/** A worker is alive while its last beat is younger than this many beats. */
const BEATS_OF_GRACE = 3;

export class Heartbeats {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Beats for a new worker id until the returned stop is called; the last beat is taken back then. */
  start(): { id: string; stop(): Promise<void> } {
    const id = `${process.pid}-${randomUUID().slice(0, 8)}`;
    const beat = () => this.redis.zadd(this.key, this.now(), id).catch(() => undefined);
    void beat();
    const timer = setInterval(() => void beat(), this.everyMs);
    timer.unref();
    return {
      id,
      stop: async () => {
        clearInterval(timer);
        await this.redis.zrem(this.key, id).catch(() => undefined);
      },
    };
  }

  /** How many workers were heard from recently; forgets the long gone. */
  async alive(): Promise<number> {
    const since = this.now() - this.everyMs * BEATS_OF_GRACE;
    await this.redis.zremrangebyscore(this.key, '-inf', since - 24 * 3600 * 1000);
    return this.redis.zcount(this.key, since, '+inf');
  }
}
