// A conversation's messages in order, each readable by `_id`: slot
// `<conversationId>:<seq>` holds a copy of the message that got number `seq`
// (the Direct Line watermark), from the moment it is stored (an outgoing
// message waiting for the outbound worker too). Direct Line polls and streams, the console's
// history and an escalation's context read slots by `_id`, never a filter
// FerretDB would scan. The message documents stay the truth for status and
// idempotency; a slot follows its message's status.
//
// Numbers come from a Redis counter per conversation. When the counter is
// missing (Redis restarted or flushed, the key expired), it is re-seeded from
// the highest slot in the store, found by galloping over slot ids.
import type { Collection, Connection } from 'mongoose';
import type { Redis } from '../infra/redis';
import type { MessageDoc } from './models/message.model';
import type { RedisKeys } from './redis-keys';
import { isDuplicateKey } from './errors';

/** A slot: the message as delivered, or a number that will never get one (`unused`). */
export type Slot = Omit<MessageDoc, '_id'> & { _id: string; messageId: MessageDoc['_id']; unused?: boolean };

/** How long a hole in the numbers may wait for its message before readers skip it. */
const GAP_GRACE_MS = 3000;
const COUNTER_TTL_S = 7 * 24 * 3600;
/** Slots read in parallel by one read. */
const BATCH = 16;
// Increment only a counter that exists, so a lost counter is re-seeded, never restarted at 1.
const INCR_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local v = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return v`;

/** What a reader does with a slot: show it, pass it by, or stop before it (it may still change). */
export type SlotView = 'show' | 'pass' | 'wait';

export interface Since {
  messages: MessageDoc[];
  watermark: number;
  /** A hole that may still fill stopped the read. */
  pending: boolean;
}

export class TimelineRepository {
  private readonly slots: Collection<Slot>;

  constructor(
    conn: Connection,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = conn.collection<Slot>('timeline');
  }

  static slotId(conversationId: unknown, seq: number): string {
    return `${String(conversationId)}:${seq}`;
  }

  /** A new conversation starts at zero without asking the store. */
  async init(conversationId: string): Promise<void> {
    await this.redis.set(this.keys.seq(conversationId), 0, 'EX', COUNTER_TTL_S, 'NX');
  }

  /** The next number in the conversation. */
  async next(conversationId: string): Promise<number> {
    const key = this.keys.seq(conversationId);
    let v = Number(await this.redis.eval(INCR_IF_EXISTS, 1, key, COUNTER_TTL_S));
    if (v === -1) {
      await this.redis.set(key, await this.highestStored(conversationId), 'EX', COUNTER_TTL_S, 'NX');
      v = Number(await this.redis.eval(INCR_IF_EXISTS, 1, key, COUNTER_TTL_S));
    }
    return v;
  }

  /** The highest number handed out (from the counter, else the store). */
  async highest(conversationId: string): Promise<number> {
    const v = await this.redis.get(this.keys.seq(conversationId));
    return v === null ? this.highestStored(conversationId) : Number(v);
  }

  /** Puts a message in its slot (its `seq` says which). */
  async put(m: MessageDoc): Promise<void> {
    await this.putMany([m]);
  }

  /** Puts several messages in their slots in one write (a turn's messages). */
  async putMany(ms: MessageDoc[]): Promise<void> {
    if (!ms.length) return;
    const slots = ms.map((m) => ({ ...m, _id: TimelineRepository.slotId(m.conversationId, m.seq), messageId: m._id }) as Slot);
    try {
      await this.slots.insertMany(slots, { ordered: false });
    } catch (err) {
      if (!isDuplicateKey(err) && !allDuplicates(err)) throw err;
      // The same message again (a retried write after a store restart) is already in place;
      // another message in a slot means the counter was re-seeded too low: say so loudly.
      const there = await Promise.all(slots.map((s) => this.slots.findOne({ _id: s._id }, { projection: { messageId: 1 } })));
      const wrong = slots.find((s, i) => String(there[i]?.messageId) !== String(s.messageId));
      if (wrong) throw new Error(`timeline slot ${wrong._id} already holds another message`, { cause: err });
    }
  }

  /** True when the message is in its slot. */
  async holds(m: MessageDoc): Promise<boolean> {
    const there = await this.slots.findOne({ _id: TimelineRepository.slotId(m.conversationId, m.seq) }, { projection: { messageId: 1 } });
    return String(there?.messageId) === String(m._id);
  }

  /** A number that will never get a message (a redelivery took it): readers skip it at once. */
  async skip(conversationId: string, seq: number): Promise<void> {
    await this.slots.insertOne({ _id: TimelineRepository.slotId(conversationId, seq), unused: true } as Slot).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
  }

  /** Keeps a slot's copy in step with its message (status, provider id). */
  async update(conversationId: unknown, seq: number, set: Record<string, unknown>): Promise<void> {
    if (seq > 0) await this.slots.updateOne({ _id: TimelineRepository.slotId(conversationId, seq) }, { $set: set });
  }

  /**
   * The delivered messages after `watermark`, in order, at most `limit`.
   * Stops before a hole that may still fill (a message being written now);
   * a hole older than the grace is skipped. `view` says which slots the
   * reader shows, passes by, or waits at (see SlotView).
   */
  async since(conversationId: string, watermark: number, limit = 200, view: (m: Slot) => SlotView = () => 'show'): Promise<Since> {
    const top = await this.highest(conversationId);
    const out: MessageDoc[] = [];
    let last = watermark;
    let pending = false;
    for (let from = watermark + 1; from <= top && out.length < limit && !pending; from += BATCH) {
      const seqs = range(from, Math.min(top, from + BATCH - 1));
      const found = await this.read(conversationId, seqs);
      for (let i = 0; i < seqs.length; i++) {
        const slot = found[i];
        if (!slot) {
          const later = found.slice(i + 1).find((s) => s && !s.unused);
          if (!later || this.now() - new Date(later.createdAt).getTime() < GAP_GRACE_MS) {
            pending = true;
            break;
          }
        } else if (!slot.unused) {
          const v = view(slot);
          if (v === 'wait') {
            pending = true;
            break;
          }
          if (v === 'show') {
            if (out.length >= limit) break;
            out.push(toMessage(slot));
          }
        }
        last = seqs[i];
      }
    }
    return { messages: out, watermark: last, pending };
  }

  /** The last `n` messages, oldest first. */
  async last(conversationId: string, n: number, visible: (m: Slot) => boolean = () => true): Promise<MessageDoc[]> {
    const out: MessageDoc[] = [];
    for (let to = await this.highest(conversationId); to > 0 && out.length < n; to -= BATCH) {
      const seqs = range(Math.max(1, to - BATCH + 1), to).reverse();
      for (const slot of await this.read(conversationId, seqs)) {
        if (slot && !slot.unused && visible(slot) && out.length < n) out.push(toMessage(slot));
      }
    }
    return out.reverse();
  }

  private read(conversationId: string, seqs: number[]): Promise<(Slot | null)[]> {
    return Promise.all(seqs.map((seq) => this.slots.findOne({ _id: TimelineRepository.slotId(conversationId, seq) })));
  }

  /**
   * The highest slot stored: gallops up by powers of two until a slot is
   * missing, then halves; then looks a batch further, since a hole (a number
   * taken by a process that died before writing it) can stop the search short.
   */
  private async highestStored(conversationId: string): Promise<number> {
    const has = async (seq: number) => (await this.slots.findOne({ _id: TimelineRepository.slotId(conversationId, seq) }, { projection: { _id: 1 } })) !== null;
    // A missing slot 1 is not proof of an empty conversation (its writer may have died): start the look-ahead at 0.
    let lo = 0;
    if (await has(1)) {
      lo = 1;
      let hi = 2;
      while (await has(hi)) {
        lo = hi;
        hi *= 2;
      }
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (await has(mid)) lo = mid;
        else hi = mid;
      }
    }
    for (;;) {
      const ahead = range(lo + 1, lo + BATCH);
      const found = await this.read(conversationId, ahead);
      const top = found.reduce((best, s, i) => (s ? ahead[i] : best), 0);
      if (!top) return lo;
      lo = top;
    }
  }
}

/** A bulk insert whose every failure is a duplicate key. */
function allDuplicates(err: unknown): boolean {
  const errors = (err as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
  const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
  return list.length > 0 && list.every((e) => e.code === 11000);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function toMessage(slot: Slot): MessageDoc {
  const { messageId, unused: _unused, ...rest } = slot;
  return { ...rest, _id: messageId } as MessageDoc;
}
