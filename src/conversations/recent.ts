// The last delivered messages of each conversation, kept in Redis for Direct
// Line streams and polls. They answer a read only when they surely can: they
// reach back to the reader's watermark and have no hole; otherwise the caller
// reads the store (on FerretDB a scan of every message, which a stream's
// reconnect or a poll would otherwise cost each time).
import type { Redis } from '../infra/redis';
import type { MessageDoc } from './message.model';

const KEPT = 50;
const TTL_S = 24 * 3600;

type Kept = MessageDoc & { unused?: boolean };

export class RecentMessages {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:recent:${conversationId}`;
  }

  async add(m: MessageDoc): Promise<void> {
    const key = this.key(String(m.conversationId));
    await this.redis.multi().rpush(key, JSON.stringify(m)).ltrim(key, -KEPT, -1).expire(key, TTL_S).exec();
  }

  /** A sequence number that will never get a message (a redelivery took it): readers skip it at once. */
  async unused(conversationId: string, seq: number): Promise<void> {
    await this.redis.rpush(this.key(conversationId), JSON.stringify({ seq, unused: true }));
  }

  /** The messages after `watermark`, in order, or null when the kept ones cannot tell. */
  async since(conversationId: string, watermark: number): Promise<{ messages: MessageDoc[]; watermark: number; pending: false } | null> {
    const raw = await this.redis.lrange(this.key(conversationId), 0, -1);
    if (!raw.length) return null;
    const bySeq = new Map<number, Kept>();
    for (const r of raw) {
      const m = JSON.parse(r) as Kept;
      bySeq.set(m.seq, m);
    }
    if (Math.min(...bySeq.keys()) > watermark + 1) return null;
    const highest = Math.max(watermark, ...bySeq.keys());
    const out: MessageDoc[] = [];
    for (let seq = watermark + 1; seq <= highest; seq++) {
      const m = bySeq.get(seq);
      if (!m) return null;
      if (!m.unused) out.push(m);
    }
    return { messages: out, watermark: highest, pending: false };
  }
}
