// Answers questions from the knowledge base with a confidence in [0, 1].
// Pipeline: screen (injection, chit-chat, other companies, off-topic) →
// analyse (lexicon, stemming, typo correction) → retrieve (BM25 + TF-IDF
// centroid classifier + restated-question match) → calibrated confidence →
// optionally let an LLM pick among the retrieved entries (matchAsync),
// falling back to retrieval.
import { Analyzer, words, type Lang } from './analyzer';
import type { KbEntry } from './kb';
import type { FaqLlm } from './llm';
import { FaqIndex, type Candidate } from './retrieval';
import { ABUSE_WORDS, isAbuse, screen, type ScopeReason } from './scope';

export type { Lang, ScopeReason };

export interface FaqMatch {
  entry: KbEntry;
  answer: string;
  confidence: number;
  /** Other entries that are genuinely close to the best one: ask "did you mean A or B?". */
  alternatives: { entryId: string; confidence: number }[];
  /** True when the question should not be answered from the knowledge base. */
  outOfScope: boolean;
  reason?: ScopeReason;
  /** Who chose the entry; `llm` is set by matchAsync when the model was asked. */
  source: 'retrieval' | 'llm';
  llm?: 'picked' | 'rejected' | 'timeout' | 'error';
}

export interface FaqVerdict {
  match: FaqMatch | null;
  /** Why the question is out of scope, or null when it is answered. */
  reason: ScopeReason | null;
}

export interface FaqOptions {
  /** Optional LLM that re-ranks retrieved entries in matchAsync. */
  llm?: FaqLlm;
}

// Confidence: a logistic curve over 0.7·coverage + 0.3·cosine, plus a little
// for every understood word beyond the first few (a long question that explains
// much of itself in our words is less likely out of scope than a short one),
// centred where leave-one-out questions of the knowledge base separate from
// out-of-scope questions (see test/faq/fixtures). 0.5 is the answer line.
const CENTRE = 0.35;
const SLOPE = 12;
const COSINE_FULL = 0.5;
const EVIDENCE_FREE = 3;
const EVIDENCE_BONUS = 0.02;
const ALTERNATIVE_RATIO = 0.85;
// A question that restates one of the best entry's questions (see Candidate.restates) clearly
// better than any of a close entry's is not ambiguous: that entry is answered with no "did you mean".
const RESTATED = 0.8;
const RESTATED_MARGIN = 0.15;
/** Retrieval this sure is answered without asking the LLM. */
const LLM_SKIP_ABOVE = 0.93;
const LLM_CANDIDATES = 4;
const LLM_CONFIDENCE = 0.85;
const SCREEN_HARD: ScopeReason[] = ['empty', 'injection', 'chitchat', 'off_topic', 'other_company'];

export function confidenceOf(c: Pick<Candidate, 'coverage' | 'cosine' | 'matched'>): number {
  const s = 0.7 * c.coverage + 0.3 * Math.min(1, c.cosine / COSINE_FULL) + EVIDENCE_BONUS * Math.max(0, Math.min(c.matched, 8) - EVIDENCE_FREE);
  return 1 / (1 + Math.exp(-SLOPE * (s - CENTRE)));
}

export class FaqService {
  private readonly byId = new Map<string, KbEntry>();
  private readonly analyzer: Analyzer;
  private readonly index: FaqIndex;
  private readonly llm?: FaqLlm;

  constructor(
    entries: KbEntry[],
    readonly minConfidence: number,
    options: FaqOptions = {},
  ) {
    for (const e of entries) this.byId.set(e.id, e);
    const corpus = entries.flatMap((e) => [e.topic, ...e.questions, e.answer, ...(e.sq ? [...e.sq.questions, e.sq.answer] : [])]);
    this.analyzer = new Analyzer(corpus);
    this.index = new FaqIndex(entries, this.analyzer);
    this.llm = options.llm;
  }

  get llmEnabled(): boolean {
    return !!this.llm;
  }

  entry(id: string): KbEntry | undefined {
    return this.byId.get(id);
  }

