import { casesDb, demoEngine, loadDemo, TestClock } from './helpers';
import { sentimentScore } from '../../src/flows/sentiment';

describe('flows: global intents and escalation triggers', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowintents');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  /** A customer half-way through an order: product and name given, asked for a phone number. */
  async function midOrder(lang = 'en') {
    const c = bot.client({ lang });
    await c.start();
    await c.send('3');
    await c.send('1');
    await c.send('2');
    await c.send('Ana Hoxha');
    return c;
  }

  it('when the customer asks for a person in the middle of an order, then the escalation carries what was collected and the path', async () => {
    const c = await midOrder();
    const r = await c.send('I want to talk to a person');
    expect(r.handoff).toMatchObject({
      queue: 'general',
      trigger: 'request',
      priority: 0,
      reason: 'customer asked for a person',
      slots: { product: 'vala_smart', full_name: 'Ana Hoxha', order_kind: 'new' },
    });
    expect(r.handoff?.path).toEqual(expect.arrayContaining(['main.menu', 'main.orders', 'order.product', 'main.to_person']));
  });

  it('when the customer says "operator", "0" or "fol me nje person" at any question, then they are handed over', async () => {
    for (const [said, lang] of [['operator', 'en'], ['0', 'en'], ['fol me nje person', 'sq'], ['Operatori', 'sq']]) {
      const c = await midOrder(lang);
      expect((await c.send(said)).handoff).toMatchObject({ trigger: 'request' });
    }
  });

  it('when the customer says "menu" deep in a sub-flow, then the main menu comes back and the sub-flow is left', async () => {
    const c = await midOrder();
    const r = await c.send('main menu');
    expect(r.text).toMatch(/How can I help you today\? Choose a topic/);
    expect(c.state?.stack).toEqual([]);
    expect((await c.send('2')).text).toMatch(/Technical support/);
  });

  it('when the customer says "repeat", then the last thing said is said again and the flow stays where it was', async () => {
    const c = await midOrder();
    const r = await c.send('repeat');
    expect(r.text).toBe('Which phone number can we reach you on?');
    expect((await c.send('0691234567')).text).toMatch(/delivery address/);
    const sq = await midOrder('sq');
    expect((await sq.send('perserite')).text).toBe("Në cilin numër telefoni mund t'ju kontaktojmë?");
  });

  it('when the customer says "back", then the previous question is asked again', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    const back = await c.send('back');
    expect(back.text).toMatch(/How can I help you today/);
    const order = await midOrder();
    expect((await order.send('go back')).text).toMatch(/full name/);
    expect((await order.send('Ana Hoxhaj')).text).toMatch(/phone number/);
    const fresh = bot.client();
    await fresh.start();
    expect((await fresh.send('back')).texts[0]).toMatch(/no earlier step/);
  });

  it('when the customer says "stop", then the conversation winds up with the satisfaction question', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    expect((await c.send('stop')).text).toMatch(/how satisfied are you/);
    const sq = bot.client({ lang: 'sq' });
    await sq.start();
    expect((await sq.send('ndalo')).text).toMatch(/sa të kënaqur jeni/);
  });

  it('when the customer is clearly frustrated, then the bot apologises and hands over with priority, recording the sentiment trigger', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    const r = await c.send('this is useless, I am fed up with you!!');
    expect(r.texts[0]).toMatch(/sorry this has been frustrating/);
    expect(r.handoff).toMatchObject({ trigger: 'sentiment', priority: 2, reason: 'the customer is upset' });
    const sq = bot.client({ lang: 'sq' });
    await sq.start();
    expect((await sq.send('jeni skandal, jam merzitur me ju')).handoff).toMatchObject({ trigger: 'sentiment' });
  });

  it('when an angry sentence is the answer to a free-text question, then it is taken as the answer, not as a reason to escalate', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    await c.send('1');
    await c.send('Rruga e Kavajes 3');
    const r = await c.send('useless service, no internet for three days, this is ridiculous');
    expect(r.handoff).toBeUndefined();
    expect(r.text).toMatch(/registered your report/);
  });

  it('when a mild complaint is typed, then the bot does not take it for frustration', () => {
    expect(sentimentScore('my internet is slow')).toBe(0);
    expect(sentimentScore('the bill is a bit bad')).toBeGreaterThan(-2);
    expect(sentimentScore('This is USELESS and RIDICULOUS!!')).toBeLessThanOrEqual(-4);
  });

  it('when a complaint topic comes up in free text, then the complaint intake starts', async () => {
    const c = bot.client({ lang: 'sq' });
    await c.start();
    expect((await c.send('dua te bej nje ankese per faturen')).text).toMatch(/më tregoni me pak fjali çfarë shkoi keq/);
  });

  it('when the customer gives no valid phone number three times, then they are handed to a person with the retries trigger', async () => {
    const c = await midOrder();
    await c.send('no idea');
    await c.send('still no idea');
    const r = await c.send('nope');
    expect(r.handoff).toMatchObject({ trigger: 'retries', priority: 1 });
  });
});
