import { BusinessHours, hoursSchema } from '../../src/flows/hours';
import { casesDb, demoEngine, loadDemo, TestClock, tirana } from './helpers';

describe('flows: business hours', () => {
  const hours = new BusinessHours(
    hoursSchema.parse({
      timezone: 'Europe/Tirane',
      holidays: ['11-28'],
      queues: {
        office: { weekly: { 'mon-fri': '09:00-17:00', sat: ['09:00-12:00', '14:00-16:00'] }, holidays: ['2025-04-21'] },
        night: { timezone: 'America/New_York', weekly: { 'fri-sat': '22:00-06:00' } },
      },
    }),
  );

  it('when it is a weekday inside the hours in the queue\'s time zone, then the queue is open, and closed outside them', () => {
    expect(hours.isOpen('office', tirana('2025-03-11 09:00'))).toBe(true);
    expect(hours.isOpen('office', tirana('2025-03-11 16:59'))).toBe(true);
    expect(hours.isOpen('office', tirana('2025-03-11 17:00'))).toBe(false);
    expect(hours.isOpen('office', tirana('2025-03-11 08:59'))).toBe(false);
    // 08:30 UTC is 09:30 in Tirana in winter, 10:30 in summer.
    expect(hours.isOpen('office', new Date('2025-07-15T06:30:00Z'))).toBe(false);
    expect(hours.isOpen('office', new Date('2025-07-15T07:30:00Z'))).toBe(true);
  });

  it('when a day has two ranges or none, then each counts', () => {
    expect(hours.isOpen('office', tirana('2025-03-15 11:00'))).toBe(true);
    expect(hours.isOpen('office', tirana('2025-03-15 13:00'))).toBe(false);
    expect(hours.isOpen('office', tirana('2025-03-15 15:00'))).toBe(true);
    expect(hours.isOpen('office', tirana('2025-03-16 11:00'))).toBe(false);
  });

  it('when it is a holiday (yearly or dated), then the queue is closed all day', () => {
    expect(hours.isOpen('office', tirana('2025-11-28 10:00'))).toBe(false);
    expect(hours.isOpen('office', tirana('2025-04-21 10:00'))).toBe(false);
    expect(hours.isOpen('office', tirana('2025-04-22 10:00'))).toBe(true);
  });

  it('when a range runs past midnight, then the early hours of the next day are open too', () => {
    expect(hours.isOpen('night', new Date('2025-03-15T04:00:00Z'))).toBe(true); // Fri 23:00 in New York
    expect(hours.isOpen('night', new Date('2025-03-15T09:00:00Z'))).toBe(true); // Sat 05:00
    expect(hours.isOpen('night', new Date('2025-03-15T12:00:00Z'))).toBe(false); // Sat 08:00
    expect(hours.isOpen('night', new Date('2025-03-16T09:00:00Z'))).toBe(true); // Sun 05:00, from Saturday night
    expect(hours.isOpen('night', new Date('2025-03-17T09:00:00Z'))).toBe(false); // Mon 05:00
    expect(hours.isOpen('unknown', new Date())).toBe(false);
  });
});

