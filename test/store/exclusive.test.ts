// The concurrency contract of the store's one primitive: whatever the store
// does with conditional updates (FerretDB's are not atomic), a change made
// through `exclusive` has one winner, and a holder that lost its lease or
// was overtaken finds out instead of overwriting.
import { Types } from 'mongoose';
import { Exclusive, LeaseBusyError, LeaseLostError, StaleWriteError } from '../../src/store/exclusive';
import type { EscalationDoc as StoredEscalation } from '../../src/store/models/escalation.model';
import type { BotStateDoc } from '../../src/store/models/bot-state.model';
import { eventually } from '../helpers/gateway';
import { gate, openStore, StoreHarness } from './harness';

/** What `change` reads and writes: the document with its version. */
type EscalationDoc = StoredEscalation & { _v?: number };

const CALLERS = 20;
const ROUNDS = 10;

describe('store: exclusive changes', () => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await openStore('exclusive');
  });
  afterAll(async () => {
    await h.close();
  });

  async function queuedEscalation(): Promise<Types.ObjectId> {
    const e = await h.store.escalations.create({ conversationId: new Types.ObjectId(), customerId: new Types.ObjectId(), channel: 'webchat', reason: 'asked for a person' });
    return e._id;
  }

  const leaseKey = (kind: string, id: unknown) => h.store.redisKeys.lease(`${kind}:${String(id)}`);

  describe.each([
    {
      collection: 'escalations (ObjectId _id)',
      async race() {
        const id = await queuedEscalation();
        const owners = Array.from({ length: CALLERS }, () => new Types.ObjectId());
        const results = await Promise.all(
          owners.map((owner) =>
            h.store.exclusive.change<EscalationDoc>(h.store.escalations, 'escalation', id, (e) =>
              e.status === 'queued' ? { $set: { status: 'assigned', operatorId: owner, assignedAt: new Date() } } : null,
            ),
          ),
        );
        const stored = await h.store.escalations.findOne({ _id: id }).lean<EscalationDoc>();
        return {
          winners: results.flatMap((r, i) => (r ? [{ owner: String(owners[i]), after: String(r.after.operatorId) }] : [])),
          stored: { status: stored?.status, owner: String(stored?.operatorId), _v: stored?._v },
        };
      },
    },
    {
      collection: 'bot state (string _id)',
      async race(round: number) {
        const id = `webchat/conv-${round}/${new Types.ObjectId()}`;
        await h.store.botState.create({ _id: id, state: JSON.stringify({ status: 'queued' }), eTag: 'e0' });
        const owners = Array.from({ length: CALLERS }, (_, i) => `user-${i}`);
        const results = await Promise.all(
          owners.map((owner) =>
            h.store.exclusive.change<BotStateDoc>(h.store.botState, 'botstate', id, (s) =>
              JSON.parse(s.state).status === 'queued' ? { $set: { state: JSON.stringify({ status: 'assigned', owner }), eTag: `e-${owner}` } } : null,
            ),
          ),
        );
        const stored = await h.store.botState.findOne({ _id: id }).lean<BotStateDoc>();
        const state = JSON.parse(stored?.state ?? '{}');
        return {
          winners: results.flatMap((r, i) => (r ? [{ owner: owners[i], after: JSON.parse(r.after.state).owner }] : [])),
          stored: { status: state.status, owner: state.owner, _v: stored?._v },
        };
      },
    },
  ])('on $collection', ({ race }) => {
    it(`when ${CALLERS} callers change one queued document at once, then exactly one wins, its owner is stored and the version moves once (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { winners, stored } = await race(round);
        expect(winners).toHaveLength(1);
        expect(winners[0].after).toBe(winners[0].owner);
        expect(stored).toEqual({ status: 'assigned', owner: winners[0].owner, _v: 1 });
      }
    }, 60000);
  });

  it('when a holder stalls past its lease and another caller takes the object, then the stalled holder writes nothing and gets LeaseLostError; the other write stands', async () => {
    const id = await queuedEscalation();
    const stalled = new Exclusive(h.redis, h.store.redisKeys, { ttlMs: 200 });
    const [first, second] = [new Types.ObjectId(), new Types.ObjectId()];
    const holding = gate();
    const resume = gate();
    const late = stalled.change<EscalationDoc>(h.store.escalations, 'escalation', id, async (e) => {
      holding.open();
      await resume.opened;
      return e.status === 'queued' ? { $set: { status: 'assigned', operatorId: first } } : null;
    });
    const settled = late.then(
      () => undefined,
      () => undefined,
    );
    await holding.opened;
    await eventually(async () => (await h.redis.exists(leaseKey('escalation', id))) === 0, 5000, 10);

    const taken = await h.store.exclusive.change<EscalationDoc>(h.store.escalations, 'escalation', id, async (e) => {
      // The stalled holder wakes up while this caller holds the lease.
      resume.open();
      await settled;
      return e.status === 'queued' ? { $set: { status: 'assigned', operatorId: second } } : null;
    });

    await expect(late).rejects.toBeInstanceOf(LeaseLostError);
    expect(String(taken?.after.operatorId)).toBe(String(second));
    const stored = await h.store.escalations.findOne({ _id: id }).lean<EscalationDoc>();
    expect({ status: stored?.status, owner: String(stored?.operatorId), _v: stored?._v }).toEqual({ status: 'assigned', owner: String(second), _v: 1 });
  });

  it('when a holder stalls past its lease and nobody else came, then it still writes nothing and gets LeaseLostError', async () => {
    const id = await queuedEscalation();
    const stalled = new Exclusive(h.redis, h.store.redisKeys, { ttlMs: 200 });
    const holding = gate();
    const resume = gate();
    const late = stalled.change<EscalationDoc>(h.store.escalations, 'escalation', id, async () => {
      holding.open();
      await resume.opened;
      return { $set: { status: 'assigned', operatorId: new Types.ObjectId() } };
    });
    await holding.opened;
    await eventually(async () => (await h.redis.exists(leaseKey('escalation', id))) === 0, 5000, 10);
    resume.open();

    await expect(late).rejects.toBeInstanceOf(LeaseLostError);
    const stored = await h.store.escalations.findOne({ _id: id }).lean<EscalationDoc>();
    expect({ status: stored?.status, operatorId: stored?.operatorId, _v: stored?._v }).toEqual({ status: 'queued', operatorId: null, _v: undefined });
  });

  it('when another writer changes the document between the read and the write, then the change is reported as StaleWriteError and the other write is kept', async () => {
    const id = await queuedEscalation();
    const change = h.store.exclusive.change<EscalationDoc>(h.store.escalations, 'escalation', id, async (e) => {
      // A writer that did not hold the lease, as a stalled holder of another `change` would write.
      await h.store.escalations.collection.updateOne({ _id: id }, { $set: { priority: 5 }, $inc: { _v: 1 } });
      return e.status === 'queued' ? { $set: { status: 'assigned', operatorId: new Types.ObjectId() } } : null;
    });

    await expect(change).rejects.toBeInstanceOf(StaleWriteError);
    const stored = await h.store.escalations.findOne({ _id: id }).lean<EscalationDoc>();
    expect({ priority: stored?.priority, _v: stored?._v }).toEqual({ priority: 5, _v: 2 });
  });

  it('when the function run under a lease throws, then run() rethrows it and the lease is free at once', async () => {
    const noWait = new Exclusive(h.redis, h.store.redisKeys, { waitMs: 0 });
    const boom = new Error('decided to fail');
    await expect(h.store.exclusive.run('thing:1', async () => Promise.reject(boom))).rejects.toBe(boom);

    expect(await h.redis.exists(leaseKey('thing', 1))).toBe(0);
    await expect(noWait.run('thing:1', async () => 'acquired')).resolves.toBe('acquired');
  });

  it('when the lease is held, then a waiter gets LeaseBusyError after its waitMs and the holder finishes undisturbed', async () => {
    const waiter = new Exclusive(h.redis, h.store.redisKeys, { waitMs: 150 });
    const holding = gate();
    const finish = gate();
    const holder = h.store.exclusive.run('thing:2', async (lease) => {
      holding.open();
      await finish.opened;
      await lease.confirm();
      return 'done';
    });
    await holding.opened;

    const started = Date.now();
    await expect(waiter.run('thing:2', async () => 'should not run')).rejects.toBeInstanceOf(LeaseBusyError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);

    finish.open();
    await expect(holder).resolves.toBe('done');
    expect(await h.redis.exists(leaseKey('thing', 2))).toBe(0);
  });
});
