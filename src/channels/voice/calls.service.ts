// Calls: the only module that touches the Call model. Each change is one
// single-document update; the arrays that change in place (recordings) go
// through a read-modify-write guarded by a revision number, since FerretDB's
// positional updates are incomplete.
import type { Connection, Types } from 'mongoose';
import { callModel, CallDoc, CallPhase, IvrStep, RecordingInfo } from './call.model';

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

/** Call sids whose _id this process remembers (a call's _id never changes). */
const IDS_KEPT = 10000;

/** Live segments kept on the call (the console also gets them as they come). */
const LIVE_SEGMENTS_KEPT = 500;

export class CallsService {
  private readonly calls;

  private readonly ids = new Map<string, Types.ObjectId>();

  constructor(conn: Connection) {
    this.calls = callModel(conn);
  }

  /**
   * The filter for one call: by _id once this process has seen the call, since
   * FerretDB answers a filter on anything but `_id` alone with a scan of the
   * collection (every webhook of a call touches it several times).
   */
  private by(callSid: string): Record<string, unknown> {
    const id = this.ids.get(callSid);
    return id ? { _id: id } : { callSid };
  }

  private learn<T extends CallDoc | null>(doc: T): T {
    if (doc && !this.ids.has(doc.callSid)) {
      if (this.ids.size >= IDS_KEPT) this.ids.delete(this.ids.keys().next().value as string);
      this.ids.set(doc.callSid, doc._id as Types.ObjectId);
    }
    return doc;
  }

  /** The call with this sid, made when it is new; `created` tells whether this request made it. */
  async open(input: NewCall): Promise<{ call: CallDoc; created: boolean }> {
    const seen = await this.get(input.callSid);
    if (seen) return { call: seen, created: false };
    try {
      return { call: this.learn((await this.calls.create({ ...input, startedAt: new Date() })).toObject() as unknown as CallDoc), created: true };
    } catch (err) {
      // Twilio's retry of the same webhook raced this one: the unique index kept one.
      if ((err as { code?: number }).code !== 11000) throw err;
      const other = await this.get(input.callSid);
      if (!other) throw err;
      return { call: other, created: false };
    }
  }

  async get(callSid: string): Promise<CallDoc | null> {
    return this.learn(await this.calls.findOne(this.by(callSid)).lean<CallDoc>());
  }

  /** The conversation's calls, newest first. */
  async ofConversation(conversationId: Types.ObjectId | string, limit = 20): Promise<CallDoc[]> {
    return this.calls.find({ conversationId }).sort({ startedAt: -1 }).limit(limit).lean<CallDoc[]>();
  }

  /** The conversation's customer call that is still on the line (queued or talking), if any. */
  async liveOf(conversationId: Types.ObjectId | string): Promise<CallDoc | null> {
    return this.calls
      .findOne({ conversationId, direction: 'inbound', parentCallSid: '', phase: { $in: ['ivr', 'queued', 'connecting', 'connected'] } })
      .sort({ startedAt: -1 })
      .lean<CallDoc>();
  }

  /** The operator legs placed for a customer's call (one per operator dialled into its conference). */
  async legsOf(parentCallSid: string): Promise<CallDoc[]> {
    return this.calls.find({ parentCallSid }).sort({ startedAt: 1 }).limit(50).lean<CallDoc[]>();
  }

  async set(callSid: string, set: Record<string, unknown>): Promise<CallDoc | null> {
    return this.learn(await this.calls.findOneAndUpdate(this.by(callSid), { $set: set }, { returnDocument: 'after' }).lean<CallDoc>());
  }

  /** Sets `set` only when the call matches `where` (a claim); null when it did not. */
  async setIf(callSid: string, where: Record<string, unknown>, set: Record<string, unknown>): Promise<CallDoc | null> {
    return this.calls.findOneAndUpdate({ callSid, ...where }, { $set: set }, { returnDocument: 'after' }).lean<CallDoc>();
  }

  /** Moves the call to `to` only from one of `from`; null when it was elsewhere. */
  async transition(callSid: string, from: CallPhase[], to: CallPhase, set: Record<string, unknown> = {}): Promise<CallDoc | null> {
    return this.calls.findOneAndUpdate({ callSid, phase: { $in: from } }, { $set: { phase: to, ...set } }, { returnDocument: 'after' }).lean<CallDoc>();
  }

