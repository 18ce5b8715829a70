// The email channel's own records, shaped for FerretDB's SQLite backend,
// where every query scans its collection (only inserts are cheap): what is
// looked up on each mail is kept small and keyed by _id, the bulky rest is
// written once and read only by the operator API.
//   email_messages    _id = Message-ID of every mail in and out: idempotency,
//                     threading, whether it was answered / sent.
//   email_bodies      _id = Message-ID: the full original (headers as
//                     {name, value} pairs, since FerretDB forbids '.'/'$'
//                     keys; full text; sanitised HTML; attachment refs).
//   email_threads     _id = conversation id: ticket, reply token, References.
//   email_claims      _id = "<conversation>:<what>": once-per-thread answers.
//   email_attachments _id = ObjectId: the bytes, with type and size.
import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

const addressSchema = new Schema({ address: { type: String, default: '' }, name: { type: String, default: '' } }, { _id: false });
const headerSchema = new Schema({ name: { type: String, required: true }, value: { type: String, default: '' } }, { _id: false });
const attachmentRefSchema = new Schema(
  { id: { type: String, default: '' }, filename: String, contentType: String, size: Number, stored: Boolean, contentId: { type: String, default: '' } },
  { _id: false },
);

const mailMessageSchema = new Schema(
  {
    _id: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    /** null for noise (spam, unthreaded bounces) kept outside any conversation. */
    conversationId: { type: Schema.Types.ObjectId, default: null },
    /** Inbound: the answer (acknowledgement, FAQ, escalation) was decided; a redelivery of an unhandled mail finishes it. */
    handled: { type: Boolean, default: false },
    action: { type: String, default: '' },
    noise: { type: String, default: '' },
    /** Outbound: sending (claimed by a worker), sent, or sandbox (kept in the outbox, not sent). */
    status: { type: String, default: '' },
    transport: { type: String, default: '' },
  },
  { timestamps: true },
);
mailMessageSchema.index({ direction: 1, transport: 1, createdAt: -1 });

const mailBodySchema = new Schema(
  {
    _id: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    conversationId: { type: Schema.Types.ObjectId, default: null },
    /** Outbound: our Message document. */
    chatMessageId: { type: Schema.Types.ObjectId, default: null },
    source: { type: String, default: '' },
    from: { type: addressSchema, default: null },
    to: { type: [addressSchema], default: [] },
    cc: { type: [addressSchema], default: [] },
    subject: { type: String, default: '' },
    date: { type: Date, default: null },
    inReplyTo: { type: [String], default: [] },
    references: { type: [String], default: [] },
    headers: { type: [headerSchema], default: [] },
    text: { type: String, default: '' },
    visibleText: { type: String, default: '' },
    html: { type: String, default: '' },
    size: { type: Number, default: 0 },
    spamScore: { type: Number, default: null },
    attachments: { type: [attachmentRefSchema], default: [] },
    transport: { type: String, default: '' },
  },
  { timestamps: true },
);
mailBodySchema.index({ conversationId: 1, createdAt: 1 });

const mailThreadSchema = new Schema(
  {
    /** The conversation's id. */
    _id: { type: Schema.Types.ObjectId, required: true },
    ticket: { type: Number, required: true },
    /** The reply token in support+<token>@…: a fallback for clients that drop In-Reply-To/References. */
    token: { type: String, required: true },
    subject: { type: String, default: '' },
    address: { type: String, required: true },
    /** Message-IDs of the thread, bounded: the References of what we send. */
    refs: { type: [String], default: [] },
    /** The customer's latest real mail (not an auto-reply): what our answers reply to. */
    lastInbound: { type: String, default: '' },
  },
  { timestamps: true },
);

interface ClaimFields {
  _id: string;
  at: Date;
}
interface CounterFields {
  _id: string;
  seq: number;
}
export interface AttachmentFields {
  conversationId: Types.ObjectId | null;
  filename: string;
  contentType: string;
  contentId: string;
  size: number;
  data: Buffer;
}

const claimSchema = new Schema<ClaimFields>({ _id: { type: String, required: true }, at: { type: Date, default: () => new Date() } });
const counterSchema = new Schema<CounterFields>({ _id: { type: String, required: true }, seq: { type: Number, default: 0 } });
const attachmentSchema = new Schema<AttachmentFields>(
  {
    conversationId: { type: Schema.Types.ObjectId, default: null },
    filename: { type: String, default: 'attachment' },
    contentType: { type: String, default: 'application/octet-stream' },
    contentId: { type: String, default: '' },
    size: { type: Number, required: true },
    data: { type: Buffer, required: true },
  },
  { timestamps: true },
);

export type MailMessageFields = InferSchemaType<typeof mailMessageSchema>;
export type MailBodyFields = InferSchemaType<typeof mailBodySchema>;
export type MailThreadFields = InferSchemaType<typeof mailThreadSchema>;

export type MailMessageDoc = MailMessageFields & { _id: string; createdAt: Date; updatedAt: Date };
export type MailBodyDoc = MailBodyFields & { _id: string; createdAt: Date; updatedAt: Date };
export type MailThreadDoc = MailThreadFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export interface EmailModels {
  mails: Model<MailMessageFields>;
  bodies: Model<MailBodyFields>;
  threads: Model<MailThreadFields>;
  claims: Model<ClaimFields>;
  counters: Model<CounterFields>;
  attachments: Model<AttachmentFields>;
}

export function emailModels(conn: Connection): EmailModels {
  const m = conn.models;
  return {
    mails: (m.MailMessage as Model<MailMessageFields> | undefined) ?? conn.model('MailMessage', mailMessageSchema, 'email_messages'),
    bodies: (m.MailBody as Model<MailBodyFields> | undefined) ?? conn.model('MailBody', mailBodySchema, 'email_bodies'),
    threads: (m.MailThread as Model<MailThreadFields> | undefined) ?? conn.model('MailThread', mailThreadSchema, 'email_threads'),
    claims: (m.MailClaim as Model<ClaimFields> | undefined) ?? conn.model<ClaimFields>('MailClaim', claimSchema, 'email_claims'),
    counters: (m.MailCounter as Model<CounterFields> | undefined) ?? conn.model<CounterFields>('MailCounter', counterSchema, 'email_counters'),
    attachments: (m.MailAttachment as Model<AttachmentFields> | undefined) ?? conn.model<AttachmentFields>('MailAttachment', attachmentSchema, 'email_attachments'),
  };
}
