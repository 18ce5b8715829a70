// Calls: the only module that touches the store's calls. A call's `_id` is
// its CallSid, so every read is by `_id`, and every write goes through the
// store's one primitive (read, decide, write back, under a lease): FerretDB
// neither makes a conditional update atomic nor leaves alone what a plain
// update did not mention. A conversation's calls are a list walked back from
// its latest (a key document, then `previousCallSid`); a call's operator legs
// are named on it (`legSids`).
import type { Types } from 'mongoose';
import { ConflictError } from '../../infra/errors';
import { isDuplicateKey, Lease, Store, Update } from '../../store';
import type { CallDoc, CallPhase, IvrStep, RecordingInfo } from '../../store/models/call.model';

export type { CallDoc, CallPhase, IvrStep, RecordingInfo };

export interface NewCall {
  callSid: string;
  direction: string;
  from: string;
  to: string;
  status: string;
  language?: string;
  parentCallSid?: string;
  conversationId?: Types.ObjectId | null;
  operatorId?: Types.ObjectId | null;
}

export interface Utterance {
  speaker: string;
  channel: number;
  start: number;
  end: number;
  text: string;
  confidence: number;
}

/** Live segments kept on the call (the console also gets them as they come). */
const LIVE_SEGMENTS_KEPT = 500;
/** How far back a conversation's calls are walked for the one still on the line. */
const LIVE_LOOKBACK = 50;
/** Operator legs read for a call (the latest ones). */
const LEGS_READ = 50;

const LIVE_PHASES: CallPhase[] = ['ivr', 'queued', 'connecting', 'connected'];

/** Key documents (store/keys.ts): a conversation's latest call. */
const latestCallOf = (conversationId: string) => `call-of:${conversationId}`;

export class CallsService {
  constructor(private readonly store: Store) {}

  /** The call with this sid, made when it is new; `created` tells whether this request made it. */
  async open(input: NewCall): Promise<{ call: CallDoc; created: boolean }> {
    const seen = await this.get(input.callSid);
    if (seen) return { call: seen, created: false };
    const create = async (previousCallSid: string, lease?: Lease) => {
      await lease?.confirm();
      const doc = await this.store.calls.create({ ...input, _id: input.callSid, previousCallSid, startedAt: new Date() });
      return doc.toObject() as unknown as CallDoc;
    };
    let call: CallDoc;
    try {
      const conversationId = input.conversationId ? String(input.conversationId) : '';
      call = conversationId ? await this.linked(conversationId, input.callSid, async (previous, lease) => ({ value: await create(previous, lease), linked: true })) : await create('');
    } catch (err) {
      // Twilio's retry of the same webhook raced this one: the unique _id kept one.
      if (!isDuplicateKey(err)) throw err;
      const other = await this.get(input.callSid);
      if (!other) throw err;
      return { call: other, created: false };
    }
    if (input.parentCallSid) {
      const sid = input.callSid;
      await this.change(input.parentCallSid, (parent) => (parent.legSids?.includes(sid) ? null : { $push: { legSids: sid } }));
    }
    return { call, created: true };
  }

  async get(callSid: string): Promise<CallDoc | null> {
    return this.store.calls.findOne({ _id: callSid }).lean<CallDoc>();
  }

  /** The conversation's calls, newest first. */
  async ofConversation(conversationId: Types.ObjectId | string, limit = 20): Promise<CallDoc[]> {
    const calls: CallDoc[] = [];
    if (limit < 1) return calls;
    for await (const call of this.walk(String(conversationId))) {
      calls.push(call);
      if (calls.length >= limit) break;
    }
    return calls;
  }

  /** The conversation's customer call that is still on the line (in the IVR, queued or talking), if any. */
  async liveOf(conversationId: Types.ObjectId | string): Promise<CallDoc | null> {
    let read = 0;
    for await (const call of this.walk(String(conversationId))) {
      if (call.direction === 'inbound' && !call.parentCallSid && LIVE_PHASES.includes(call.phase)) return call;
      if (++read >= LIVE_LOOKBACK) break;
    }
    return null;
  }