  answerText(entry: KbEntry, lang: Lang): string {
    return lang === 'sq' && entry.sq ? entry.sq.answer : entry.answer;
  }

  /** The best entry for the question, or null when there is nothing to answer with. */
  match(question: string, lang: Lang = 'en'): FaqMatch | null {
    return this.assess(question, lang).match;
  }

  /** Like match, with the reason when the question is out of scope (also when match is null). */
  assess(question: string, lang: Lang = 'en'): FaqVerdict {
    return this.retrieve(question, lang).verdict;
  }

  /**
   * match, and when an LLM is configured and retrieval is not sure, the LLM
   * picks one of the top retrieved entries or none; on a time-out or an error
   * the retrieval answer stands. Without an LLM it is match().
   */
  async matchAsync(question: string, lang: Lang = 'en'): Promise<FaqMatch | null> {
    const { verdict, candidates } = this.retrieve(question, lang);
    const m = verdict.match;
    if (!this.llm || candidates.length === 0 || (verdict.reason && SCREEN_HARD.includes(verdict.reason))) return m;
    if (m && m.confidence >= LLM_SKIP_ABOVE && m.alternatives.length === 0) return m;
    const options = candidates.slice(0, LLM_CANDIDATES).flatMap((c) => {
      const entry = this.byId.get(c.entryId);
      return entry ? [{ id: entry.id, question: (lang === 'sq' && entry.sq ? entry.sq.questions : entry.questions)[0], answer: this.answerText(entry, lang) }] : [];
    });
    const pick = await this.llm.pick(question, lang, options);
    if (pick.status !== 'picked') return m ? { ...m, llm: pick.status } : null;
    if (pick.entryId === null) {
      if (!m) return null;
      const confidence = Math.min(m.confidence, this.minConfidence / 2);
      return { ...m, confidence, outOfScope: true, reason: 'no_match', alternatives: [], source: 'llm', llm: 'rejected' };
    }
    const chosen = candidates.find((c) => c.entryId === pick.entryId);
    const entry = this.byId.get(pick.entryId);
    if (!chosen || !entry) return m;
    const confidence = Math.max(LLM_CONFIDENCE, confidenceOf(chosen));
    return { entry, answer: this.answerText(entry, lang), confidence, alternatives: [], outOfScope: false, source: 'llm', llm: 'picked' };
  }

  private retrieve(question: string, lang: Lang): { verdict: FaqVerdict; candidates: Candidate[] } {
    const ws = words(question);
    const screened = screen({ words: ws, knows: (w) => this.analyzer.knows(w) });
    if (screened) return { verdict: { match: null, reason: screened }, candidates: [] };
    const terms = this.analyzer.analyze(question, lang, true).filter((t) => !ABUSE_WORDS.has(t.source));
    const abusive = isAbuse(ws);
    const candidates = this.index.search(terms, LLM_CANDIDATES + 1);
    const best = candidates[0];
    const entry = best && this.byId.get(best.entryId);
    if (!best || !entry) return { verdict: { match: null, reason: abusive ? 'abuse' : 'no_match' }, candidates };
    const confidence = confidenceOf(best);
    const outOfScope = confidence < this.minConfidence;
    const alternatives = candidates
      .slice(1, 3)
      .filter((c) => c.score >= best.score * ALTERNATIVE_RATIO)
      .filter((c) => !(best.restates >= RESTATED && c.restates < best.restates - RESTATED_MARGIN))
      .map((c) => ({ entryId: c.entryId, confidence: confidenceOf(c) }))
      .filter((a) => a.confidence >= this.minConfidence);
    const reason: ScopeReason | null = outOfScope ? (abusive ? 'abuse' : 'no_match') : null;
    const match: FaqMatch = {
      entry,
      answer: this.answerText(entry, lang),
      confidence,
      alternatives,
      outOfScope,
      ...(reason ? { reason } : {}),
      source: 'retrieval',
    };
    return { verdict: { match, reason }, candidates };
  }
}