  /** Takes the next step number for a response and remembers what it asks. */
  async nextStep(callSid: string, set: Record<string, unknown>): Promise<number> {
    const doc = this.learn(await this.calls.findOneAndUpdate(this.by(callSid), { $inc: { step: 1 }, $set: set }, { returnDocument: 'after' }).lean<CallDoc>());
    return doc?.step ?? 0;
  }

  /** The caller answered: the step joins the IVR path and the silence count starts over (one write). */
  async answered(callSid: string, entry: Partial<IvrStep>): Promise<void> {
    await this.calls.updateOne(this.by(callSid), { $set: { misses: 0 }, $push: { ivrPath: { ...entry, at: new Date() } as never } });
  }

  /** Takes step `after + 1` with what it asks, unless another response took it first (then null). */
  async takeStep(callSid: string, after: number, set: Record<string, unknown>): Promise<CallDoc | null> {
    return this.calls.findOneAndUpdate({ callSid, step: after }, { $set: { ...set, step: after + 1 } }, { returnDocument: 'after' }).lean<CallDoc>();
  }

  async addIvrStep(callSid: string, entry: Partial<IvrStep>): Promise<void> {
    await this.calls.updateOne(this.by(callSid), { $push: { ivrPath: { ...entry, at: new Date() } } });
  }

  /** One more silent prompt; returns the count. */
  async miss(callSid: string): Promise<number> {
    const doc = await this.calls.findOneAndUpdate(this.by(callSid), { $inc: { misses: 1 } }, { returnDocument: 'after' }).lean<CallDoc>();
    return doc?.misses ?? 0;
  }

  async addLiveSegment(callSid: string, seg: { speaker: string; text: string; start: number; end: number }): Promise<void> {
    await this.calls.updateOne({ callSid, liveCount: { $lt: LIVE_SEGMENTS_KEPT } }, { $push: { liveTranscript: { ...seg, at: new Date() } }, $inc: { liveCount: 1 } });
  }

  /** Read-modify-write of one call, retried when another writer got there first. */
  private async mutate(callSid: string, change: (c: CallDoc) => Record<string, unknown> | null): Promise<CallDoc | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(callSid);
      if (!current) return null;
      const set = change(current);
      if (!set) return current;
      const done = await this.calls
        .findOneAndUpdate({ _id: current._id, rev: current.rev }, { $set: set, $inc: { rev: 1 } }, { returnDocument: 'after' })
        .lean<CallDoc>();
      if (done) return done;
    }
    throw new Error(`call ${callSid} kept changing; update given up`);
  }

  /** Adds or updates a recording by sid; fields given overwrite, others stay. */
  async upsertRecording(callSid: string, rec: Partial<RecordingInfo> & { sid: string }): Promise<CallDoc | null> {
    return this.mutate(callSid, (c) => ({ recordings: withRecording(c.recordings, rec) }));
  }

  /**
   * Sets one recording's transcription status. The call's own status follows its
   * main (call) recording, or the only one there is, in the same write, so a
   * reader never sees the recording failed while the call still says pending.
   */
  async setTranscriptionStatus(callSid: string, recordingSid: string, status: 'pending' | 'done' | 'failed', error = ''): Promise<CallDoc | null> {
    return this.mutate(callSid, (c) => {
      const recordings = withRecording(c.recordings, { sid: recordingSid, transcriptionStatus: status, transcriptionError: error.slice(0, 500) });
      const main = recordings.find((r) => r.source === 'call') ?? recordings[0];
      return main?.sid === recordingSid ? { recordings, transcriptionStatus: status } : { recordings };
    });
  }

  async setTranscript(callSid: string, recordingSid: string, text: string, utterances: Utterance[]): Promise<void> {
    await this.set(callSid, { transcript: { text, utterances, recordingSid, at: new Date() } });
  }
}

function withRecording(current: RecordingInfo[], rec: Partial<RecordingInfo> & { sid: string }): RecordingInfo[] {
  const list = current.map((r) => ({ ...r }));
  const i = list.findIndex((r) => r.sid === rec.sid);
  if (i >= 0) list[i] = { ...list[i], ...rec };
  else list.push({ duration: 0, channels: 1, status: 'in-progress', source: 'call', transcriptionStatus: 'none', transcriptionError: '', ...rec } as RecordingInfo);
  return list;
}
