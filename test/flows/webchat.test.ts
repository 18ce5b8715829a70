import { startGateway, Gateway } from '../helpers/gateway';
import { TestClock, tirana } from './helpers';
import { WebChatConversation } from './webchat-client';

describe('flows end to end over web chat', () => {
  const clock = new TestClock(tirana('2025-03-11 10:00'));
  let gw: Gateway;
  let supervisor: { token: string };
  beforeAll(async () => {
    gw = await startGateway('flowweb', { services: { clock: clock.read } });
    supervisor = await gw.login(['supervisor']);
  });
  afterAll(async () => {
    await gw.close();
  });
  const auth = () => ({ Authorization: `Bearer ${supervisor.token}` });

  it('when the customer sends "2", then the support menu comes back as buttons', async () => {
    const { chat, greeting } = await WebChatConversation.open(gw.url);
    expect(greeting.choices).toEqual(['Billing', 'Technical support', 'New orders and plan changes', 'Questions', 'Talk to a person']);
    const r = await chat.send('2');
    expect(r.text).toMatch(/Technical support: what's the problem/);
    expect(r.choices).toEqual(['No internet or no service', 'Slow internet', 'Wi-Fi or router', 'Talk to a technician']);
  });

  it('when a customer places an order by web chat, then the order case is listed beside the conversation', async () => {
    const { chat } = await WebChatConversation.open(gw.url);
    await chat.send('3');
    await chat.send('Place a new order');
    await chat.send('Vala Max (€24.99/month)');
    await chat.send('Ana Hoxha');
    await chat.send('0691234567');
    expect((await chat.send('Rruga e Durresit 10')).text).toMatch(/Vala Max \(€24.99\/month\) for Ana Hoxha, phone 0691234567, delivered to Rruga e Durresit 10/);
    const placed = await chat.send('Yes');
    const cases = await gw.http.get(`/api/conversations/${chat.conversationId}/cases`).set(auth()).expect(200);
    expect(cases.body).toEqual([expect.objectContaining({ type: 'order', channel: 'webchat', source: 'bot', fields: expect.objectContaining({ product: 'vala_max', full_name: 'Ana Hoxha' }) })]);
    expect(placed.text).toMatch(new RegExp(`number is ${cases.body[0].number}`));
    expect((await chat.send(`where is my order ${cases.body[0].number}`)).text).toMatch(/is received and waiting to be processed/);
  });

  it('when the customer writes in Albanian, then the flow answers in Albanian', async () => {
    const { chat } = await WebChatConversation.open(gw.url);
    const r = await chat.send('Përshëndetje, kam një pyetje për faturën');
    expect(r.text).toMatch(/Faturimi: për çfarë keni nevojë/);
    expect((await chat.send('menyja')).text).toMatch(/Si mund t'ju ndihmoj sot/);
  });

  it('when the billing team is out of hours, then a call back is taken and queued with its trigger, priority and the collected number', async () => {
    clock.now = tirana('2025-03-16 21:00');
    const { chat } = await WebChatConversation.open(gw.url);
    await chat.send('1');
    expect((await chat.send('0')).text).toMatch(/isn't available right now/);
    await chat.send('Call me back');
    const done = await chat.send('069 777 8888');
    expect(done.text).toMatch(/We'll call you back on 0697778888 as soon as we're open\. Your request number is \d+\./);
    const queue = await gw.http.get('/api/escalations?status=queued&queue=callbacks').set(auth()).expect(200);
    const e = queue.body.find((x: { conversationId: string }) => x.conversationId === chat.conversationId);
    expect(e).toMatchObject({ trigger: 'callback', priority: 0, reason: 'call back requested out of hours', context: { slots: { callback_phone: '0697778888' } } });
    expect(e.context.ivrPath).toEqual(expect.arrayContaining(['main.billing', 'main.to_billing', 'callback.callback']));
    clock.now = tirana('2025-03-11 10:00');
  });

  it('when a customer is upset, then the escalation records the sentiment trigger with a higher priority', async () => {
    const { chat } = await WebChatConversation.open(gw.url);
    const r = await chat.send('This is ridiculous, your service is useless!!');
    expect(r.text).toMatch(/sorry this has been frustrating/);
    const queue = await gw.http.get('/api/escalations?status=queued').set(auth()).expect(200);
    expect(queue.body.find((x: { conversationId: string }) => x.conversationId === chat.conversationId)).toMatchObject({ trigger: 'sentiment', priority: 2 });
  });

  it('when the customer rates the conversation at the end, then supervisors see the score in the report', async () => {
    const before = (await gw.http.get('/api/reports/satisfaction').set(auth()).expect(200)).body;
    const { chat } = await WebChatConversation.open(gw.url);
    expect((await chat.send('that is all')).choices).toEqual(['1 – not at all', '2', '3', '4', '5 – very satisfied']);
    expect((await chat.send('5 – very satisfied')).text).toMatch(/Thank you for your feedback/);
    const after = (await gw.http.get('/api/reports/satisfaction').set(auth()).expect(200)).body;
    expect(after.count).toBe(before.count + 1);
    expect(after.byScore['5']).toBe(before.byScore['5'] + 1);
  });
});

describe('flows survive a restart of the gateway', () => {
  it('when the gateway restarts in the middle of an order, then a second instance on the same database continues it', async () => {
    const first = await startGateway('flowrestart');
    const { chat } = await WebChatConversation.open(first.url);
    await chat.send('3');
    await chat.send('1');
    await chat.send('2');
    expect((await chat.send('Besa Krasniqi')).text).toMatch(/phone number/);

    // Stop the first instance without dropping its database, as a crash or a deploy would.
    first.server.closeAllConnections();
    await new Promise((resolve) => first.server.close(resolve));
    await first.infra.close();

    const second = await startGateway('flowrestart2', { env: { MONGODB_URI: first.config.MONGODB_URI, QUEUE_PREFIX: first.config.QUEUE_PREFIX } });
    try {
      chat.moveTo(second.url);
      expect((await chat.send('0681234567')).text).toMatch(/delivery address/);
      expect((await chat.send('Rruga Myslym Shyri 5')).text).toMatch(/Vala Smart \(€14.99\/month\) for Besa Krasniqi, phone 0681234567/);
      expect((await chat.send('yes')).text).toMatch(/Your order is placed/);
      const sup = await second.login(['supervisor']);
      const cases = await second.http.get(`/api/conversations/${chat.conversationId}/cases`).set('Authorization', `Bearer ${sup.token}`).expect(200);
      expect(cases.body[0].fields).toMatchObject({ product: 'vala_smart', full_name: 'Besa Krasniqi', contact_phone: '0681234567' });
    } finally {
      await second.close();
      await first.close();
    }
  });
});
