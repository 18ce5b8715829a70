// The Call: one phone call and everything that happened in it — the IVR path
// (menus, keys, utterances), the queue, the conference with an operator,
// recordings and transcripts. Provider payloads are mapped to plain fields:
// FerretDB refuses keys with '.' or a leading '$' and nested arrays. A call's
// `_id` is its CallSid, so every lookup is by `_id` (the one filter FerretDB
// reads from an index); a conversation's calls and a call's legs are linked by
// sid (`previousCallSid`, `legSids`) rather than found by a query.
import { Connection, Schema, Model, Types } from 'mongoose';

export const CALL_PHASES = ['ivr', 'queued', 'connecting', 'connected', 'voicemail', 'ended'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

const choiceSchema = new Schema({ digit: String, title: String }, { _id: false });

/** One step of the IVR: what was asked and what the caller answered, by key or by voice. */
const ivrStepSchema = new Schema(
  {
    step: Number,
    menu: { type: String, default: '' },
    input: { type: String, enum: ['dtmf', 'speech', 'none', 'recording'], default: 'none' },
    key: { type: String, default: '' },
    utterance: { type: String, default: '' },
    confidence: { type: Number, default: null },
    /** The choice the key or utterance was read as, when there was one. */
    choice: { type: String, default: '' },
    at: { type: Date, default: () => new Date() },
  },
  { _id: false },
);

const recordingSchema = new Schema(
  {
    sid: String,
    /** Always on Twilio's API host (built from the account and recording sid, never taken from a payload). */
    url: String,
    duration: { type: Number, default: 0 },
    channels: { type: Number, default: 1 },
    status: { type: String, default: 'in-progress' },
    /** call (the whole call, dual-channel) or voicemail (a <Record>). */
    source: { type: String, default: 'call' },
    startedAt: Date,
    completedAt: Date,
    transcriptionStatus: { type: String, enum: ['none', 'pending', 'done', 'failed'], default: 'none' },
    transcriptionError: { type: String, default: '' },
  },
  { _id: false },
);

const utteranceSchema = new Schema(
  { speaker: String, channel: Number, start: Number, end: Number, text: String, confidence: Number },
  { _id: false },
);

const liveSegmentSchema = new Schema({ speaker: String, text: String, start: Number, end: Number, at: Date }, { _id: false });

const callSchema = new Schema<CallRecord>(
  {
    /** The CallSid. */
    _id: { type: String, required: true },
    /** The CallSid again, as earlier versions kept it (and its unique index). */
    callSid: { type: String, required: true },
    direction: { type: String, default: 'inbound' },
    from: { type: String, default: '' },
    to: { type: String, default: '' },
    status: { type: String, default: 'ringing' },
    phase: { type: String, enum: CALL_PHASES, default: 'ivr' },
    conversationId: { type: Schema.Types.ObjectId, default: null },
    /** The conversation's call before this one ('' for its first): the list the calls service walks back. */
    previousCallSid: { type: String, default: '' },
    language: { type: String, default: 'en' },
    /** Responses given so far; the next gather's action carries step + 1 (idempotency key CallSid:step). */
    step: { type: Number, default: 0 },
    /** The last gather's choices, so a key reads back as the choice it stood for. */
    choices: { type: [choiceSchema], default: [] },
    /** The last prompt's TwiML, replayed when the caller says nothing. */
    lastPrompt: { type: String, default: '' },
    lastMenu: { type: String, default: '' },
    misses: { type: Number, default: 0 },
    ivrPath: { type: [ivrStepSchema], default: [] },
    escalationId: { type: Schema.Types.ObjectId, default: null },
    queue: {
      name: { type: String, default: '' },
      sid: { type: String, default: '' },
      enteredAt: Date,
      leftAt: Date,
      result: { type: String, default: '' },
    },
    conference: {
      name: { type: String, default: '' },
      operatorId: { type: Schema.Types.ObjectId, default: null },
      operatorCallSid: { type: String, default: '' },
      connectedAt: Date,
      error: { type: String, default: '' },
    },
    /** What the caller asked for when nobody could answer: a call back or a voicemail. */
    followUp: { type: String, enum: ['', 'callback', 'voicemail'], default: '' },
    /** An answer cut for the phone, offered in full by SMS at this step (0: no offer pending). */
    smsOffer: {
      step: { type: Number, default: 0 },
      text: { type: String, default: '' },
    },
    recordingSid: { type: String, default: '' },
    recordingPaused: { type: Boolean, default: false },
    recordings: { type: [recordingSchema], default: [] },
    transcript: {
      text: { type: String, default: '' },
      utterances: { type: [utteranceSchema], default: [] },
      recordingSid: { type: String, default: '' },
      at: Date,
    },
    transcriptionStatus: { type: String, enum: ['none', 'pending', 'done', 'failed'], default: 'none' },
    liveTranscript: { type: [liveSegmentSchema], default: [] },
    liveCount: { type: Number, default: 0 },
    /** The call this one was placed for (an operator's leg, a call back). */
    parentCallSid: { type: String, default: '' },
    /** The calls placed for this one (operators' legs), oldest first. */
    legSids: { type: [String], default: [] },
    operatorId: { type: Schema.Types.ObjectId, default: null },
    startedAt: { type: Date, default: () => new Date() },
    endedAt: Date,
    duration: { type: Number, default: 0 },
  },
  { timestamps: true },
);
callSchema.index({ callSid: 1 }, { unique: true });

export interface IvrStep {
  step: number;
  menu: string;
  input: 'dtmf' | 'speech' | 'none' | 'recording';
  key: string;
  utterance: string;
  confidence: number | null;
  choice: string;
  at: Date;
}

export interface RecordingInfo {
  sid: string;
  url: string;
  duration: number;
  channels: number;
  status: string;
  source: string;
  startedAt?: Date;
  completedAt?: Date;
  transcriptionStatus: 'none' | 'pending' | 'done' | 'failed';
  transcriptionError: string;
}

/** A call as read from the store (lean). */
export interface CallDoc {
  /** The CallSid. */
  _id: string;
  callSid: string;
  direction: string;
  from: string;
  to: string;
  status: string;
  phase: CallPhase;
  conversationId: Types.ObjectId | null;
  previousCallSid: string;
  language: string;
  step: number;
  choices: { digit: string; title: string }[];
  lastPrompt: string;
  lastMenu: string;
  misses: number;
  ivrPath: IvrStep[];
  escalationId: Types.ObjectId | null;
  queue: { name: string; sid: string; enteredAt?: Date; leftAt?: Date; result: string };
  conference: { name: string; operatorId: Types.ObjectId | null; operatorCallSid: string; connectedAt?: Date; error: string };
  followUp: '' | 'callback' | 'voicemail';
  smsOffer?: { step: number; text: string };
  recordingSid: string;
  recordingPaused: boolean;
  recordings: RecordingInfo[];
  transcript: { text: string; utterances: { speaker: string; channel: number; start: number; end: number; text: string; confidence: number }[]; recordingSid: string; at?: Date };
  transcriptionStatus: 'none' | 'pending' | 'done' | 'failed';
  liveTranscript: { speaker: string; text: string; start: number; end: number; at: Date }[];
  liveCount: number;
  parentCallSid: string;
  legSids: string[];
  operatorId: Types.ObjectId | null;
  startedAt: Date;
  endedAt?: Date;
  duration: number;
  /** The version the store's exclusive changes keep (store/exclusive.ts). */
  _v?: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The stored fields (typed by hand: mongoose's inference over this schema is costly for the type checker). */
export type CallRecord = Omit<CallDoc, 'createdAt' | 'updatedAt'>;

export function callModel(conn: Connection): Model<CallRecord> {
  return conn.models.Call ?? conn.model('Call', callSchema);
}
