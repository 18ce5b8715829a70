import { casesDb, demoEngine, loadDemo, TestClock } from './helpers';

describe('flows: order intake', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('floworder');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  async function toOrder(lang = 'en') {
    const c = bot.client({ lang });
    await c.start();
    await c.send('3');
    return c;
  }

  it('when the customer orders, then product, name, contact and address are read back and an order case is created', async () => {
    const c = await toOrder();
    const product = await c.send('1');
    expect(product.text).toMatch(/Which product would you like/);
    expect(product.choices).toContain('Vala Smart (€14.99/month)');
    expect((await c.send('vala smart')).text).toMatch(/full name/);
    expect((await c.send('Ana Hoxha')).text).toMatch(/phone number/);
    expect((await c.send('my number is 069 123 4567')).text).toMatch(/delivery address/);
    const readBack = await c.send('Rruga e Durresit 10, Tirane');
    expect(readBack.text).toBe(
      'Let me read that back: Vala Smart (€14.99/month) for Ana Hoxha, phone 0691234567, delivered to Rruga e Durresit 10, Tirane. Shall I place the order?',
    );
    expect(readBack.choices).toEqual(['Yes', 'No']);
    const placed = await c.send('yes please');
    const [order] = await db.cases.forConversation(c.conversation._id);
    expect(placed.text).toMatch(new RegExp(`Your order is placed. Its number is ${order.number}`));
    expect(order).toMatchObject({
      type: 'order',
      status: 'new',
      source: 'bot',
      fields: { order_kind: 'new', product: 'vala_smart', full_name: 'Ana Hoxha', contact_phone: '0691234567', delivery_address: 'Rruga e Durresit 10, Tirane' },
    });
    expect(order.number).toBeGreaterThan(1000);
    expect(order.summary).toMatch(/Vala Smart .* for Ana Hoxha/);
    expect(placed.text).toMatch(/anything else/);
  });

  it('when the phone number is not one, then it is asked again with an example', async () => {
    const c = await toOrder();
    await c.send('1');
    await c.send('2');
    await c.send('Ana Hoxha');
    const again = await c.send('call me maybe');
    expect(again.texts[0]).toMatch(/doesn't look like a phone number/);
    expect(again.steps[1]).toMatchObject({ type: 'collect', slot: 'contact_phone', kind: 'phone', sensitive: false });
    expect((await c.send('+355 69 123 4567')).text).toMatch(/delivery address/);
  });

  it('when the customer says no to the read-back, then they can start again or cancel, and cancelling creates nothing', async () => {
    const c = await toOrder();
    for (const said of ['1', '5', 'Besa Krasniqi', '0681112233', 'Rruga Myslym Shyri 5']) await c.send(said);
    expect((await c.send('no')).text).toMatch(/start the order again or cancel/);
    expect((await c.send('Start again')).text).toMatch(/Which product/);
    for (const said of ['4', 'Besa Krasniqi', '0681112233', 'Rruga Myslym Shyri 5']) await c.send(said);
    await c.send('no');
    expect((await c.send('cancel it')).text).toMatch(/haven't placed any order/);
    expect(await db.cases.forConversation(c.conversation._id)).toHaveLength(0);
  });

  it('when the customer says stop in the middle of an order, then the order is dropped, not the conversation', async () => {
    const c = await toOrder();
    await c.send('1');
    await c.send('1');
    const r = await c.send('stop');
    expect(r.text).toMatch(/haven't placed any order/);
    expect(r.text).toMatch(/anything else/);
  });

  it('when the customer changes plan, then the order case says it is a plan change', async () => {
    const c = await toOrder();
    await c.send('2');
    for (const said of ['3', 'Dritan Leka', '0691112222', 'Rruga e Kavajes 3']) await c.send(said);
    await c.send('po');
    const [order] = await db.cases.forConversation(c.conversation._id);
    expect(order.fields).toMatchObject({ order_kind: 'plan_change', product: 'vala_max' });
  });

  it('when the order is taken in Albanian, then every question and the read-back are in Albanian', async () => {
    const c = await toOrder('sq');
    expect((await c.send('1')).text).toMatch(/Cilin produkt dëshironi/);
    expect((await c.send('fibra')).text).toMatch(/Për kë është porosia/);
    expect((await c.send('Arta Gashi')).text).toMatch(/Në cilin numër telefoni/);
    expect((await c.send('numri jo')).texts[0]).toMatch(/nuk duket si numër telefoni/);
    expect((await c.send('0692223333')).text).toMatch(/adresa e dorëzimit/);
    expect((await c.send('Rruga e Elbasanit 7')).text).toBe(
      'Po jua lexoj: Internet me fibër në shtëpi për Arta Gashi, telefon 0692223333, dorëzim në Rruga e Elbasanit 7. Ta konfirmoj porosinë?',
    );
    const placed = await c.send('po');
    expect(placed.text).toMatch(/Porosia juaj u regjistrua me numrin \d{4}/);
    const [order] = await db.cases.forConversation(c.conversation._id);
    expect(order).toMatchObject({ type: 'order', language: 'sq', fields: { product: 'fibre', product_label: 'Internet me fibër në shtëpi' } });
  });
});

describe('flows: outage report', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowoutage');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  it('when the customer reports an outage, then address and symptoms are taken and a complaint case is registered', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    expect((await c.send('1')).text).toMatch(/At which address is the service down/);
    expect((await c.send('Rruga Sami Frasheri 12, Tirane')).text).toMatch(/What exactly isn't working/);
    const done = await c.send('no internet at all, the router light is red');
    const [report] = await db.cases.forConversation(c.conversation._id);
    expect(done.text).toMatch(new RegExp(`registered your report as number ${report.number}`));
    expect(report).toMatchObject({
      type: 'complaint',
      fields: { complaint_category: 'outage', outage_address: 'Rruga Sami Frasheri 12, Tirane', symptoms: 'no internet at all, the router light is red' },
      summary: 'Outage at Rruga Sami Frasheri 12, Tirane: no internet at all, the router light is red',
    });
  });

  it('when an empty answer comes for the address, then it is asked again', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    await c.send('1');
    const again = await c.send('   ');
    expect(again.texts[0]).toMatch(/short text answer/);
    expect(again.text).toMatch(/At which address/);
  });

  it('when the report is made in Albanian, then it is registered with Albanian texts', async () => {
    const c = bot.client({ lang: 'sq' });
    await c.start();
    await c.send('2');
    expect((await c.send('1')).text).toMatch(/Në cilën adresë nuk punon shërbimi/);
    expect((await c.send('Lagjja 5, Durrës')).text).toMatch(/Çfarë saktësisht nuk punon/);
    expect((await c.send('nuk ka internet')).text).toMatch(/E regjistrova raportimin tuaj me numrin \d{4}/);
  });
});
