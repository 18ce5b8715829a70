// Cases: orders, complaints and requests, each with a short number people
// can say on the phone ("order 1042"), the fields a flow or an operator
// collected, and every status it went through. Numbers come from a counter
// document bumped with $inc: atomic without transactions.
import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';
import { CASE_STATUSES, CASE_TYPES } from '../../cases/case.types';

const historySchema = new Schema(
  {
    status: { type: String, enum: CASE_STATUSES, required: true },
    at: { type: Date, required: true },
    by: { type: Schema.Types.ObjectId, default: null },
    byName: { type: String, default: '' },
    note: { type: String, default: '' },
  },
  { _id: false },
);

const caseSchema = new Schema(
  {
    number: { type: Number, required: true },
    type: { type: String, enum: CASE_TYPES, required: true },
    status: { type: String, enum: CASE_STATUSES, default: 'new' },
    summary: { type: String, default: '' },
    /** Slot name → value; names are checked ([a-z][a-z0-9_]*), so they are safe keys on FerretDB too. */
    fields: { type: Schema.Types.Mixed, default: () => ({}) },
    conversationId: { type: Schema.Types.ObjectId, default: null },
    customerId: { type: Schema.Types.ObjectId, default: null },
    channel: { type: String, default: '' },
    language: { type: String, default: 'en' },
    source: { type: String, enum: ['bot', 'operator'], default: 'bot' },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    history: { type: [historySchema], default: [] },
  },
  { timestamps: true, minimize: false },
);
caseSchema.index({ number: 1 }, { unique: true });
caseSchema.index({ conversationId: 1 });
caseSchema.index({ customerId: 1 });
caseSchema.index({ status: 1, updatedAt: -1 });

export type CaseFields = InferSchemaType<typeof caseSchema>;
export type CaseDoc = CaseFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function caseModel(conn: Connection): Model<CaseFields> {
  return conn.models.Case ?? conn.model('Case', caseSchema);
}

interface CounterDoc {
  _id: string;
  seq: number;
}

const counterSchema = new Schema<CounterDoc>({ _id: { type: String, required: true }, seq: { type: Number, default: 0 } }, { versionKey: false });

export function counterModel(conn: Connection): Model<CounterDoc> {
  return (conn.models.Counter as Model<CounterDoc>) ?? conn.model<CounterDoc>('Counter', counterSchema, 'counters');
}

const satisfactionSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, default: null },
    channel: { type: String, default: '' },
    language: { type: String, default: 'en' },
    score: { type: Number, required: true, min: 1, max: 5 },
  },
  { timestamps: true },
);
satisfactionSchema.index({ conversationId: 1 }, { unique: true });
satisfactionSchema.index({ createdAt: -1 });

export type SatisfactionFields = InferSchemaType<typeof satisfactionSchema>;

/** Satisfaction answers (1–5) from the end of conversations, one per conversation (the latest), for reports. */
export function satisfactionModel(conn: Connection): Model<SatisfactionFields> {
  return conn.models.Satisfaction ?? conn.model('Satisfaction', satisfactionSchema);
}
