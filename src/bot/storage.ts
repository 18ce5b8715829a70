// botbuilder Storage on MongoDB/FerretDB with eTag concurrency: a write that
// carries a stale eTag is rejected, exactly one of two racing writers wins.
// State is kept as a JSON string so any key is allowed in it. Every query
// filters on `_id` alone: FerretDB answers that from its primary key and
// anything else with a scan of the whole collection.
import type { Storage, StoreItems } from 'botbuilder';
import { Connection, Schema, Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import type { Locks } from '../infra/locks';

interface StateDoc {
  _id: string;
  state: string;
  eTag: string;
}

const stateSchema = new Schema<StateDoc>(
  { _id: { type: String, required: true }, state: { type: String, required: true }, eTag: { type: String, required: true } },
  { timestamps: true, versionKey: false },
);

export class ETagConflictError extends Error {
  constructor(key: string) {
    super(`storage: eTag conflict on ${key}`);
  }
}

export class MongoStorage implements Storage {
  private readonly model: Model<StateDoc>;

  constructor(
    conn: Connection,
    private readonly locks: Locks,
  ) {
    this.model = (conn.models.BotState as Model<StateDoc>) ?? conn.model<StateDoc>('BotState', stateSchema, 'botstate');
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const docs = await Promise.all(keys.map((key) => this.model.findOne({ _id: key }).lean<StateDoc>()));
    const items: StoreItems = {};
    for (const d of docs) if (d) items[d._id] = { ...(JSON.parse(d.state) as object), eTag: d.eTag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, item]) => {
        const { eTag, ...rest } = (item ?? {}) as { eTag?: string };
        const state = JSON.stringify(rest);
        const next = randomUUID();
        if (eTag && eTag !== '*') {
          // Compare and write under the key's lock: one of two racing writers wins.
          const won = await this.locks.with(`state:${key}`, async () => {
            const current = await this.model.findOne({ _id: key }, { eTag: 1 }).lean<Pick<StateDoc, '_id' | 'eTag'>>();
            if (current?.eTag !== eTag) return false;
            await this.model.updateOne({ _id: key }, { $set: { state, eTag: next } });
            return true;
          });
          if (!won) throw new ETagConflictError(key);
          return;
        }
        await this.model.updateOne({ _id: key }, { $set: { state, eTag: next } }, { upsert: true });
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.model.deleteOne({ _id: key })));
  }
}
