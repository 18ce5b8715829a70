// Per-conversation sequence numbers (the Direct Line watermark) from Redis:
// an INCR costs a fraction of a store round trip, and the store stays the
// truth — when the counter is missing (new process, Redis restarted or the
// key expired) it is re-seeded from the highest sequence stored.
import type { Redis } from '../infra/redis';

const TTL_SECONDS = 7 * 24 * 3600;
// Increment only a counter that exists, so a lost counter is re-seeded, never restarted at 1.
const INCR_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local v = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return v`;

export class Sequencer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly highestStored: (conversationId: string) => Promise<number>,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:seq:${conversationId}`;
  }

  /** A new conversation starts at zero without asking the store. */
  async init(conversationId: string): Promise<void> {
    await this.redis.set(this.key(conversationId), 0, 'EX', TTL_SECONDS, 'NX');
  }

  async next(conversationId: string): Promise<number> {
    const key = this.key(conversationId);
    let v = Number(await this.redis.eval(INCR_IF_EXISTS, 1, key, TTL_SECONDS));
    if (v === -1) {
      await this.redis.set(key, await this.highestStored(conversationId), 'EX', TTL_SECONDS, 'NX');
      v = Number(await this.redis.eval(INCR_IF_EXISTS, 1, key, TTL_SECONDS));
    }
    return v;
  }
}
