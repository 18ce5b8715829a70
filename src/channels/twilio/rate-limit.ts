// Per-sender send rate shared by every worker: each send reserves the next
// free slot of its sender (a number, a WhatsApp sender) in Redis, with
// Redis's own clock, and waits for it. Slots are 1/rate apart, so no window
// ever holds more than its share (plus the one slot at its edge). A 429
// from Twilio pushes the sender's next slot past its Retry-After.
import type { Redis } from '../../infra/redis';

// KEYS[1] next free slot (ms, Redis clock); ARGV[1] interval ms; ARGV[2] not-before offset ms.
// Returns the wait in ms before the reserved slot.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextAt)
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(after), 'PX', math.ceil(math.max(1000, after - now + 60000)))
return slot - now
`;

// KEYS[1] next free slot; ARGV[1] delay ms from now. Never moves the slot earlier.
const PUSH_BACK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = now + tonumber(ARGV[1])
if wanted > nextAt then
  redis.call('SET', KEYS[1], tostring(wanted), 'PX', tonumber(ARGV[1]) + 60000)
end
return math.max(wanted, nextAt) - now
`;

export interface RateLimiterOptions {
  prefix: string;
  /** Messages per second for a sender without its own entry. */
  defaultRate: number;
  /** Per-sender rates, e.g. a short code or toll-free number. */
  rates?: Record<string, number>;
}

export class SenderRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimiterOptions,
  ) {}

  rateOf(sender: string): number {
    return this.opts.rates?.[sender] ?? this.opts.defaultRate;
  }

  private key(sender: string): string {
    return `${this.opts.prefix}:ratelimit:${sender}`;
  }

  /** Reserves the sender's next slot; resolves when it has come. Returns the time waited. */
  async acquire(sender: string): Promise<number> {
    const interval = 1000 / this.rateOf(sender);
    const wait = Number(await this.redis.eval(RESERVE, 1, this.key(sender), String(interval)));
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return wait;
  }

  /** Nobody sends from `sender` for `ms` (Twilio said 429 with Retry-After). */
  async pushBack(sender: string, ms: number): Promise<void> {
    await this.redis.eval(PUSH_BACK, 1, this.key(sender), String(Math.max(0, Math.round(ms))));
  }
}

/** "+15550001111=3,whatsapp:+15550002222=80" → per-sender rates. */
export function parseSenderRates(spec: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (spec ?? '').split(',')) {
    const i = part.lastIndexOf('=');
    if (i <= 0) continue;
    const rate = Number(part.slice(i + 1));
    if (Number.isFinite(rate) && rate > 0) out[part.slice(0, i).trim()] = rate;
  }
  return out;
}
