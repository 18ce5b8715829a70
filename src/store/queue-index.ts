// The lists the console shows, as Redis sorted sets of escalation ids: each
// queue's waiting escalations (higher priority first, then oldest first) and
// each operator's assigned ones. The escalation documents are the truth:
// the indexes are rebuilt from them at start and whenever Redis has lost them
// (a missing `built` mark, checked on every read), with one scan of the open
// escalations. Every state change of an escalation calls `place`.
import type { Redis } from '../infra/redis';
import type { RedisKeys } from './redis-keys';
import type { Exclusive } from './exclusive';

/** What the index needs to know of an escalation. */
export interface Placed {
  _id: unknown;
  status: string;
  queue: string;
  priority: number;
  queuedAt: Date;
  operatorId?: unknown;
}

/** Priority outranks age: a score orders by priority (descending), then queuedAt (ascending). */
const PRIORITY_WEIGHT = 1e13;

export class QueueIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly exclusive: Exclusive,
    /** Every escalation that is queued or assigned, read from the store (a scan; only on a rebuild). */
    private readonly openEscalations: () => Promise<Placed[]>,
  ) {}

  private assignedKey(operatorId: string): string {
    return this.keys.queue(`@${operatorId}`);
  }

  private get allAssignedKey(): string {
    return this.keys.queue('@assigned');
  }

  /** Puts the escalation where its status says, and takes it out of where it was. */
  async place(e: Placed): Promise<void> {
    const id = String(e._id);
    const where = this.keys.queued(id);
    const before = await this.redis.get(where);
    const multi = this.redis.multi();
    for (const key of before ? before.split('\n') : []) multi.zrem(key, id);
    if (e.status === 'queued') {
      const key = this.keys.queue(e.queue);
      multi.zadd(key, score(e), id).sadd(this.keys.queueNames(), e.queue).set(where, key);
    } else if (e.status === 'assigned' && e.operatorId) {
      const mine = this.assignedKey(String(e.operatorId));
      const at = score(e);
      multi.zadd(mine, at, id).zadd(this.allAssignedKey, at, id).set(where, `${mine}\n${this.allAssignedKey}`);
    } else {
      multi.del(where);
    }
    await multi.exec();
  }

  /** The ids waiting in `queue`, first in line first. */
  async waiting(queue: string, limit = 200): Promise<string[]> {
    await this.ensureBuilt();
    return this.redis.zrange(this.keys.queue(queue), 0, limit - 1);
  }

  /** The ids assigned to an operator, or to anyone. */
  async assigned(operatorId: string | null, limit = 200): Promise<string[]> {
    await this.ensureBuilt();
    return this.redis.zrange(operatorId ? this.assignedKey(operatorId) : this.allAssignedKey, 0, limit - 1);
  }

  /** Every queue's waiting ids, in the order the console lists them (priority, then age, across queues). */
  async allWaiting(limit = 200): Promise<string[]> {
    await this.ensureBuilt();
    const names = await this.redis.smembers(this.keys.queueNames());
    const lists = await Promise.all(names.map((n) => this.redis.zrange(this.keys.queue(n), 0, limit - 1, 'WITHSCORES')));
    const all: [string, number][] = [];
    for (const l of lists) for (let i = 0; i < l.length; i += 2) all.push([l[i], Number(l[i + 1])]);
    return all.sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id]) => id);
  }

  /** 1-based place in its queue, 0 when not waiting. */
  async position(e: Placed): Promise<number> {
    await this.ensureBuilt();
    const rank = await this.redis.zrank(this.keys.queue(e.queue), String(e._id));
    return rank === null ? 0 : rank + 1;
  }

  /** Every queue that has had someone waiting, with how many wait now. */
  async depth(): Promise<Record<string, number>> {
    await this.ensureBuilt();
    const names = (await this.redis.smembers(this.keys.queueNames())).sort();
    const counts = await Promise.all(names.map((n) => this.redis.zcard(this.keys.queue(n))));
    return Object.fromEntries(names.map((n, i) => [n, counts[i]]).filter(([, c]) => Number(c) > 0));
  }

  /** Rebuilds the indexes from the store when Redis does not have them. */
  async ensureBuilt(): Promise<void> {
    if (await this.redis.exists(this.keys.queuesBuilt())) return;
    await this.exclusive.run('queue-index', async (lease) => {
      if (await this.redis.exists(this.keys.queuesBuilt())) return;
      const open = await this.openEscalations();
      await lease.confirm();
      for (const e of open) await this.place(e);
      await this.redis.set(this.keys.queuesBuilt(), new Date().toISOString());
    });
  }
}

function score(e: Placed): number {
  return -e.priority * PRIORITY_WEIGHT + new Date(e.queuedAt).getTime();
}
