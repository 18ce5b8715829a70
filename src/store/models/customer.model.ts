import { Connection, Schema, InferSchemaType, Model } from 'mongoose';

const identitySchema = new Schema(
  { kind: { type: String, required: true, enum: ['phone', 'email', 'web', 'whatsapp'] }, value: { type: String, required: true } },
  { _id: false },
);

const customerSchema = new Schema(
  {
    name: { type: String, default: '' },
    identities: { type: [identitySchema], default: [] },
    /** "kind:value" strings; each is also a key document (store/keys.ts) pointing here. */
    identityKeys: { type: [String], default: [] },
    /** The customer's conversations, oldest first: their history is read by `_id`. */
    conversationIds: { type: [Schema.Types.ObjectId], default: [] },
    language: { type: String, default: 'en' },
    optOuts: { type: [String], default: [] },
    tags: { type: [String], default: [] },
  },
  { timestamps: true },
);

export type CustomerDoc = InferSchemaType<typeof customerSchema> & { _id: import('mongoose').Types.ObjectId };

export function customerModel(conn: Connection): Model<InferSchemaType<typeof customerSchema>> {
  return conn.models.Customer ?? conn.model('Customer', customerSchema);
}
