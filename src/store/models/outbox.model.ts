// Sandbox mode's outbox: without Twilio credentials, what would have gone to
// Twilio is written here instead, so the console can show it and
// `npm start` is usable without an account.
import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

const outboxSchema = new Schema(
  {
    messageId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    to: { type: String, required: true },
    from: { type: String, default: '' },
    body: { type: String, default: '' },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
// One entry per message: a retried job does not write it twice.
outboxSchema.index({ messageId: 1 }, { unique: true });
outboxSchema.index({ createdAt: -1 });

export type OutboxFields = InferSchemaType<typeof outboxSchema>;
export type OutboxDoc = OutboxFields & { _id: Types.ObjectId; createdAt: Date };

export function outboxModel(conn: Connection): Model<OutboxFields> {
  return (conn.models.MessagingOutbox as Model<OutboxFields>) ?? conn.model<OutboxFields>('MessagingOutbox', outboxSchema, 'messaging_outbox');
}

export class MessagingOutbox {
  private readonly model: Model<OutboxFields>;

  constructor(conn: Connection) {
    this.model = outboxModel(conn);
  }

  async record(entry: { messageId: Types.ObjectId; conversationId: Types.ObjectId; channel: string; to: string; from: string; body: string }): Promise<void> {
    try {
      await this.model.create(entry);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  async list(filter: { conversationId?: string; limit?: number } = {}): Promise<OutboxDoc[]> {
    const q = filter.conversationId && Types.ObjectId.isValid(filter.conversationId) ? { conversationId: filter.conversationId } : {};
    return this.model.find(q).sort({ createdAt: -1 }).limit(Math.min(filter.limit ?? 100, 500)).lean<OutboxDoc[]>();
  }
}
