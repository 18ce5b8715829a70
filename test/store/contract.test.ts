// The concurrency contract, kind by kind: every exclusive transition the
// gateway makes, tried by 20 callers at once through the real services on
// the real store and Redis, has exactly one winner, and the stored state is
// the winner's. (FerretDB lets conditional updates match for several callers
// at once; these pass because every one goes through the store's primitive.)
import { randomBytes } from 'node:crypto';
import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';
import { CallsService } from '../../src/channels/voice/calls.service';
import { MongoStorage } from '../../src/bot/storage';
import type { Session } from '../../src/operators/operators.service';
import type { EscalationDoc } from '../../src/handoff/handoff.service';

const N = 20;

describe('one winner for every exclusive transition (20 concurrent callers)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('contract');
  });
  afterAll(async () => {
    await gw.close();
  });

  /** Runs `n` callers at once; the winners are the callers whose result `won` says so (a throw is a loss). */
  async function race<T>(n: number, call: (i: number) => Promise<T>, won: (r: T) => boolean = (r) => Boolean(r)): Promise<number[]> {
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => call(i)));
    return results.flatMap((r, i) => (r.status === 'fulfilled' && won(r.value) ? [i] : []));
  }

  async function sessions(n: number): Promise<Session[]> {
    const ops = await Promise.all(Array.from({ length: n }, (_, i) => gw.login(['operator'], `Racer ${i}`)));
    return ops.map((o, i) => ({ operatorId: o.id, name: `Racer ${i}`, roles: ['operator'] }));
  }

  async function queuedEscalation(): Promise<EscalationDoc> {
    const c = await DirectLineTestClient.start(gw.url);
    const conversation = await gw.services.conversations.get(c.conversationId);
    const { escalation } = await gw.services.handoff.escalate(conversation, { reason: 'contract test' });
    return escalation;
  }

  it('claim: one operator gets the escalation, and it is assigned to them', async () => {
    const e = await queuedEscalation();
    const ops = await sessions(N);
    const winners = await race(N, (i) => gw.services.handoff.claim(String(e._id), ops[i]));
    expect(winners).toHaveLength(1);
    const after = await gw.services.handoff.get(String(e._id));
    expect(String(after.operatorId)).toBe(ops[winners[0]].operatorId);
    expect(await gw.services.handoff.list({ operatorId: ops[winners[0]].operatorId })).toEqual([expect.objectContaining({ _id: e._id })]);
  });

  it('transfer: of 20 hand-ons by the holder to different queues, one happens and the escalation waits in that queue', async () => {
    const e = await queuedEscalation();
    const [holder] = await sessions(1);
    await gw.services.handoff.claim(String(e._id), holder);
    const winners = await race(N, (i) => gw.services.handoff.transfer(String(e._id), holder, { queue: `q${i}` }));
    expect(winners).toHaveLength(1);
    const after = await gw.services.handoff.get(String(e._id));
    expect(after).toMatchObject({ status: 'queued', queue: `q${winners[0]}` });
    expect(after.transfers).toHaveLength(1);
    expect((await gw.services.handoff.list({ status: 'queued', queue: `q${winners[0]}` })).map((x) => String(x._id))).toEqual([String(e._id)]);
  });

  it('resolve and abandon: one closes the escalation, and the conversation goes back once', async () => {
    const e = await queuedEscalation();
    const [supervisor] = await sessions(1);
    supervisor.roles = ['supervisor'];
    const winners = await race(N, (i) => (i % 2 ? gw.services.handoff.resolve(String(e._id), supervisor, 'done') : gw.services.handoff.abandon(String(e._id))));
    expect(winners).toHaveLength(1);
    const after = await gw.services.handoff.get(String(e._id));
    expect(after.status).toBe(winners[0] % 2 ? 'resolved' : 'abandoned');
    expect((await gw.services.handoff.list({ status: 'queued' })).map((x) => String(x._id))).not.toContain(String(e._id));
  });

  it('conversation mode: one of 20 escalations of the same conversation queues it, the others get the open escalation', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const conversation = await gw.services.conversations.get(c.conversationId);
    const results = await Promise.all(Array.from({ length: N }, () => gw.services.handoff.escalate(conversation, { reason: 'race' })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => String(r.escalation._id))).size).toBe(1);
    expect((await gw.services.conversations.get(c.conversationId)).mode).toBe('queued');
  });

  it('greeting: exactly one of 20 turns of a new conversation greets', async () => {
    const customer = await gw.services.conversations.findOrCreateCustomer({ kind: 'web', value: `greet-${randomBytes(4).toString('hex')}` });
    const { _id } = await gw.services.conversations.open({ customerId: customer._id, channel: 'webchat', address: String(customer._id) });
    expect(await race(N, () => gw.services.conversations.claimGreeting(_id))).toHaveLength(1);
    expect(await gw.services.conversations.claimGreeting(_id)).toBe(false);
  });

  it('message status: 20 deliveries of one queued message mark it once, in one place of the conversation', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const conversation = await gw.services.conversations.get(c.conversationId);
    const m = await gw.services.conversations.recordOutgoing({ conversation, author: 'operator', text: 'racing delivery', delivered: false });
    const winners = await race(N, () => gw.services.conversations.markDelivered(m, 'sent', `SM${randomBytes(8).toString('hex')}`));
    expect(winners).toHaveLength(1);
    const stored = await gw.services.conversations.getMessage(String(m._id));
    expect(stored).toMatchObject({ status: 'sent', seq: m.seq, attempts: 1 });
    const history = await gw.services.conversations.history(conversation._id);
    expect(history.filter((x) => x.text === 'racing delivery')).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  it('case status: one of 20 changes moves the case, and its history has one entry for it', async () => {
    const created = await gw.services.cases.create({ type: 'complaint', source: 'bot', summary: 'contract test' });
    const [op] = await sessions(1);
    const winners = await race(N, (i) => gw.services.cases.changeStatus(String(created._id), { status: 'in_progress', note: `racer ${i}` }, { operatorId: op.operatorId, name: op.name }));
    expect(winners).toHaveLength(1);
    const after = await gw.services.cases.get(String(created.number));
    expect(after.history.map((h) => h.status)).toEqual(['new', 'in_progress']);
    expect(after.history[1].note).toBe(`racer ${winners[0]}`);
  });

  it('call steps: one of 20 responses takes the next step of a call', async () => {
    const calls = new CallsService(gw.infra.store);
    const sid = `CA${randomBytes(16).toString('hex')}`;
    await calls.open({ callSid: sid, direction: 'inbound', from: '+355690000001', to: '+35542200100', status: 'in-progress' });
    const winners = await race(N, (i) => calls.takeStep(sid, 0, { lastMenu: `menu ${i}` }));
    expect(winners).toHaveLength(1);
    expect(await calls.get(sid)).toMatchObject({ step: 1, lastMenu: `menu ${winners[0]}` });
  });

  it('bot state: of 20 writers holding the same eTag, one writes', async () => {
    const storage = new MongoStorage(gw.infra.store);
    const key = `contract-state-${randomBytes(4).toString('hex')}`;
    await storage.write({ [key]: { n: 0 } });
    const { [key]: item } = await storage.read([key]);
    const winners = await race(N, (i) => storage.write({ [key]: { n: i + 1, eTag: item.eTag } }).then(() => true));
    expect(winners).toHaveLength(1);
    expect((await storage.read([key]))[key].n).toBe(winners[0] + 1);
  });
});
