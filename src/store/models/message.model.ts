import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

export const MESSAGE_STATUSES = ['received', 'queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessageAuthor = 'customer' | 'bot' | 'operator' | 'system';

const choiceSchema = new Schema({ title: { type: String, required: true }, value: { type: String, required: true } }, { _id: false });
const attachmentSchema = new Schema(
  { contentType: String, contentUrl: String, name: String, size: Number },
  { _id: false },
);

const messageSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    /**
     * The channel's own id for the message (Direct Line activity id, MessageSid,
     * Message-ID…), or a generated one for what we send. Every message has one:
     * the unique index below is what makes inbound delivery idempotent.
     */
    channelMessageId: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    author: { type: String, enum: ['customer', 'bot', 'operator', 'system'], required: true },
    /** The sender's id on the channel (the web chat user id), echoed back to the client. */
    authorId: { type: String, default: '' },
    authorName: { type: String, default: '' },
    operatorId: { type: Schema.Types.ObjectId, default: null },
    activityType: { type: String, default: 'message' },
    text: { type: String, default: '' },
    choices: { type: [choiceSchema], default: [] },
    attachments: { type: [attachmentSchema], default: [] },
    /** The sending client's own id (Web Chat's clientActivityID), echoed back. */
    clientActivityId: { type: String, default: '' },
    status: { type: String, enum: MESSAGE_STATUSES, required: true },
    /** Order within the conversation once delivered; 0 while queued. */
    seq: { type: Number, default: 0 },
    error: { type: String, default: '' },
    attempts: { type: Number, default: 0 },
  },
  { timestamps: true },
);
messageSchema.index({ channel: 1, channelMessageId: 1 }, { unique: true });

export type MessageFields = InferSchemaType<typeof messageSchema>;
export type MessageDoc = MessageFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function messageModel(conn: Connection): Model<MessageFields> {
  return conn.models.Message ?? conn.model('Message', messageSchema);
}
