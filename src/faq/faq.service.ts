// Answers questions from the knowledge base with a confidence in [0, 1].
// Retrieval is BM25 with fuzzy and prefix matching (minisearch) over each
// entry's questions, one index per language; confidence combines how much
// of the question the best entry covers with how clearly it beats the
// runner-up. The seam for a better matcher is `match`.
import MiniSearch from 'minisearch';
import type { KbEntry } from './kb';
import { contentTokens } from './text';

export type Lang = 'en' | 'sq';

export interface FaqMatch {
  entry: KbEntry;
  answer: string;
  confidence: number;
  /** Other entries that scored close to the best one. */
  alternatives: { entryId: string; confidence: number }[];
}

interface Doc {
  id: string;
  entryId: string;
  question: string;
  topic: string;
}

export class FaqService {
  private readonly indexes = new Map<Lang, MiniSearch<Doc>>();
  private readonly byId = new Map<string, KbEntry>();

  constructor(
    entries: KbEntry[],
    readonly minConfidence: number,
  ) {
    for (const e of entries) this.byId.set(e.id, e);
    for (const lang of ['en', 'sq'] as Lang[]) {
      const ms = new MiniSearch<Doc>({
        fields: ['question', 'topic'],
        storeFields: ['entryId'],
        tokenize: (t) => contentTokens(t),
        processTerm: (t) => t,
        searchOptions: { boost: { question: 3, topic: 1 }, fuzzy: 0.2, prefix: (term) => term.length >= 4, combineWith: 'OR' },
      });
      const docs: Doc[] = [];
      for (const e of entries) {
        // Albanian questions join the English ones in the sq index: customers mix languages.
        const qs = lang === 'sq' ? [...(e.sq?.questions ?? []), ...e.questions] : e.questions;
        qs.forEach((q, i) => docs.push({ id: `${e.id}#${lang}#${i}`, entryId: e.id, question: q, topic: e.topic }));
      }
      ms.addAll(docs);
      this.indexes.set(lang, ms);
    }
  }

  entry(id: string): KbEntry | undefined {
    return this.byId.get(id);
  }

  answerText(entry: KbEntry, lang: Lang): string {
    return lang === 'sq' && entry.sq ? entry.sq.answer : entry.answer;
  }

  /** The best entry for the question, or null when nothing matches at all. */
  match(question: string, lang: Lang = 'en'): FaqMatch | null {
    const tokens = new Set(contentTokens(question));
    if (tokens.size === 0) return null;
    const index = this.indexes.get(lang) ?? this.indexes.get('en');
    if (!index) return null;
    const results = index.search(question);
    if (results.length === 0) return null;
    // Best score and coverage per entry (an entry has several questions).
    const perEntry = new Map<string, { score: number; coverage: number }>();
    for (const r of results) {
      const entryId = r.entryId as string;
      const coverage = new Set(r.queryTerms).size / tokens.size;
      const prev = perEntry.get(entryId);
      if (!prev || r.score > prev.score) perEntry.set(entryId, { score: r.score, coverage: Math.max(coverage, prev?.coverage ?? 0) });
    }
    const ranked = [...perEntry.entries()].sort((a, b) => b[1].score - a[1].score);
    const [bestId, best] = ranked[0];
    const second = ranked[1]?.[1].score ?? 0;
    const confidenceOf = (s: { score: number; coverage: number }, margin: number) =>
      Math.min(1, s.coverage * 0.6 + Math.min(1, s.score / 12) * 0.25 + margin * 0.15);
    const margin = best.score > 0 ? (best.score - second) / best.score : 0;
    const confidence = confidenceOf(best, margin);
    const entry = this.byId.get(bestId);
    if (!entry) return null;
    const alternatives = ranked
      .slice(1, 3)
      .filter(([, s]) => s.score >= best.score * 0.85)
      .map(([id, s]) => ({ entryId: id, confidence: confidenceOf(s, 0) }));
    return { entry, answer: this.answerText(entry, lang), confidence, alternatives };
  }
}
