import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const NO_SUCH_ID = '0123456789abcdef01234567';

describe('handoff: transferring a conversation to a colleague or a queue', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('transfer');
  });
  afterAll(async () => {
    await gw.close();
  });

  /** A web chat customer in the queue, claimed by a fresh operator. */
  async function claimed(holderName = 'Ana') {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const holder = await gw.login(['operator'], holderName);
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth(holder.token)).expect(200);
    const escalationId: string = queue.body.find((x: { conversationId: string }) => x.conversationId === customer.conversationId).id;
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(holder.token)).expect(200);
    return { customer, holder, escalationId };
  }

  it('when the holder asks whom to hand on to, then active colleagues (with presence and skills) and the staffed queues are offered', async () => {
    const { holder, escalationId } = await claimed();
    const ben = await gw.login(['operator'], 'Besnik');
    const sup = await gw.login(['supervisor'], 'Drita');
    const marketer = await gw.login(['marketer'], 'Mira');
    const res = await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).set(auth(holder.token)).expect(200);

    const ids = res.body.operators.map((o: { id: string }) => o.id);
    expect(ids).toEqual(expect.arrayContaining([ben.id, sup.id]));
    expect(ids).not.toContain(holder.id);
    expect(ids).not.toContain(marketer.id);
    expect(res.body.operators.find((o: { id: string }) => o.id === ben.id)).toEqual({ id: ben.id, name: 'Besnik', presence: 'offline', skills: [] });
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|@test\.example/);
    const queues = res.body.queues.map((q: { name: string }) => q.name);
    expect(queues.slice(0, 5)).toEqual(['general', 'billing', 'technical', 'sales', 'complaints']);
    expect(res.body.queues[0]).toEqual({ name: 'general', waiting: expect.any(Number) });
  });

  it('when an operator hands on to a colleague with a note, then it leaves their list, the colleague has it with the note, and the customer can be answered by the colleague', async () => {
    const { customer, holder, escalationId } = await claimed('Ana');
    const ben = await gw.login(['operator'], 'Besnik');
    const t = await gw.http
      .post(`/api/escalations/${escalationId}/transfer`)
      .set(auth(holder.token))
      .send({ operatorId: ben.id, note: '  Wants a refund on invoice 1234  ' })
      .expect(200);
    expect(t.body).toMatchObject({ status: 'assigned', operatorId: ben.id });
    expect(t.body.transfers).toEqual([
      { from: holder.id, fromName: 'Ana', toOperator: ben.id, toName: 'Besnik', toQueue: '', at: expect.any(String), note: 'Wants a refund on invoice 1234' },
    ]);

    const anaMine = await gw.http.get('/api/escalations?status=assigned&mine=true').set(auth(holder.token)).expect(200);
    expect(anaMine.body.map((e: { id: string }) => e.id)).not.toContain(escalationId);
    const benMine = await gw.http.get('/api/escalations?status=assigned&mine=true').set(auth(ben.token)).expect(200);
    expect(benMine.body.find((e: { id: string }) => e.id === escalationId).transfers[0].note).toBe('Wants a refund on invoice 1234');
    const conv = await gw.http.get(`/api/conversations/${customer.conversationId}`).set(auth(ben.token)).expect(200);
    expect(conv.body.escalation.transfers[0]).toMatchObject({ fromName: 'Ana', note: 'Wants a refund on invoice 1234' });

    // The one who handed it on may no longer act on it.
    await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(holder.token)).send({ queue: 'general' }).expect(403);
    await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).set(auth(holder.token)).expect(403);
    await gw.http.post(`/api/conversations/${customer.conversationId}/messages`).set(auth(ben.token)).send({ text: 'Besnik here, about that refund' }).expect(201);
    await customer.waitForBot(/Besnik here/);
  });

  it('when an operator hands on to a queue, then everyone sees it queued there with the note, and it can be claimed again', async () => {
    const { holder, escalationId } = await claimed('Ana');
    const t = await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(holder.token)).send({ queue: 'billing', note: 'billing question' }).expect(200);
    expect(t.body).toMatchObject({ status: 'queued', queue: 'billing', operatorId: null });

    const other = await gw.login(['operator'], 'Besnik');
    const queue = await gw.http.get('/api/escalations?status=queued&queue=billing').set(auth(other.token)).expect(200);
    const e = queue.body.find((x: { id: string }) => x.id === escalationId);
    expect(e.transfers[0]).toMatchObject({ fromName: 'Ana', toQueue: 'billing', note: 'billing question' });
    const reclaimed = await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(other.token)).expect(200);
    expect(reclaimed.body.operatorId).toBe(other.id);
  });

  it('when someone other than the holder (or a supervisor) asks, then transfer and its targets are refused', async () => {
    const { escalationId } = await claimed();
    const other = await gw.login(['operator']);
    const marketer = await gw.login(['marketer']);
    const ben = await gw.login(['operator'], 'Besnik');
    await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).set(auth(other.token)).expect(403);
    await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(other.token)).send({ operatorId: ben.id }).expect(403);
    await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).set(auth(marketer.token)).expect(403);
    await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(marketer.token)).send({ queue: 'general' }).expect(403);
    await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).expect(401);

    // A supervisor may move anyone's conversation.
    const sup = await gw.login(['supervisor'], 'Drita');
    await gw.http.get(`/api/escalations/${escalationId}/transfer-targets`).set(auth(sup.token)).expect(200);
    const t = await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(sup.token)).send({ operatorId: ben.id, note: 'covering for a break' }).expect(200);
    expect(t.body.transfers[0]).toMatchObject({ fromName: 'Drita', toName: 'Besnik' });
  });

  it('when the escalation or the colleague does not exist, then 404; when it is still queued, then 409', async () => {
    const { holder } = await claimed();
    await gw.http.get(`/api/escalations/${NO_SUCH_ID}/transfer-targets`).set(auth(holder.token)).expect(404);
    await gw.http.get('/api/escalations/not-an-id/transfer-targets').set(auth(holder.token)).expect(404);
    await gw.http.post(`/api/escalations/${NO_SUCH_ID}/transfer`).set(auth(holder.token)).send({ queue: 'general' }).expect(404);

    const { escalationId } = await claimed();
    const sup = await gw.login(['supervisor']);
    const res = await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(sup.token)).send({ operatorId: NO_SUCH_ID }).expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/operator not found/);

    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/number \d+ in the queue/);
    const queued = await gw.http.get('/api/escalations?status=queued').set(auth(sup.token)).expect(200);
    const q = queued.body.find((x: { conversationId: string }) => x.conversationId === customer.conversationId);
    await gw.http.get(`/api/escalations/${q.id}/transfer-targets`).set(auth(sup.token)).expect(409);
  });

  it('when the body is wrong, then 400 says why and nothing changes hands', async () => {
    const { holder, escalationId } = await claimed();
    const ben = await gw.login(['operator'], 'Besnik');
    const marketer = await gw.login(['marketer']);
    const bad = async (body: unknown, why: RegExp) => {
      const res = await gw.http.post(`/api/escalations/${escalationId}/transfer`).set(auth(holder.token)).send(body as object).expect(400);
      expect(JSON.stringify(res.body)).toMatch(why);
    };
    await bad({}, /either operatorId or queue/);
    await bad({ operatorId: ben.id, queue: 'billing' }, /either operatorId or queue/);
    await bad({ operatorId: 'nope' }, /not a valid id/);
    await bad({ queue: 'billing', note: 'x'.repeat(1001) }, /note/);
    await bad({ queue: '   ' }, /queue/);
    await bad({ operatorId: marketer.id }, /cannot take conversations/);
    await bad({ operatorId: holder.id }, /already assigned to that operator/);

    const e = await gw.http.get(`/api/escalations/${escalationId}`).set(auth(holder.token)).expect(200);
    expect(e.body).toMatchObject({ status: 'assigned', operatorId: holder.id, transfers: [] });
  });
});
