import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

export const ESCALATION_STATUSES = ['queued', 'assigned', 'resolved', 'abandoned'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

const contextMessageSchema = new Schema(
  { author: String, text: String, at: Date },
  { _id: false },
);
const faqAttemptSchema = new Schema(
  { question: String, entryId: String, confidence: Number, answered: Boolean },
  { _id: false },
);
const transferSchema = new Schema(
  {
    from: { type: Schema.Types.ObjectId, default: null },
    /** Names as they were at the time, so the history reads without another lookup. */
    fromName: { type: String, default: '' },
    toOperator: { type: Schema.Types.ObjectId, default: null },
    toName: { type: String, default: '' },
    toQueue: String,
    at: Date,
    note: String,
  },
  { _id: false },
);

const escalationSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true, index: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    reason: { type: String, required: true },
    trigger: { type: String, default: 'request' },
    queue: { type: String, default: 'general' },
    skills: { type: [String], default: [] },
    priority: { type: Number, default: 0 },
    status: { type: String, enum: ESCALATION_STATUSES, default: 'queued' },
    context: {
      summary: { type: String, default: '' },
      customer: { name: String, address: String, language: String },
      faqAttempts: { type: [faqAttemptSchema], default: [] },
      /** Collected slots as a JSON string: slot names are free text and need not be valid keys. */
      slots: { type: String, default: '{}' },
      ivrPath: { type: [String], default: [] },
      lastMessages: { type: [contextMessageSchema], default: [] },
      /** Phone calls: the IVR path as lines ("Main menu: pressed 1 (Billing)"), the post-call transcript, notes (voicemail, call back). */
      callPath: { type: [String], default: [] },
      transcript: { type: String, default: '' },
      notes: { type: [String], default: [] },
    },
    operatorId: { type: Schema.Types.ObjectId, default: null },
    /** Operators allowed to see it after it changes hands (who had it before). */
    participants: { type: [Schema.Types.ObjectId], default: [] },
    queuedAt: { type: Date, default: () => new Date() },
    assignedAt: Date,
    resolvedAt: Date,
    transfers: { type: [transferSchema], default: [] },
    disposition: { type: String, default: '' },
  },
  { timestamps: true },
);
escalationSchema.index({ status: 1, priority: -1, queuedAt: 1 });

export type EscalationFields = InferSchemaType<typeof escalationSchema>;
export type EscalationDoc = EscalationFields & { _id: Types.ObjectId };

export function escalationModel(conn: Connection): Model<EscalationFields> {
  return conn.models.Escalation ?? conn.model('Escalation', escalationSchema);
}
