import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

describe('handoff: a web chat customer reaches a person and back', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('handoff');
  });
  afterAll(async () => {
    await gw.close();
  });

  async function escalated(): Promise<{ customer: DirectLineTestClient; escalationId: string }> {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('what are your opening hours');
    await customer.waitForBot(/Monday to Saturday/);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const op = await gw.login(['supervisor']);
    const list = await gw.http.get('/api/escalations?status=queued').set('Authorization', `Bearer ${op.token}`).expect(200);
    const e = list.body.find((x: { conversationId: string }) => x.conversationId === customer.conversationId);
    return { customer, escalationId: e.id };
  }

  it('when a customer asks for a person, then the queue shows the escalation with its context', async () => {
    const { customer, escalationId } = await escalated();
    const op = await gw.login();
    const res = await gw.http.get('/api/escalations?status=queued').set('Authorization', `Bearer ${op.token}`).expect(200);
    const e = res.body.find((x: { id: string }) => x.id === escalationId);
    expect(e).toMatchObject({ conversationId: customer.conversationId, channel: 'webchat', status: 'queued', reason: expect.stringMatching(/person/) });
    expect(new Date(e.queuedAt).getTime()).toBeGreaterThan(0);
    const texts = e.context.lastMessages.map((m: { text: string }) => m.text);
    expect(texts).toEqual(expect.arrayContaining(['what are your opening hours', 'I want to talk to a person']));
    expect(e.context.faqAttempts[0]).toMatchObject({ question: 'what are your opening hours', entryId: 'shop-opening-hours', answered: true });
  });

  it('when 20 operators claim at once, then exactly one wins and the others get 409', async () => {
    const { escalationId } = await escalated();
    const ops = await Promise.all(Array.from({ length: 20 }, () => gw.login()));
    const results = await Promise.all(
      ops.map((o) => gw.http.post(`/api/escalations/${escalationId}/claim`).set('Authorization', `Bearer ${o.token}`)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winner = ops[results.findIndex((r) => r.status === 200)];
    const e = await gw.http.get(`/api/escalations/${escalationId}`).set('Authorization', `Bearer ${winner.token}`).expect(200);
    expect(e.body).toMatchObject({ status: 'assigned', operatorId: winner.id });
  });

  it('when an operator claims and replies, then the customer sees the reply; the bot stays silent until resolve', async () => {
    const { customer, escalationId } = await escalated();
    const op = await gw.login(['operator'], 'Ana');
    const auth = { Authorization: `Bearer ${op.token}` };
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth).expect(200);
    await customer.waitForBot(/Ana has joined/);

    await gw.http.post(`/api/conversations/${customer.conversationId}/messages`).set(auth).send({ text: 'Hi, this is Ana. How can I help?' }).expect(201);
    const reply = await customer.waitForBot(/this is Ana/);
    expect(reply.from.name).toBe('Ana');

    // While a person has the conversation, the customer's messages reach the operator, not the bot.
    const before = customer.seen.length;
    await customer.say('what are your opening hours');
    const conv = await eventually(async () => {
      const r = await gw.http.get(`/api/conversations/${customer.conversationId}`).set(auth).expect(200);
      return r.body.messages.filter((m: { text: string }) => m.text === 'what are your opening hours').length === 2 ? r.body : undefined;
    });
    expect(conv.mode).toBe('human');
    await new Promise((r) => setTimeout(r, 300));
    await customer.poll();
    expect(customer.seen.slice(before).filter((a) => a.from.role === 'bot')).toHaveLength(0);

    await gw.http.post(`/api/escalations/${escalationId}/resolve`).set(auth).send({ disposition: 'answered' }).expect(200);
    await customer.waitForBot(/closed this conversation/);
    await customer.say('how much is roaming');
    await customer.waitForBot(/roaming|Zone/i);
    const after = await gw.http.get(`/api/conversations/${customer.conversationId}`).set(auth).expect(200);
    expect(after.body.mode).toBe('bot');
  });

  it('when the same activity id arrives twice, then it is stored once and answered once', async () => {
    const customer = await DirectLineTestClient.start(gw.url);
    const first = await customer.say('what are your opening hours', { id: 'client-activity-1' });
    const second = await customer.say('what are your opening hours', { id: 'client-activity-1' });
    expect(second).toBe(first);
    await customer.waitForBot(/Monday to Saturday/);
    await new Promise((r) => setTimeout(r, 300));
    await customer.poll();
    expect(customer.seen.filter((a) => a.text === 'what are your opening hours')).toHaveLength(1);
    expect(customer.seen.filter((a) => /Monday to Saturday/.test(a.text))).toHaveLength(1);
  });

  it('when someone else holds the escalation, then replying, resolving and reading it are refused', async () => {
    const { customer, escalationId } = await escalated();
    const holder = await gw.login();
    const other = await gw.login();
    const marketer = await gw.login(['marketer']);
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set('Authorization', `Bearer ${holder.token}`).expect(200);
    await gw.http.post(`/api/conversations/${customer.conversationId}/messages`).set('Authorization', `Bearer ${other.token}`).send({ text: 'hi' }).expect(403);
    await gw.http.post(`/api/escalations/${escalationId}/resolve`).set('Authorization', `Bearer ${other.token}`).send({}).expect(403);
    await gw.http.get(`/api/conversations/${customer.conversationId}`).set('Authorization', `Bearer ${other.token}`).expect(403);
    await gw.http.get('/api/escalations').set('Authorization', `Bearer ${marketer.token}`).expect(403);
    await gw.http.get('/api/escalations').expect(401);
  });

  it('when an operator transfers to a colleague, then the colleague may reply and the first may not', async () => {
    const { customer, escalationId } = await escalated();
    const first = await gw.login();
    const second = await gw.login(['operator'], 'Besnik');
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set('Authorization', `Bearer ${first.token}`).expect(200);
    const t = await gw.http
      .post(`/api/escalations/${escalationId}/transfer`)
      .set('Authorization', `Bearer ${first.token}`)
      .send({ operatorId: second.id, note: 'billing question' })
      .expect(200);
    expect(t.body).toMatchObject({ status: 'assigned', operatorId: second.id });
    await gw.http.post(`/api/conversations/${customer.conversationId}/messages`).set('Authorization', `Bearer ${first.token}`).send({ text: 'x' }).expect(403);
    await gw.http.post(`/api/conversations/${customer.conversationId}/messages`).set('Authorization', `Bearer ${second.token}`).send({ text: 'Besnik here' }).expect(201);
    await customer.waitForBot(/Besnik here/);
  });
});
