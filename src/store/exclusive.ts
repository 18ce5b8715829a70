// The one concurrency primitive. Every state change that must have exactly
// one winner (claim, transfer, resolve, conversation mode, greeting, call
// state and steps, message and case status, bot-state eTags) goes through
// `change` or `run` here, on MongoDB and FerretDB alike: FerretDB 1.24 does
// not make a conditional update atomic, so no filter like {_id, status} is
// trusted to pick one winner anywhere.
//
// How: a lease per object in Redis (SET NX PX), held while the caller reads
// the document by `_id`, decides, and writes it back by `_id`. Fencing, for a
// lease that runs out mid-work (a stalled process), is done twice:
// - right before the write, the lease is confirmed and renewed in one Redis
//   script; a holder whose lease ran out writes nothing (LeaseLostError);
// - the write increments the document's version `_v`, and the version it
//   returns must be exactly one past the version that was read: anyone who
//   wrote in between is noticed (StaleWriteError), never silently overwritten.
// The version is not put in the write's filter: FerretDB reaches its index
// only for a filter that is `{_id}` alone.
import { randomUUID } from 'node:crypto';
import type { Redis } from '../infra/redis';
import { AppError } from '../infra/errors';
import type { RedisKeys } from './redis-keys';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Someone else held the object for longer than the caller was willing to wait (a 503: try again). */
export class LeaseBusyError extends AppError {
  constructor(key: string) {
    super(`${key} is busy, try again`, 503, 'Service Unavailable');
  }
}

/** The lease ran out before the write: nothing was written. */
export class LeaseLostError extends AppError {
  constructor(key: string) {
    super(`the lease on ${key} ran out before the write; nothing was written`, 503, 'Service Unavailable');
  }
}

/** Another writer changed the document between this holder's read and write. */
export class StaleWriteError extends AppError {
  constructor(key: string) {
    super(`${key} was changed by another writer during this change`, 409, 'Conflict');
  }
}

export interface Lease {
  readonly key: string;
  /** Confirms the lease is still ours and renews it; throws LeaseLostError when it is not. Call right before a write. */
  confirm(): Promise<void>;
}

/** One document's update, by operator; `_v` is added by `change`. */
export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, 1 | ''>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $addToSet?: Record<string, unknown>;
  $pull?: Record<string, unknown>;
}

export interface ExclusiveOptions {
  /** How long a lease lives without renewal (a dead holder's lease frees itself after this). */
  ttlMs?: number;
  /** How long a caller waits for a busy lease before LeaseBusyError. */
  waitMs?: number;
}

type Versioned = { _id: unknown; _v?: number };

/**
 * What `change` needs of a model: a read and a write by `_id` (every mongoose
 * model has both). The filter's type is the model's own, hence `never` here.
 */
export interface ById {
  findOne(filter: never): { lean<T>(): PromiseLike<T | null> };
  findOneAndUpdate(filter: never, update: never, options: object): { lean<T>(): PromiseLike<T | null> };
}

export class Exclusive {
  private readonly ttlMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    opts: ExclusiveOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 15000;
    this.waitMs = opts.waitMs ?? 5000;
  }

  /** Runs `fn` holding the lease on `key`; `fn` calls `lease.confirm()` right before each write. */
  async run<T>(key: string, fn: (lease: Lease) => Promise<T>): Promise<T> {
    const full = this.keys.lease(key);
    const token = randomUUID();
    const until = Date.now() + this.waitMs;
    let delay = 2;
    while ((await this.redis.set(full, token, 'PX', this.ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > until) throw new LeaseBusyError(key);
      // Jittered, so waiters do not all retry at the same moments and take turns one per step.
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 50);
    }
    const lease: Lease = {
      key,
      confirm: async () => {
        if (Number(await this.redis.eval(RENEW, 1, full, token, this.ttlMs)) !== 1) throw new LeaseLostError(key);
      },
    };
    try {
      return await fn(lease);
    } finally {
      await this.redis.eval(RELEASE, 1, full, token).catch(() => undefined);
    }
  }

  /**
   * Changes one document exclusively: under the lease on `kind:id`, reads it
   * by `_id`, lets `decide` choose an update (null: no change), and writes it
   * by `_id`. `written`, when given, runs still under the lease (to keep a
   * copy elsewhere in step). Returns the document before and after, or null
   * when it does not exist or `decide` made no change.
   */
  async change<D extends Versioned>(
    model: ById,
    kind: string,
    id: unknown,
    decide: (doc: D) => Update | null | Promise<Update | null>,
    written?: (before: D, after: D) => Promise<void>,
  ): Promise<{ before: D; after: D } | null> {
    const key = `${kind}:${String(id)}`;
    return this.run(key, async (lease) => {
      const byId = { _id: id } as never;
      const before = await model.findOne(byId).lean<D>();
      if (!before) return null;
      const update = await decide(before);
      if (!update) return null;
      await lease.confirm();
      const after = await model
        .findOneAndUpdate(byId, { ...update, $inc: { ...(update.$inc ?? {}), _v: 1 } } as never, { returnDocument: 'after', strict: false })
        .lean<D>();
      if (!after || (after._v ?? 0) !== (before._v ?? 0) + 1) throw new StaleWriteError(key);
      if (written) await written(before, after);
      return { before, after };
    });
  }
}
