// botbuilder Storage on the store with eTag concurrency: a write that carries
// a stale eTag is rejected, exactly one of two racing writers wins (the
// compare and the write go through the store's one primitive). State is kept
// as a JSON string so any key is allowed in it; every read is by `_id`.
import type { Storage, StoreItems } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { Store } from '../store';
import type { BotStateDoc } from '../store/models/bot-state.model';

export class ETagConflictError extends Error {
  constructor(key: string) {
    super(`storage: eTag conflict on ${key}`);
  }
}

export class MongoStorage implements Storage {
  constructor(private readonly store: Pick<Store, 'botState' | 'botStateDocs' | 'exclusive'>) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const docs = await Promise.all(keys.map((key) => this.store.botStateDocs.findOne({ _id: key })));
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
          const r = await this.store.exclusive.change<BotStateDoc>(this.store.botState, 'state', key, (current) =>
            current.eTag === eTag ? { $set: { state, eTag: next } } : null,
          );
          if (!r) throw new ETagConflictError(key);
          return;
        }
        await this.store.botState.updateOne({ _id: key }, { $set: { state, eTag: next } }, { upsert: true });
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.store.botState.deleteOne({ _id: key })));
  }
}