  /** The operator legs placed for a customer's call (one per operator dialled into its conference), oldest first. */
  async legsOf(parentCallSid: string): Promise<CallDoc[]> {
    const parent = await this.get(parentCallSid);
    const legs = await Promise.all((parent?.legSids ?? []).slice(-LEGS_READ).map((sid) => this.get(sid)));
    return legs.filter((l): l is CallDoc => l !== null && l.parentCallSid === parentCallSid);
  }

  /**
   * Sets fields of the call. A conversation given for the first time also
   * puts the call at the head of that conversation's calls; a call never
   * moves to another conversation.
   */
  async set(callSid: string, set: Record<string, unknown>): Promise<CallDoc | null> {
    const conversationId = set.conversationId ? String(set.conversationId) : '';
    if (!conversationId) {
      return this.change(callSid, (c) => {
        if ('conversationId' in set && c.conversationId) throw new ConflictError(`call ${callSid} belongs to a conversation`);
        return { $set: set };
      });
    }
    return this.linked(conversationId, callSid, async (previous, lease) => {
      let linked = false;
      const after = await this.change(callSid, async (c) => {
        if (c.conversationId) {
          if (String(c.conversationId) !== conversationId) throw new ConflictError(`call ${callSid} belongs to another conversation`);
          return { $set: set };
        }
        await lease.confirm();
        linked = true;
        return { $set: { ...set, previousCallSid: previous } };
      });
      return { value: after, linked: linked && after !== null };
    });
  }

  /** Sets `set` only when the call matches `where` (dotted paths, plain equality: a claim); null when it did not. */
  async setIf(callSid: string, where: Record<string, unknown>, set: Record<string, unknown>): Promise<CallDoc | null> {
    return this.change(callSid, (c) => (Object.entries(where).every(([path, value]) => same(valueAt(c, path), value)) ? { $set: set } : null));
  }

  /** Moves the call to `to` only from one of `from`; null when it was elsewhere. */
  async transition(callSid: string, from: CallPhase[], to: CallPhase, set: Record<string, unknown> = {}): Promise<CallDoc | null> {
    return this.change(callSid, (c) => (from.includes(c.phase) ? { $set: { phase: to, ...set } } : null));
  }

  /** Takes the next step number for a response and remembers what it asks. */
  async nextStep(callSid: string, set: Record<string, unknown>): Promise<number> {
    const doc = await this.change(callSid, () => ({ $inc: { step: 1 }, ...(Object.keys(set).length ? { $set: set } : {}) }));
    return doc?.step ?? 0;
  }

  /** The caller answered: the step joins the IVR path and the silence count starts over (one write). */
  async answered(callSid: string, entry: Partial<IvrStep>): Promise<void> {
    await this.change(callSid, () => ({ $set: { misses: 0 }, $push: { ivrPath: { ...entry, at: new Date() } } }));
  }

  /** Takes step `after + 1` with what it asks, unless another response took it first (then null). */
  async takeStep(callSid: string, after: number, set: Record<string, unknown>): Promise<CallDoc | null> {
    return this.change(callSid, (c) => (c.step === after ? { $set: { ...set, step: after + 1 } } : null));
  }

  async addIvrStep(callSid: string, entry: Partial<IvrStep>): Promise<void> {
    await this.change(callSid, () => ({ $push: { ivrPath: { ...entry, at: new Date() } } }));
  }

  /** One more silent prompt; returns the count. */
  async miss(callSid: string): Promise<number> {
    const doc = await this.change(callSid, () => ({ $inc: { misses: 1 } }));
    return doc?.misses ?? 0;
  }

  async addLiveSegment(callSid: string, seg: { speaker: string; text: string; start: number; end: number }): Promise<void> {
    await this.change(callSid, (c) => ((c.liveCount ?? 0) < LIVE_SEGMENTS_KEPT ? { $push: { liveTranscript: { ...seg, at: new Date() } }, $inc: { liveCount: 1 } } : null));
  }

