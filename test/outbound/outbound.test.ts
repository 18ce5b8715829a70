// Outbound delivery through the worker: a job that fails is retried, and a
// retried or duplicated job never delivers the message twice.
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';
import { PermanentDeliveryError, ChannelSender } from '../../src/outbound/outbound.processor';

describe('outbound queue', () => {
  let gw: Gateway;
  let failuresLeft = 0;
  let permanent = false;
  let calls = 0;
  const flaky: ChannelSender = {
    async deliver() {
      calls++;
      if (permanent) throw new PermanentDeliveryError('rejected by provider');
      if (failuresLeft-- > 0) throw new Error('provider hiccup');
      return { status: 'sent' };
    },
  };

  beforeAll(async () => {
    gw = await startGateway('outbound', { senders: { webchat: flaky }, env: { OUTBOUND_ATTEMPTS: '3' } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the channel fails once, then the message is retried and reaches the customer exactly once', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const conversation = await gw.services.conversations.get(c.conversationId);
    failuresLeft = 1;
    calls = 0;
    const m = await gw.services.outbound.send(conversation, { author: 'system', text: 'Your order has shipped' });
    // The same message queued again (a producer retry) is the same job.
    await gw.services.outbound.enqueue(String(m._id));
    await c.waitForBot(/has shipped/, 10000);
    await new Promise((r) => setTimeout(r, 500));
    await c.poll();
    expect(c.seen.filter((a) => a.text === 'Your order has shipped')).toHaveLength(1);
    expect(calls).toBe(2);
    expect((await gw.services.conversations.getMessage(String(m._id)))?.status).toBe('sent');
  });

  it('when the channel refuses for good, then the message is marked failed without retries', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const conversation = await gw.services.conversations.get(c.conversationId);
    permanent = true;
    calls = 0;
    try {
      const m = await gw.services.outbound.send(conversation, { author: 'system', text: 'never arrives' });
      const failed = await eventually(async () => {
        const got = await gw.services.conversations.getMessage(String(m._id));
        return got?.status === 'failed' ? got : undefined;
      });
      expect(failed.error).toMatch(/rejected by provider/);
      await new Promise((r) => setTimeout(r, 1500));
      expect(calls).toBe(1);
    } finally {
      permanent = false;
    }
  });
});
