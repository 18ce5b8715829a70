import type { FaqPort, FaqMatchLike, KbEntryLike } from '../../src/flows/engine';
import { casesDb, demoEngine, loadDemo, TestClock } from './helpers';

/**
 * The real knowledge base, with matches the test decides: how the flow
 * handles close and unsure answers must not hang on the matcher's tuning.
 */
function scriptedFaq(demo: ReturnType<typeof loadDemo>, script: Record<string, { id: string; confidence: number; alternatives?: string[] }>): FaqPort {
  return {
    minConfidence: 0.5,
    match(question): FaqMatchLike | null {
      const s = script[question];
      const entry = s && demo.faq.entry(s.id);
      if (!s || !entry) return null;
      return { entry, confidence: s.confidence, alternatives: (s.alternatives ?? []).map((entryId) => ({ entryId, confidence: s.confidence - 0.01 })) };
    },
    entry: (id) => demo.faq.entry(id),
    answerText: (e: KbEntryLike, lang) => demo.faq.answerText(e as Parameters<typeof demo.faq.answerText>[0], lang),
  };
}

describe('flows: the FAQ inside the flows', () => {
  const demo = loadDemo();
  const clock = new TestClock();
  let db: Awaited<ReturnType<typeof casesDb>>;
  let bot: ReturnType<typeof demoEngine>;
  beforeAll(async () => {
    db = await casesDb('flowfaq');
    bot = demoEngine(
      demo,
      clock,
      db.cases,
      scriptedFaq(demo, {
        'how much is roaming': { id: 'roaming', confidence: 0.9 },
        'what are your hours': { id: 'shop-opening-hours', confidence: 0.8, alternatives: ['contact-channels-hours'] },
        'I want to switch to a bigger plan': { id: 'change-plan', confidence: 0.9 },
        'my bill is wrong': { id: 'billing-dispute', confidence: 0.9 },
        'my phone was stolen': { id: 'lost-stolen-phone', confidence: 0.9 },
        'something vague': { id: 'roaming', confidence: 0.2 },
      }),
    );
  });
  afterAll(async () => {
    await db.close();
  });

  async function atMenu(lang = 'en') {
    const c = bot.client({ lang });
    await c.start();
    return c;
  }

  it('when the question has a confident answer, then the bot answers and asks whether there is anything else', async () => {
    const c = await atMenu();
    const r = await c.send('how much is roaming');
    expect(r.texts[0]).toMatch(/Roaming is switched on/);
    expect(r.texts[1]).toMatch(/anything else/);
    expect(c.state?.faq?.[0]).toMatchObject({ question: 'how much is roaming', entryId: 'roaming', answered: true });
  });

  it('when two answers are close, then the best one is given and the other offered as a choice; picking it answers it', async () => {
    const c = await atMenu();
    const r = await c.send('what are your hours');
    expect(r.texts[0]).toMatch(/Monday to Saturday/);
    expect(r.texts[1]).toBe('Or did you mean one of these?');
    expect(r.choices).toEqual(['How can I contact Vala?']);
    const picked = await c.send('1');
    expect(picked.texts[0]).toMatch(/open 24\/7/);
    expect(picked.text).toMatch(/anything else/);
    expect(c.state?.faq?.[0]).toMatchObject({ entryId: 'contact-channels-hours', answered: true });
  });

  it('when the customer ignores the offered alternatives and sends a menu digit, then the menu takes it', async () => {
    const c = await atMenu();
    await c.send('what are your hours');
    expect((await c.send('2')).text).toMatch(/Technical support: what's the problem/);
  });

  it('when nothing is confident, then the bot asks to rephrase; after two misses it offers a person, and yes escalates as repeated misses', async () => {
    const c = await atMenu();
    const first = await c.send('something vague');
    expect(first.text).toMatch(/Could you put it another way/);
    expect(first.choices).toContain('Billing');
    const second = await c.send('something vague');
    expect(second.text).toMatch(/would you like to talk to a person/i);
    const h = (await c.send('yes')).handoff;
    expect(h).toMatchObject({ queue: 'general', trigger: 'repeated_misses', priority: 1, reason: 'the bot could not answer twice in a row' });
    expect(c.state?.faq?.map((f) => f.answered)).toEqual([false, false]);
  });

  it('when the customer declines the person, then the bot carries on and a later request is an ordinary one', async () => {
    const c = await atMenu();
    await c.send('something vague');
    await c.send('something vague');
    expect((await c.send('no')).text).toMatch(/anything else/);
    expect((await c.send('0')).handoff).toMatchObject({ trigger: 'request', priority: 0 });
  });

  it('when the answer carries create_order, then the order intake follows the answer', async () => {
    const c = await atMenu();
    const r = await c.send('I want to switch to a bigger plan');
    expect(r.texts[0]).toMatch(/My Vala|plan/);
    expect(r.text).toMatch(/Which product would you like/);
  });

  it('when the answer carries create_complaint, then the complaint intake follows the answer', async () => {
    const c = await atMenu();
    expect((await c.send('my bill is wrong')).text).toMatch(/tell me in a few sentences what went wrong/);
  });

  it('when the answer carries handoff, then the bot answers and hands over, recording the topic as the trigger', async () => {
    const c = await atMenu();
    const r = await c.send('my phone was stolen');
    expect(r.texts[0]).toMatch(/block|SIM|stolen/i);
    expect(r.handoff).toMatchObject({ trigger: 'kb_topic', priority: 1, queue: 'general' });
  });

  it('when the conversation is in Albanian, then the real knowledge base answers in Albanian', async () => {
    const real = demoEngine(demo, clock, db.cases);
    const c = real.client({ lang: 'sq' });
    await c.start();
    expect((await c.send('Cili është orari i dyqaneve tuaja?')).text).toMatch(/Shumica e dyqaneve/);
  });
});
