import { startGateway, Gateway } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';

describe('cases API: orders, complaints and requests for operators and supervisors', () => {
  let gw: Gateway;
  let supervisor: { token: string };
  beforeAll(async () => {
    gw = await startGateway('cases');
    supervisor = await gw.login(['supervisor'], 'Sara');
  });
  afterAll(async () => {
    await gw.close();
  });

  const auth = (t: { token: string }) => ({ Authorization: `Bearer ${t.token}` });

  /** A web chat customer waiting in the queue: every operator can see the conversation. */
  async function queuedConversation(): Promise<{ conversationId: string; escalationId: string }> {
    const customer = await DirectLineTestClient.start(gw.url);
    await customer.say('I want to talk to a person');
    await customer.waitForBot(/in the queue/);
    const list = await gw.http.get('/api/escalations?status=queued').set(auth(supervisor)).expect(200);
    const e = list.body.find((x: { conversationId: string }) => x.conversationId === customer.conversationId);
    return { conversationId: customer.conversationId, escalationId: e.id };
  }

  it('when an operator registers a case for a conversation in the queue, then it gets a short number and a first history entry', async () => {
    const { conversationId } = await queuedConversation();
    const op = await gw.login(['operator'], 'Ana');
    const res = await gw.http
      .post('/api/cases')
      .set(auth(op))
      .send({ type: 'request', summary: 'Customer wants a paper bill', fields: { bill_format: 'paper', copies: 2 }, conversationId })
      .expect(201);
    expect(res.body).toMatchObject({
      type: 'request',
      status: 'new',
      source: 'operator',
      conversationId,
      channel: 'webchat',
      fields: { bill_format: 'paper', copies: 2 },
      history: [{ status: 'new', by: op.id, byName: 'Ana' }],
    });
    expect(res.body.number).toBeGreaterThan(1000);
    const byNumber = await gw.http.get(`/api/cases/${res.body.number}`).set(auth(op)).expect(200);
    expect(byNumber.body.id).toBe(res.body.id);
    const listed = await gw.http.get(`/api/conversations/${conversationId}/cases`).set(auth(op)).expect(200);
    expect(listed.body.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });

  it('when ten cases are created at once, then each gets its own number', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gw.http.post('/api/cases').set(auth(supervisor)).send({ type: 'order', summary: `order ${i}` })),
    );
    expect(results.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([]);
    const numbers = results.map((r) => r.body.number as number);
    expect(new Set(numbers).size).toBe(10);
    expect(Math.min(...numbers)).toBeGreaterThan(1000);
  });

  it('when an operator moves a case on, then the history records who, when and why; repeating a status or reopening a closed case is refused', async () => {
    const op = await gw.login(['operator'], 'Besnik');
    const created = await gw.http.post('/api/cases').set(auth(op)).send({ type: 'complaint', summary: 'Router replaced twice' }).expect(201);
    const id = created.body.id;
    const moved = await gw.http.patch(`/api/cases/${id}`).set(auth(op)).send({ status: 'in_progress', note: 'technician booked' }).expect(200);
    expect(moved.body.status).toBe('in_progress');
    expect(moved.body.history).toEqual([
      expect.objectContaining({ status: 'new' }),
      expect.objectContaining({ status: 'in_progress', by: op.id, byName: 'Besnik', note: 'technician booked', at: expect.any(String) }),
    ]);
    await gw.http.patch(`/api/cases/${id}`).set(auth(op)).send({ status: 'in_progress' }).expect(409);
    await gw.http.patch(`/api/cases/${id}`).set(auth(op)).send({ status: 'closed' }).expect(200);
    await gw.http.patch(`/api/cases/${id}`).set(auth(op)).send({ status: 'in_progress' }).expect(409);
    await gw.http.patch(`/api/cases/${id}`).set(auth(op)).send({ status: 'lost' }).expect(400);
  });

  it('when cases are listed, then filters apply and an operator sees only cases of conversations they can see', async () => {
    const mine = await queuedConversation();
    const theirs = await queuedConversation();
    const holder = await gw.login(['operator'], 'Holder');
    const other = await gw.login(['operator'], 'Other');
    const a = await gw.http.post('/api/cases').set(auth(holder)).send({ type: 'complaint', summary: 'A', conversationId: mine.conversationId }).expect(201);
    const b = await gw.http.post('/api/cases').set(auth(holder)).send({ type: 'order', summary: 'B', conversationId: theirs.conversationId }).expect(201);
    // Once claimed, the conversation is the holder's: the other operator no longer sees it or its cases.
    await gw.http.post(`/api/escalations/${mine.escalationId}/claim`).set(auth(holder)).expect(200);
    const seenByOther = await gw.http.get('/api/cases?limit=500').set(auth(other)).expect(200);
    const ids = seenByOther.body.map((c: { id: string }) => c.id);
    expect(ids).toContain(b.body.id);
    expect(ids).not.toContain(a.body.id);
    await gw.http.get(`/api/cases/${a.body.id}`).set(auth(other)).expect(403);
    await gw.http.patch(`/api/cases/${a.body.id}`).set(auth(other)).send({ status: 'resolved' }).expect(403);
    await gw.http.get(`/api/conversations/${mine.conversationId}/cases`).set(auth(other)).expect(403);
    await gw.http.get(`/api/cases/${a.body.id}`).set(auth(holder)).expect(200);
    await gw.http.get(`/api/cases/${a.body.id}`).set(auth(supervisor)).expect(200);

    const complaints = await gw.http.get(`/api/cases?type=complaint&conversationId=${mine.conversationId}`).set(auth(supervisor)).expect(200);
    expect(complaints.body.map((c: { id: string }) => c.id)).toEqual([a.body.id]);
    const none = await gw.http.get(`/api/cases?type=order&conversationId=${mine.conversationId}`).set(auth(supervisor)).expect(200);
    expect(none.body).toEqual([]);
    const byNumber = await gw.http.get(`/api/cases?number=${b.body.number}`).set(auth(supervisor)).expect(200);
    expect(byNumber.body).toHaveLength(1);
  });

  it('when an operator names a conversation they cannot see, or unsafe field names, then the case is refused', async () => {
    const { conversationId, escalationId } = await queuedConversation();
    const holder = await gw.login();
    const other = await gw.login();
    await gw.http.post(`/api/escalations/${escalationId}/claim`).set(auth(holder)).expect(200);
    await gw.http.post('/api/cases').set(auth(other)).send({ type: 'order', summary: 'x', conversationId }).expect(403);
    await gw.http.post('/api/cases').set(auth(holder)).send({ type: 'order', summary: 'x', fields: { 'a.b': 1 } }).expect(400);
    await gw.http.post('/api/cases').set(auth(holder)).send({ type: 'order', summary: 'x', fields: { $where: 1 } }).expect(400);
    await gw.http.post('/api/cases').set(auth(holder)).send({ type: 'refund', summary: 'x' }).expect(400);
  });

  it('when a marketer or an anonymous caller asks, then cases are not shown', async () => {
    const marketer = await gw.login(['marketer']);
    await gw.http.get('/api/cases').set(auth(marketer)).expect(403);
    await gw.http.post('/api/cases').set(auth(marketer)).send({ type: 'order', summary: 'x' }).expect(403);
    await gw.http.get('/api/cases').expect(401);
    await gw.http.get('/api/cases/99999999').set(auth(supervisor)).expect(404);
    await gw.http.get('/api/reports/satisfaction').set(auth(await gw.login(['operator']))).expect(403);
  });
});
