// Brute-force protection for POST /api/auth/login, kept in Redis so every web
// instance shares the counts. Failures are counted per account (the
// lower-cased email, known or not, so a refusal says nothing about whether
// the account exists) and per client address, each in a fixed window that
// starts with its first failure. Over either limit the login is refused
// before the password is looked at.
import { createHash } from 'node:crypto';
import type { Logger } from '../infra/logger';
import type { Redis } from '../infra/redis';

export interface LoginThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

/** An attempt that holds a place in both counters until its outcome is known. */
export interface LoginAttempt {
  /** The password was right: the account's count starts over; the address gets its place back. */
  succeeded(): Promise<void>;
  /** The email or password was wrong: the place stays counted. */
  failed(): Promise<void>;
  /** Neither (the check itself broke): the place is given back. */
  abandoned(): Promise<void>;
}

export type LoginDecision = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterSeconds: number };

// Checks both counters and, when neither is full, counts the attempt in both, in one step: parallel
// guesses cannot all slip in under the limit. Returns {allowed, wait, account count, address count}.
const BEGIN = `
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local window = tonumber(ARGV[3])
local counts = {tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0')}
local wait = 0
for i = 1, 2 do
  if counts[i] >= limits[i] then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then ttl = window; redis.call('EXPIRE', KEYS[i], window) end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return {0, wait, counts[1], counts[2]} end
for i = 1, 2 do
  counts[i] = redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], window) end
end
return {1, 0, counts[1], counts[2]}
`;

// Gives an address its place back without going below zero or dropping the window.
const RELEASE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return n
`;

/** "an***@example.com": enough for a reader of the log to recognise the account, not to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return `${email.slice(0, 2)}***`;
  return `${email.slice(0, Math.min(2, Math.max(1, at - 1)))}***${email.slice(at)}`;
}

export function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    /** The deployment's key prefix, so environments (and test gateways) sharing a Redis count apart. */
    private readonly prefix: string,
    private readonly limits: LoginThrottleLimits,
    private readonly logger: Logger,
  ) {}

  private keys(email: string, ip: string): { account: string; ip: string } {
    // The email is hashed: Redis never holds the addresses people typed.
    const digest = createHash('sha256').update(accountKey(email)).digest('hex').slice(0, 32);
    return { account: `${this.prefix}:login:fail:acct:${digest}`, ip: `${this.prefix}:login:fail:ip:${ip}` };
  }

  async begin(email: string, ip: string): Promise<LoginDecision> {
    const { perAccount, perIp, windowSeconds } = this.limits;
    const keys = this.keys(email, ip);
    const [allowed, wait, accountCount, ipCount] = (await this.redis.eval(BEGIN, 2, keys.account, keys.ip, perAccount, perIp, windowSeconds)) as number[];
    if (!allowed) return { allowed: false, retryAfterSeconds: Math.max(1, wait) };
    let settled = false;
    const settle = async (fn: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      await fn();
    };
    return {
      allowed: true,
      attempt: {
        succeeded: () => settle(() => this.redis.multi().del(keys.account).eval(RELEASE, 1, keys.ip).exec()),
        failed: () =>
          settle(async () => {
            // Exactly one attempt brings a counter to its limit: that one reports the lockout.
            if (accountCount === perAccount) {
              this.logger.warn({ account: maskEmail(accountKey(email)), ip, failures: accountCount, windowSeconds }, 'login locked for an account: too many failed attempts');
            }
            if (ipCount === perIp) {
              this.logger.warn({ ip, failures: ipCount, windowSeconds }, 'login locked for an address: too many failed attempts');
            }
          }),
        abandoned: () => settle(() => this.redis.multi().eval(RELEASE, 1, keys.account).eval(RELEASE, 1, keys.ip).exec()),
      },
    };
  }
}