  /** Adds or updates a recording by sid; fields given overwrite, others stay. */
  async upsertRecording(callSid: string, rec: Partial<RecordingInfo> & { sid: string }): Promise<CallDoc | null> {
    return this.change(callSid, (c) => ({ $set: { recordings: withRecording(c.recordings, rec) } }));
  }

  /**
   * Sets one recording's transcription status. The call's own status follows its
   * main (call) recording, or the only one there is, in the same write, so a
   * reader never sees the recording failed while the call still says pending.
   */
  async setTranscriptionStatus(callSid: string, recordingSid: string, status: 'pending' | 'done' | 'failed', error = ''): Promise<CallDoc | null> {
    return this.change(callSid, (c) => {
      const recordings = withRecording(c.recordings, { sid: recordingSid, transcriptionStatus: status, transcriptionError: error.slice(0, 500) });
      const main = recordings.find((r) => r.source === 'call') ?? recordings[0];
      return { $set: main?.sid === recordingSid ? { recordings, transcriptionStatus: status } : { recordings } };
    });
  }

  async setTranscript(callSid: string, recordingSid: string, text: string, utterances: Utterance[]): Promise<void> {
    await this.change(callSid, () => ({ $set: { transcript: { text, utterances, recordingSid, at: new Date() } } }));
  }

  /** One call changed through the store's primitive; the call after, or null when missing or unchanged. */
  private async change(callSid: string, decide: (c: CallDoc) => Update | null | Promise<Update | null>): Promise<CallDoc | null> {
    const r = await this.store.exclusive.change<CallDoc>(this.store.calls, 'call', callSid, decide);
    return r?.after ?? null;
  }

  /**
   * Runs `write` alone among the writers of this conversation's list of calls,
   * with the sid of its latest call; when `write` says it linked `callSid`
   * (pointed it back at that one), `callSid` becomes the latest.
   */
  private async linked<T>(conversationId: string, callSid: string, write: (previous: string, lease: Lease) => Promise<{ value: T; linked: boolean }>): Promise<T> {
    const key = latestCallOf(conversationId);
    return this.store.exclusive.run(key, async (lease) => {
      const latest = (await this.store.refs.get(key)) ?? '';
      const { value, linked } = await write(latest === callSid ? '' : latest, lease);
      if (linked) {
        await lease.confirm();
        await this.store.refs.set(key, callSid);
      }
      return value;
    });
  }

  /** The conversation's calls from the latest back, each read by `_id`. */
  private async *walk(conversationId: string): AsyncGenerator<CallDoc> {
    const seen = new Set<string>();
    let sid = (await this.store.refs.get(latestCallOf(conversationId))) ?? '';
    while (sid && !seen.has(sid)) {
      seen.add(sid);
      const call = await this.get(sid);
      if (!call || String(call.conversationId) !== conversationId) return;
      yield call;
      sid = call.previousCallSid ?? '';
    }
  }
}

/** The value at a dotted path ('smsOffer.step') of a document. */
function valueAt(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);
}

/** Plain equality as a store filter means it: ids and dates by value, null also for a missing field. */
function same(stored: unknown, wanted: unknown): boolean {
  if (wanted === null) return stored === null || stored === undefined;
  if (stored instanceof Date && wanted instanceof Date) return stored.getTime() === wanted.getTime();
  if (stored !== null && typeof stored === 'object' && typeof wanted === 'object') return String(stored) === String(wanted);
  return stored === wanted;
}

function withRecording(current: RecordingInfo[], rec: Partial<RecordingInfo> & { sid: string }): RecordingInfo[] {
  const list = current.map((r) => ({ ...r }));
  const i = list.findIndex((r) => r.sid === rec.sid);
  if (i >= 0) list[i] = { ...list[i], ...rec };
  else list.push({ duration: 0, channels: 1, status: 'in-progress', source: 'call', transcriptionStatus: 'none', transcriptionError: '', ...rec } as RecordingInfo);
  return list;
}
