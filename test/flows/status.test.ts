import { casesDb, demoEngine, loadDemo, TestClock } from './helpers';

describe('flows: case status lookup, complaints and the satisfaction question', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowstatus');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  async function customerWithOrder(lang = 'en') {
    const c = bot.client({ lang });
    const order = await db.cases.create({ type: 'order', source: 'bot', conversationId: c.conversation._id, customerId: c.conversation.customerId, fields: { product: 'tv' } });
    await c.start();
    return { c, order };
  }

  it('when the customer asks "where is my order N" for their own order, then the bot tells its status', async () => {
    const { c, order } = await customerWithOrder();
    await db.cases.changeStatus(String(order._id), { status: 'shipped' }, { operatorId: '64b000000000000000000001', name: 'Ana' });
    const r = await c.send(`where is my order ${order.number}`);
    expect(r.texts[0]).toMatch(new RegExp(`^Order ${order.number} is on its way to you \\(last updated on \\d{4}-\\d\\d-\\d\\d\\)\\.$`));
    expect(r.text).toMatch(/anything else/);
  });

  it('when the number is not in the question, then the bot asks for it and re-asks on something that is not a number', async () => {
    const { c, order } = await customerWithOrder();
    await c.send('3');
    expect((await c.send('3')).text).toMatch(/What is the number of your order or case/);
    expect((await c.send('the one from Monday')).texts[0]).toMatch(/three or more digits/);
    expect((await c.send(`#${order.number}`)).text).toMatch(new RegExp(`Order ${order.number} is received and waiting`));
  });

  it('when the number belongs to another customer, then it is not found, and the customer may try again or give up', async () => {
    const { order } = await customerWithOrder();
    const stranger = bot.client();
    await stranger.start();
    const r = await stranger.send(`where is my order ${order.number}`);
    expect(r.texts[0]).toBe(`I can't find an order or case with the number ${order.number} for you.`);
    expect(r.choices).toEqual(['Try another number', 'No']);
    expect((await stranger.send('no')).text).toMatch(/My Vala app/);
  });

  it('when the status is asked in Albanian, then the answer is in Albanian', async () => {
    const { c, order } = await customerWithOrder('sq');
    const r = await c.send(`ku eshte porosia ime ${order.number}`);
    expect(r.texts[0]).toMatch(new RegExp(`^Porosia ${order.number} është e marrë dhe në pritje të përpunimit`));
  });

  it('when the customer files a complaint in the complaints team hours, then a case is registered and a colleague takes over', async () => {
    clock.now = new Date('2025-03-11T10:00:00+01:00');
    const c = bot.client();
    await c.start();
    expect((await c.send('I want to file a complaint about my contract')).text).toMatch(/what went wrong/);
    const r = await c.send('You charged me for a phone I returned, this is ridiculous');
    const [complaint] = await db.cases.forConversation(c.conversation._id);
    expect(complaint).toMatchObject({ type: 'complaint', fields: { complaint_category: 'general', complaint_text: 'You charged me for a phone I returned, this is ridiculous' } });
    expect(r.text).toMatch(new RegExp(`registered your complaint as number ${complaint.number}`));
    expect(r.handoff).toMatchObject({ queue: 'complaints', trigger: 'complaint', priority: 1, text: expect.stringContaining('number {position} in the queue') });
  });

  it('when the complaint comes at the weekend, then it is registered and the customer is told when to expect an answer', async () => {
    clock.now = new Date('2025-03-15T11:00:00+01:00');
    const c = bot.client();
    await c.start();
    await c.send('1');
    await c.send('3');
    const r = await c.send('I was charged twice for roaming');
    expect(r.handoff).toBeUndefined();
    expect(r.text).toMatch(/complaints team will contact you within one working day/);
    const [complaint] = await db.cases.forConversation(c.conversation._id);
    expect(complaint.fields).toMatchObject({ complaint_category: 'billing' });
  });

  it('when the customer says goodbye, then the satisfaction question comes, the score is stored and the conversation ends', async () => {
    const c = bot.client();
    await c.start();
    const q = await c.send('bye');
    expect(q.text).toMatch(/how satisfied are you/);
    expect(q.choices).toEqual(['1 – not at all', '2', '3', '4', '5 – very satisfied']);
    const r = await c.send('4');
    expect(r.texts).toEqual(['Thank you for your feedback!', 'Thank you for contacting Vala Telecom. Goodbye!']);
    expect(r.ended).toBe(true);
    expect(await db.cases.satisfactionReport()).toMatchObject({ byScore: { '4': 1 } });
    expect((await c.send('hello again')).text).toMatch(/Could you put it another way|How can I help/);
  });

  it('when the customer answers the satisfaction question badly twice or says stop, then it is skipped and nothing is stored', async () => {
    const before = (await db.cases.satisfactionReport()).count;
    const c = bot.client({ lang: 'sq' });
    await c.start();
    await c.send('jo, kaq ishte');
    expect((await c.send('ndoshta')).text).toMatch(/me një numër nga 1 deri në 5/);
    expect((await c.send('nuk e di')).text).toMatch(/Mirupafshim/);
    const other = bot.client();
    await other.start();
    await other.send('that is all');
    const skipped = await other.send('stop');
    expect(skipped.text).toMatch(/Goodbye/);
    expect((await db.cases.satisfactionReport()).count).toBe(before);
  });
});
