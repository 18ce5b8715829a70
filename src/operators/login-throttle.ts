// Brute-force protection for POST /api/auth/login (rate-limiter-flexible on
// Redis, so every web instance shares the counts). Built so that an attacker
// cannot lock the owner out:
// - failures are counted per (account, address) pair: the first few pass,
//   then each further attempt from that pair waits twice as long as the last
//   (progressive delay), up to a cap;
// - per address and per account there are ceilings of failures within a
//   window; over either, only addresses that have not failed on that account
//   may still try. So a clean address (the owner's) with the right password
//   always gets in, and an address that sprays many accounts, or a botnet
//   on one account, gets one guess per (account, address) while it lasts.
// Accounts are the lower-cased email, known or not, hashed: a refusal says
// nothing about whether the account exists, and Redis holds no email.
import { createHash } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import type { Logger } from '../infra/logger';
import type { Redis } from '../infra/redis';

export interface LoginThrottleLimits {
  /** Failures per (account, address) that pass without a delay. */
  freeFailures: number;
  /** The longest delay between two attempts of one pair, seconds. */
  maxDelaySeconds: number;
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

export function loginLimitsFrom(config: Config): LoginThrottleLimits {
  return {
    freeFailures: config.LOGIN_FREE_FAILURES,
    maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS,
    perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    perIp: config.LOGIN_MAX_FAILURES_PER_IP,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  };
}

/** An attempt let through; it says how it ended. */
export interface LoginAttempt {
  /** The password was right: the pair starts over. */
  succeeded(): Promise<void>;
  /** The email or password was wrong: it counts for the pair, the address and the account. */
  failed(): Promise<void>;
  /** Neither (the check itself broke): the attempt is given back. */
  abandoned(): Promise<void>;
}

export type LoginDecision = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterSeconds: number };

/** "an***@example.com": enough for a reader of the log to recognise the account, not to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return `${email.slice(0, 2)}***`;
  return `${email.slice(0, Math.min(2, Math.max(1, at - 1)))}***${email.slice(at)}`;
}

export function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The Redis key prefixes of the sign-in throttle (rate-limiter-flexible adds
 * ":<key>"): one builder, under the deployment's prefix like every other key.
 */
export function loginThrottleKeys(prefix: string) {
  return {
    /** Attempts per (account digest, address) pair. */
    pair: `${prefix}:login:pair`,
    /** The pair's progressive-delay gate: present while the pair must wait. */
    gate: `${prefix}:login:gate`,
    /** Failures per address. */
    ip: `${prefix}:login:ip`,
    /** Failures per account. */
    account: `${prefix}:login:acct`,
  };
}

/** How long a pair waits after its n-th failure: nothing for the free ones, then 1 s, doubling, up to the cap. */
export function delaySeconds(failures: number, limits: Pick<LoginThrottleLimits, 'freeFailures' | 'maxDelaySeconds'>): number {
  const over = failures - limits.freeFailures;
  if (over < 0) return 0;
  return Math.min(2 ** Math.min(over, 30), limits.maxDelaySeconds);
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class LoginThrottle {
  private readonly pair: RateLimiterRedis;
  private readonly gate: RateLimiterRedis;
  private readonly ip: RateLimiterRedis;
  private readonly account: RateLimiterRedis;

  constructor(
    redis: Redis,
    /** The deployment's key prefix, so environments (and test gateways) sharing a Redis count apart. */
    prefix: string,
    private readonly limits: LoginThrottleLimits,
    private readonly logger: Logger,
  ) {
    const keys = loginThrottleKeys(prefix);
    const common = { storeClient: redis, duration: limits.windowSeconds };
    // The pair's count never refuses by itself (the gate and the ceilings do); its points are only a bound.
    this.pair = new RateLimiterRedis({ ...common, keyPrefix: keys.pair, points: 1_000_000 });
    this.gate = new RateLimiterRedis({ storeClient: redis, keyPrefix: keys.gate, points: 1, duration: limits.maxDelaySeconds });
    this.ip = new RateLimiterRedis({ ...common, keyPrefix: keys.ip, points: limits.perIp });
    this.account = new RateLimiterRedis({ ...common, keyPrefix: keys.account, points: limits.perAccount });
  }

  async begin(email: string, ip: string): Promise<LoginDecision> {
    const account = createHash('sha256').update(accountKey(email)).digest('hex').slice(0, 32);
    const pairKey = `${account}:${ip}`;
    // Counted before the password is checked: parallel guesses from one pair each get their own number.
    const counted = await this.pair.consume(pairKey);
    const prior = counted.consumedPoints - 1;
    const refuse = async (ms: number): Promise<LoginDecision> => {
      await this.pair.reward(pairKey);
      return { allowed: false, retryAfterSeconds: seconds(ms) };
    };

    if (prior > 0) {
      const [byIp, byAccount] = await Promise.all([this.ip.get(ip), this.account.get(account)]);
      const over = [byIp && byIp.consumedPoints >= this.limits.perIp ? byIp : null, byAccount && byAccount.consumedPoints >= this.limits.perAccount ? byAccount : null];
      const wait = Math.max(...over.map((r) => r?.msBeforeNext ?? 0));
      if (wait > 0) return refuse(wait);
    }
    // Past the free failures, the gate is shut by each failure for its delay (see `failed`); an attempt
    // that passes shuts it at once too (atomically), so parallel attempts from one pair go one at a time.
    const delay = delaySeconds(prior, this.limits);
    if (delay > 0) {
      try {
        await this.gate.consume(pairKey, 1, { customDuration: delay });
      } catch (err) {
        if (err instanceof RateLimiterRes) return refuse(err.msBeforeNext);
        throw err;
      }
    }

    let settled = false;
    const settle = async (fn: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      await fn();
    };
    return {
      allowed: true,
      attempt: {
        succeeded: () => settle(() => Promise.all([this.pair.delete(pairKey), this.gate.delete(pairKey)])),
        failed: () => settle(() => this.failed(email, account, pairKey, ip, prior + 1)),
        abandoned: () => settle(() => this.pair.reward(pairKey)),
      },
    };
  }

  private async failed(email: string, account: string, pairKey: string, ip: string, pairFailures: number): Promise<void> {
    const delay = delaySeconds(pairFailures, this.limits);
    const [byIp, byAccount] = await Promise.all([this.ip.penalty(ip), this.account.penalty(account), delay > 0 ? this.gate.block(pairKey, delay) : null]);
    const { perAccount, perIp, windowSeconds } = this.limits;
    // Exactly one failure brings a counter to its ceiling: that one reports it.
    if (byAccount.consumedPoints === perAccount) {
      this.logger.warn({ account: maskEmail(accountKey(email)), ip, failures: perAccount, windowSeconds }, 'login: an account reached its failure ceiling; only clean addresses may still try');
    }
    if (byIp.consumedPoints === perIp) {
      this.logger.warn({ ip, failures: perIp, windowSeconds }, 'login: an address reached its failure ceiling; it may still try accounts it has not failed on');
    }
    if (pairFailures === this.limits.freeFailures + 1) {
      this.logger.info({ account: maskEmail(accountKey(email)), ip, failures: pairFailures }, 'login: attempts from this address are now slowed for this account');
    }
  }
}
