import { Connection, Schema, InferSchemaType, Model, Types } from 'mongoose';

export const CONVERSATION_MODES = ['bot', 'queued', 'human', 'closed'] as const;
export type ConversationMode = (typeof CONVERSATION_MODES)[number];

const conversationSchema = new Schema(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    /** The customer's address on the channel (web user id, E.164 phone, email). */
    address: { type: String, required: true },
    /** Our own address the customer wrote to (the Twilio number or WhatsApp sender); replies go out from it. */
    botAddress: { type: String, default: '' },
    mode: { type: String, enum: CONVERSATION_MODES, default: 'bot' },
    language: { type: String, default: 'en' },
    escalationId: { type: Schema.Types.ObjectId, default: null },
    /** Every escalation the conversation has had, oldest first (who may see it is decided by them). */
    escalationIds: { type: [Schema.Types.ObjectId], default: [] },
    operatorId: { type: Schema.Types.ObjectId, default: null },
    greeted: { type: Boolean, default: false },
    subject: { type: String, default: '' },
  },
  { timestamps: true },
);
conversationSchema.index({ updatedAt: -1 });

export type ConversationFields = InferSchemaType<typeof conversationSchema>;
export type ConversationDoc = ConversationFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function conversationModel(conn: Connection): Model<ConversationFields> {
  return conn.models.Conversation ?? conn.model('Conversation', conversationSchema);
}
