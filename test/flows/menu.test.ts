import { casesDb, demoEngine, loadDemo, TestClock } from './helpers';

describe('flows: the main menu, in English and Albanian', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowmenu');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  it('when a conversation starts, then the bot greets and offers the five topics', async () => {
    const c = bot.client();
    const r = await c.start();
    expect(r.texts[0]).toMatch(/Vala Telecom virtual assistant/);
    expect(r.choices).toEqual(['Billing', 'Technical support', 'New orders and plan changes', 'Questions', 'Talk to a person']);
    expect(r.steps[1]).toMatchObject({ type: 'ask', choices: [{ digit: '1' }, { digit: '2' }, { digit: '3' }, { digit: '4' }, { digit: '0' }] });
  });

  it('when the customer sends "2", then the support menu follows', async () => {
    const c = bot.client();
    await c.start();
    const r = await c.send('2');
    expect(r.text).toMatch(/Technical support: what's the problem/);
    expect(r.choices).toContain('Slow internet');
  });

  it('when the customer presses a button, types a keyword or says "press one", then the same topic opens', async () => {
    for (const said of ['Billing', 'billing', 'press 1', 'one']) {
      const c = bot.client();
      await c.start();
      expect((await c.send(said)).text).toMatch(/Billing: what do you need/);
    }
  });

  it('when the customer types a question instead of a digit, then the FAQ answers it and the menu stays open', async () => {
    const c = bot.client();
    await c.start();
    const r = await c.send('how much does roaming cost in Italy');
    expect(r.text).toMatch(/roaming|Zone/i);
    expect((await c.send('3')).text).toMatch(/New orders and plan changes: what would you like/);
  });

  it('when the customer mentions a problem in a sentence, then the matching topic opens', async () => {
    const c = bot.client();
    await c.start();
    expect((await c.send('hi, I have no internet since this morning')).text).toMatch(/Technical support/);
  });

  it('when the customer picks a known answer from a submenu, then the knowledge base answers it', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    const r = await c.send('2');
    expect(r.text).toMatch(/speed|router|slow/i);
    expect(r.text).toMatch(/anything else/);
  });

  it('when the conversation is in Albanian, then the menu and its choices are in Albanian and digits work the same', async () => {
    const c = bot.client({ lang: 'sq' });
    const r = await c.start();
    expect(r.texts[0]).toMatch(/Përshëndetje/);
    expect(r.choices).toEqual(['Faturimi', 'Asistenca teknike', 'Porosi të reja dhe ndryshim pakete', 'Pyetje', 'Fol me një person']);
    expect((await c.send('2')).text).toMatch(/Asistenca teknike: cili është problemi/);
    expect((await c.send('mbrapa')).text).toMatch(/Si mund t'ju ndihmoj sot/);
    expect((await c.send('fatura')).text).toMatch(/Faturimi: për çfarë keni nevojë/);
  });

  it('when the customer answers a yes/no question with neither, then it is asked again, and after the retries the flow moves on', async () => {
    const c = bot.client();
    await c.start();
    await c.send('3');
    await c.send('1');
    await c.send('2');
    await c.send('Ana Hoxha');
    await c.send('069 123 4567');
    expect((await c.send('Rruga e Durresit 10, Tirane')).text).toMatch(/Shall I place the order/);
    const again = await c.send('maybe');
    expect(again.texts[0]).toMatch(/Please answer yes or no/);
    expect(again.text).toMatch(/Shall I place the order/);
    await c.send('perhaps');
    const gaveUp = await c.send('hmm');
    expect(gaveUp.text).toMatch(/haven't placed any order/);
    expect(await db.cases.forConversation(c.conversation._id)).toHaveLength(0);
  });
});
