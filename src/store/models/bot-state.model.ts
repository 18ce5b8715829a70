import { Connection, Schema, Model } from 'mongoose';

/** A botbuilder state item, kept as a JSON string so any key is allowed in it. */
export interface BotStateDoc {
  _id: string;
  state: string;
  eTag: string;
  _v?: number;
}

const stateSchema = new Schema<BotStateDoc>(
  { _id: { type: String, required: true }, state: { type: String, required: true }, eTag: { type: String, required: true } },
  { timestamps: true, versionKey: false },
);

export function botStateModel(conn: Connection): Model<BotStateDoc> {
  return (conn.models.BotState as Model<BotStateDoc>) ?? conn.model<BotStateDoc>('BotState', stateSchema, 'botstate');
}
