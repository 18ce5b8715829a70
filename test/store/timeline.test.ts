// A conversation's delivered messages in order (store.timeline): numbers
// from Redis, one slot per number in the store, read by watermark the way
// Direct Line polls. The clock that ages a hole is injected, so nothing here
// waits for time to pass.
import { Types } from 'mongoose';
import type { MessageDoc } from '../../src/store/models/message.model';
import { openStore, StoreHarness } from './harness';

const GRACE_MS = 3000;

describe('store: timeline', () => {
  let h: StoreHarness;
  let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  beforeAll(async () => {
    h = await openStore('timeline', { now: () => clock });
  });
  afterAll(async () => {
    await h.close();
  });

  /** A new conversation with its counter at zero. */
  async function conversation(): Promise<string> {
    const id = String(new Types.ObjectId());
    await h.store.timeline.init(id);
    return id;
  }

  /** A delivered message as the conversations service builds it, stamped with the test clock. */
  function message(conversationId: string, seq: number, text = `message ${seq}`): MessageDoc {
    const _id = new Types.ObjectId();
    const fields = new h.store.messages({
      _id,
      conversationId: new Types.ObjectId(conversationId),
      channel: 'webchat',
      channelMessageId: `sb-${_id.toHexString()}`,
      direction: seq % 2 ? 'in' : 'out',
      author: seq % 2 ? 'customer' : 'bot',
      text,
      status: seq % 2 ? 'received' : 'sent',
      seq,
    }).toObject();
    return { ...fields, createdAt: new Date(clock), updatedAt: new Date(clock) } as MessageDoc;
  }

  /** Takes `count` numbers and delivers a message for each, except the numbers in `holes`. */
  async function deliver(conversationId: string, count: number, holes: number[] = []): Promise<MessageDoc[]> {
    const out: MessageDoc[] = [];
    for (let i = 0; i < count; i++) {
      const seq = await h.store.timeline.next(conversationId);
      if (holes.includes(seq)) continue;
      const m = message(conversationId, seq);
      await h.store.timeline.put(m);
      out.push(m);
    }
    return out;
  }

  const seqs = (ms: MessageDoc[]) => ms.map((m) => m.seq);

  it('when a conversation starts, then next() numbers it 1, 2, 3…, init() again does not restart it, and concurrent callers get distinct consecutive numbers', async () => {
    const conv = await conversation();
    expect([await h.store.timeline.next(conv), await h.store.timeline.next(conv), await h.store.timeline.next(conv)]).toEqual([1, 2, 3]);

    await h.store.timeline.init(conv);
    const taken = await Promise.all(Array.from({ length: 20 }, () => h.store.timeline.next(conv)));
    expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
  });

  it('when 40 messages are read 7 at a time by watermark, then each comes exactly once, in order, as it was put', async () => {
    const conv = await conversation();
    const sent = await deliver(conv, 40);

    const read: MessageDoc[] = [];
    const watermarks: number[] = [];
    let watermark = 0;
    for (let page = 0; page < 20; page++) {
      const r = await h.store.timeline.since(conv, watermark, 7);
      expect(r.pending).toBe(false);
      if (!r.messages.length) break;
      expect(r.messages.length).toBeLessThanOrEqual(7);
      read.push(...r.messages);
      watermark = r.watermark;
      watermarks.push(watermark);
    }

    expect(seqs(read)).toEqual(seqs(sent));
    expect(watermarks).toEqual([7, 14, 21, 28, 35, 40]);
    expect(read.map((m) => String(m._id))).toEqual(sent.map((m) => String(m._id)));
    expect(read[39]).toMatchObject({ _id: sent[39]._id, conversationId: sent[39].conversationId, text: 'message 40', direction: 'out', author: 'bot', status: 'sent' });
    expect(read[0]._id).toBeInstanceOf(Types.ObjectId);
  });

  it('when a number is taken but its message is not written yet, then readers stop before it (pending) until the next message is 3 s old, then pass it', async () => {
    const conv = await conversation();
    await deliver(conv, 6, [3]);

    const young = await h.store.timeline.since(conv, 0);
    expect({ seqs: seqs(young.messages), watermark: young.watermark, pending: young.pending }).toEqual({ seqs: [1, 2], watermark: 2, pending: true });

    clock += GRACE_MS - 1;
    expect(await h.store.timeline.since(conv, 2)).toMatchObject({ messages: [], watermark: 2, pending: true });

    clock += 2;
    const old = await h.store.timeline.since(conv, 2);
    expect({ seqs: seqs(old.messages), watermark: old.watermark, pending: old.pending }).toEqual({ seqs: [4, 5, 6], watermark: 6, pending: false });
  });

  it('when a number is skipped (a redelivery took it), then readers pass it at once and last() does not count it', async () => {
    const conv = await conversation();
    await deliver(conv, 5, [3]);
    await h.store.timeline.skip(conv, 3);

    const r = await h.store.timeline.since(conv, 0);
    expect({ seqs: seqs(r.messages), watermark: r.watermark, pending: r.pending }).toEqual({ seqs: [1, 2, 4, 5], watermark: 5, pending: false });
    expect(seqs(await h.store.timeline.last(conv, 3))).toEqual([2, 4, 5]);
  });

  it('when the last n messages are asked for, then the newest n come oldest first, across batches, and no more than there are', async () => {
    const conv = await conversation();
    await deliver(conv, 40, [38]);
    await h.store.timeline.skip(conv, 38);

    expect(seqs(await h.store.timeline.last(conv, 5))).toEqual([35, 36, 37, 39, 40]);
    expect(seqs(await h.store.timeline.last(conv, 20))).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 39, 40]);
    const all = await h.store.timeline.last(conv, 100);
    expect(all).toHaveLength(39);
    expect(seqs(all)).toEqual([...seqs(all)].sort((a, b) => a - b));
  });

  describe.each([
    { stored: 'slots 1–10', count: 10, holes: [], top: 10 },
    { stored: 'slots 1–12 with a hole at 11', count: 12, holes: [11], top: 12 },
    { stored: 'slots 1–20 with a hole at 8', count: 20, holes: [8], top: 20 },
    { stored: 'slots 2–6 (the first number was never written)', count: 6, holes: [1], top: 6 },
    { stored: 'no slots', count: 0, holes: [], top: 0 },
  ])('when Redis loses the counter of a conversation with $stored', ({ count, holes, top }) => {
    it(`then next() continues at ${top + 1} and concurrent callers never share a number`, async () => {
      const conv = await conversation();
      await deliver(conv, count, holes);
      await h.forgetRedis();

      expect(await h.store.timeline.highest(conv)).toBe(top);
      const taken = await Promise.all(Array.from({ length: 10 }, () => h.store.timeline.next(conv)));
      expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => top + 1 + i));
      await h.store.timeline.put(message(conv, top + 1, 'after the restart'));
    });
  });

  it('when Redis lost the counter, then readers still find every stored message', async () => {
    const conv = await conversation();
    await deliver(conv, 18, [4]);
    await h.store.timeline.skip(conv, 4);
    await h.forgetRedis();

    const r = await h.store.timeline.since(conv, 0);
    expect({ count: r.messages.length, watermark: r.watermark, pending: r.pending }).toEqual({ count: 17, watermark: 18, pending: false });
  });

  it('when a different message is put in an occupied slot, then put() throws and the slot keeps the first; the same message again is accepted', async () => {
    const conv = await conversation();
    const [first] = await deliver(conv, 1);

    await expect(h.store.timeline.put(message(conv, 1, 'an impostor'))).rejects.toThrow(/already holds another message/);
    await expect(h.store.timeline.put(first)).resolves.toBeUndefined();
    const [kept] = (await h.store.timeline.since(conv, 0)).messages;
    expect({ id: String(kept._id), text: kept.text }).toEqual({ id: String(first._id), text: 'message 1' });
  });
});