describe('flows: in and out of hours', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowhours');
    bot = demoEngine(demo, clock, db.cases);
  });
  afterAll(async () => {
    await db.close();
  });

  async function askBillingTeam(opts: { channel?: string; lang?: string; address?: string } = {}) {
    const c = bot.client(opts);
    await c.start();
    await c.send('1');
    return { c, r: await c.send('0') };
  }

  it('when the billing team is in, then the customer is queued for it', async () => {
    clock.now = tirana('2025-03-11 10:00');
    const { r } = await askBillingTeam();
    expect(r.handoff).toMatchObject({ queue: 'billing', skills: ['billing'], trigger: 'request' });
  });

  it('when the billing team is out (a Sunday), then a call back or a message is offered instead of the queue', async () => {
    clock.now = tirana('2025-03-16 10:00');
    const { r } = await askBillingTeam();
    expect(r.handoff).toBeUndefined();
    expect(r.text).toMatch(/isn't available right now/);
    expect(r.choices).toEqual(['Call me back', 'Leave a message', 'No, thanks']);
  });

  it('when it is a public holiday, then the team is out even on a weekday', async () => {
    clock.now = tirana('2025-11-28 10:00');
    expect((await askBillingTeam()).r.text).toMatch(/isn't available right now/);
  });

  it('when a web chat customer asks for a call back, then their number is taken, a request case made and the callback queued', async () => {
    clock.now = tirana('2025-03-16 23:00');
    const { c } = await askBillingTeam();
    expect((await c.send('1')).text).toMatch(/Which phone number should we call/);
    const r = await c.send('069 555 1234');
    const [request] = await db.cases.forConversation(c.conversation._id);
    expect(request).toMatchObject({ type: 'request', fields: { callback_phone: '0695551234' }, summary: 'Callback request to 0695551234' });
    expect(r.handoff).toMatchObject({ queue: 'callbacks', trigger: 'callback', priority: 0, reason: 'call back requested out of hours' });
    expect(r.handoff?.text).toBe(`Thank you. We'll call you back on 0695551234 as soon as we're open. Your request number is ${request.number}.`);
  });

  it('when an SMS customer asks for a call back, then the number they write from is used', async () => {
    clock.now = tirana('2025-03-16 23:00');
    const { c } = await askBillingTeam({ channel: 'sms', address: '+355691112233' });
    const r = await c.send('call me back');
    expect(r.handoff).toMatchObject({ trigger: 'callback', slots: { callback_phone: '+355691112233' } });
  });

  it('when a caller leaves a message, then voice records it and the recording becomes a request case', async () => {
    clock.now = tirana('2025-03-16 23:00');
    const { c } = await askBillingTeam({ channel: 'voice', address: '+355691112233' });
    const prompt = await c.send('2');
    expect(prompt.steps).toEqual([expect.objectContaining({ type: 'record', slot: 'voicemail', maxSeconds: 120, text: expect.stringMatching(/after the tone/) })]);
    const r = await c.send('', { attachments: [{ contentType: 'audio/wav', url: 'https://api.twilio.com/recordings/RE123' }] });
    const [request] = await db.cases.forConversation(c.conversation._id);
    expect(request.fields).toEqual({ voicemail: 'https://api.twilio.com/recordings/RE123' });
    expect(r.handoff).toMatchObject({ queue: 'callbacks', trigger: 'voicemail' });
  });

  it('when a chat customer chooses to leave a message, then they are asked to type it instead of recording', async () => {
    clock.now = tirana('2025-03-16 23:00');
    const { c } = await askBillingTeam({ lang: 'sq' });
    const prompt = await c.send('Lër një mesazh');
    expect(prompt.steps).toEqual([expect.objectContaining({ type: 'collect', kind: 'text', text: expect.stringMatching(/shkruani mesazhin tuaj/) })]);
    const r = await c.send('Ju lutem më telefononi për faturën e marsit');
    const [request] = await db.cases.forConversation(c.conversation._id);
    expect(request.fields).toEqual({ voicemail: 'Ju lutem më telefononi për faturën e marsit' });
    expect(r.handoff?.text).toMatch(/e morëm mesazhin tuaj/);
  });

  it('when the customer declines both, then the bot carries on', async () => {
    clock.now = tirana('2025-03-16 23:00');
    const { c } = await askBillingTeam();
    const r = await c.send('no thanks');
    expect(r.text).toMatch(/back in the morning/);
    expect(r.text).toMatch(/anything else/);
  });

  it('when the technicians are asked for at night, then the same out-of-hours offer comes; by day they are queued', async () => {
    const c = bot.client();
    await c.start();
    await c.send('2');
    clock.now = tirana('2025-03-11 23:30');
    expect((await c.send('0')).text).toMatch(/isn't available right now/);
    clock.now = tirana('2025-03-12 09:30');
    const day = bot.client();
    await day.start();
    await day.send('2');
    expect((await day.send('Talk to a technician')).handoff).toMatchObject({ queue: 'technical' });
  });
});
