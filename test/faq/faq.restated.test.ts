// What a customer notices when they type a question the knowledge base lists,
// word for word or lightly varied: that entry answers, sure of itself, with no
// "did you mean". Every entry and every listed question, English and Albanian;
// then reworded questions of our own (none copied into the knowledge base or
// the dev queries) held to a floor.
import path from 'node:path';
import { evaluate, readQueries } from '../../src/faq/eval';
import { FaqService, type Lang } from '../../src/faq/faq.service';
import { loadKb } from '../../src/faq/kb';

const ROOT = path.resolve(__dirname, '..', '..');
const entries = loadKb(path.resolve(ROOT, 'flows', 'faq', 'kb.yaml'));
const faq = new FaqService(entries, 0.5);
const FRESH = path.resolve(__dirname, 'fixtures', 'fresh-paraphrases.jsonl');
const DEV = path.resolve(__dirname, 'fixtures', 'dev-queries.jsonl');

const listed = entries.flatMap((e) => [
  ...e.questions.map((q) => ({ id: e.id, q, lang: 'en' as Lang })),
  ...(e.sq?.questions ?? []).map((q) => ({ id: e.id, q, lang: 'sq' as Lang })),
]);

/** What the customer sees: which entry answers, whether it is answered at all, and what else is offered. */
function outcome(q: string, lang: Lang) {
  const m = faq.match(q, lang);
  return { q, id: m?.entry.id ?? null, answered: !!m && m.confidence >= faq.minConfidence && !m.outOfScope, didYouMean: m?.alternatives.map((a) => a.entryId) ?? [] };
}

// Small words a customer leaves out without changing the question.
const SMALL_EN = new Set(['i', 'my', 'me', 'a', 'an', 'the', 'do', 'does', 'is', 'are', 'can', 'to', 'for', 'of', 'in', 'on', 'your']);
const SMALL_SQ = new Set(['te', 'ta', 'nje']);

/** The question typed casually: lower case, no punctuation or apostrophes, Albanian without ë and ç. */
function typed(q: string): string {
  return q
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9€ -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Light variations: typed casually, "I" and "my" swapped, or one small word left out. */
function variations(q: string, lang: Lang): string[] {
  const base = typed(q);
  const ws = base.split(' ');
  const out = new Set([base]);
  if (lang === 'en') out.add(ws.map((w) => (w === 'i' ? 'my' : w === 'my' ? 'i' : w)).join(' '));
  const small = lang === 'en' ? SMALL_EN : SMALL_SQ;
  ws.forEach((w, i) => {
    if (small.has(w)) out.add([...ws.slice(0, i), ...ws.slice(i + 1)].join(' '));
  });
  return [...out];
}

describe('FAQ: a customer who types a listed question', () => {
  it('when a web chat customer types "how can I pay my bill", then the payment methods answer it and due dates are not offered as "did you mean"', () => {
    expect(outcome('how can I pay my bill', 'en')).toEqual({ q: 'how can I pay my bill', id: 'payment-methods', answered: true, didYouMean: [] });
    expect(faq.match('how can I pay my bill', 'en')?.answer).toMatch(/^You can pay by card/);
  });

  it('when a customer asks "how do I get an esim", then the eSIM entry answers it', () => {
    expect(outcome('how do I get an esim', 'en')).toEqual({ q: 'how do I get an esim', id: 'esim', answered: true, didYouMean: [] });
  });

  it.each(listed.map(({ id, q, lang }) => [q, id, lang] as const))(
    'when a customer asks "%s" word for word, then %s answers it (%s), sure, with no "did you mean"',
    (q, id, lang) => {
      expect(outcome(q, lang)).toEqual({ q, id, answered: true, didYouMean: [] });
    },
  );

  it.each(listed.map(({ id, q, lang }) => [q, id, lang] as const))(
    'when "%s" is typed casually, with I and my swapped or a small word left out, then %s still answers it (%s) with no "did you mean"',
    (q, id, lang) => {
      for (const v of variations(q, lang)) expect(outcome(v, lang)).toEqual({ q: v, id, answered: true, didYouMean: [] });
    },
  );

  it('when questions of our own reword entries across the knowledge base, then at least 90% get the right answer', () => {
    const queries = readQueries(FRESH);
    expect(queries.length).toBeGreaterThanOrEqual(30);
    expect(new Set(queries.map((x) => x.expect)).size).toBeGreaterThanOrEqual(25);
    const known = new Set([...listed.map((x) => x.q), ...readQueries(DEV).map((x) => x.q)].map(typed));
    expect(queries.filter(({ q }) => known.has(typed(q)))).toEqual([]);
    const report = evaluate(faq, queries);
    expect(report.inScope.total).toBe(queries.length);
    expect(report.inScope.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
