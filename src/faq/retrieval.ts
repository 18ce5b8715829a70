// The FAQ index: two scorers over the analysed knowledge base. A TF-IDF
// centroid per entry (a Rocchio classifier trained on all of the entry's
// questions, its answer and its topic) ranks whole entries through an
// inverted index, so a paraphrase that borrows words from several questions
// and the answer wins; BM25 then re-ranks that shortlist by its single best
// question. A query that restates one of an entry's questions (the same
// information on both sides, see `restates`) wins outright: a broad centroid
// (an entry whose answer lists many ways and places) must not lose its own
// question to a narrow neighbour that shares the words.
import type { Analyzer, Lang, Term } from './analyzer';
import type { KbEntry } from './kb';

export interface Candidate {
  entryId: string;
  /** Combined ranking score in [0, 1]. */
  score: number;
  /** Cosine of the query and the entry centroid. */
  cosine: number;
  /** BM25 of the entry's best question, relative to the best entry's (0..1). */
  bm25: number;
  /** Share of the query's information (IDF mass) found anywhere in the entry. */
  coverage: number;
  /** That information in absolute terms (a single common word is little to go on). */
  matched: number;
  /**
   * How nearly the query restates the entry's closest question: the smaller of the shares of
   * the query's and the question's IDF mass they have in common (1: the same terms).
   */
  restates: number;
}

interface EntryDocs {
  questions: Set<string>[];
  /** Each question's terms with their IDF mass (question words at half), for `restates`. */
  weighted: { terms: Map<string, number>; mass: number }[];
  about: Set<string>;
}

const WEIGHT_ANSWER = 0.25;
const WEIGHT_TOPIC = 1;
const SHARE_COSINE = 0.45;
const SHARE_BM25 = 0.25;
const SHARE_COVERAGE = 0.3;
/** Entries re-ranked by BM25; the rest keep their centroid score. */
const SHORTLIST = 24;
const BM25_K1 = 1.2;
const BM25_B = 0.75;
const BM25_ABOUT = 0.3;
/** From this `restates` up to 1, the entry gains up to SHARE_RESTATED. */
const RESTATED_FROM = 0.7;
const SHARE_RESTATED = 0.25;

export class FaqIndex {
  private readonly ids: string[] = [];
  private readonly docs: EntryDocs[] = [];
  private readonly idf = new Map<string, number>();
  /** term → postings: entry indexes and their unit-normalised centroid weights. */
  private readonly postings = new Map<string, { entries: Int32Array; weights: Float64Array }>();
  private readonly unknownIdf: number;
  private readonly avgQuestionLength: number;
  private readonly avgAboutLength: number;
  private readonly dot: Float64Array;
  private readonly covered: Float64Array;

  constructor(entries: KbEntry[], analyzer: Analyzer) {
    const terms = (text: string, lang: Lang) => new Set(analyzer.analyze(text, lang).map((t) => t.term));
    const questionTerms = entries.map((e) => [...e.questions.map((q) => analyzer.analyze(q, 'en')), ...(e.sq?.questions ?? []).map((q) => analyzer.analyze(q, 'sq'))]);
    const fields = entries.map((e, i) => ({
      questions: questionTerms[i].map((ts) => new Set(ts.map((t) => t.term))),
      answer: new Set([...terms(e.answer, 'en'), ...(e.sq ? terms(e.sq.answer, 'sq') : [])]),
      topic: terms(`${e.topic} ${e.id.replace(/-/g, ' ')}`, 'en'),
    }));
    const n = entries.length;
    const df = new Map<string, number>();
    const vocab = fields.map((f) => new Set([...f.questions.flatMap((q) => [...q]), ...f.answer, ...f.topic]));
    for (const all of vocab) for (const t of all) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, d] of df) this.idf.set(t, Math.log(1 + n / d));
    this.unknownIdf = Math.log(1 + 2 * n);

    const lists = new Map<string, { entries: number[]; weights: number[] }>();
    fields.forEach((f, entry) => {
      this.ids.push(entries[entry].id);
      const weighted = questionTerms[entry].map((ts) => {
        const terms = new Map<string, number>();
        for (const t of ts) terms.set(t.term, Math.max(terms.get(t.term) ?? 0, t.weight * (this.idf.get(t.term) ?? 0)));
        return { terms, mass: [...terms.values()].reduce((s, w) => s + w, 0) };
      });
      this.docs.push({ questions: f.questions, weighted, about: new Set([...f.answer, ...f.topic]) });
      const weights = new Map<string, number>();
      for (const t of vocab[entry]) {
        const inQuestions = f.questions.filter((q) => q.has(t)).length;
        const presence =
          (inQuestions ? 0.5 + 0.5 * (inQuestions / f.questions.length) : 0) + (f.answer.has(t) ? WEIGHT_ANSWER : 0) + (f.topic.has(t) ? WEIGHT_TOPIC : 0);
        weights.set(t, presence * (this.idf.get(t) ?? 0));
      }
      const norm = Math.sqrt([...weights.values()].reduce((s, w) => s + w * w, 0)) || 1;
      for (const [t, w] of weights) {
        const list = lists.get(t) ?? { entries: [], weights: [] };
        list.entries.push(entry);
        list.weights.push(w / norm);
        lists.set(t, list);
      }
    });
    for (const [t, l] of lists) this.postings.set(t, { entries: Int32Array.from(l.entries), weights: Float64Array.from(l.weights) });
    const questions = this.docs.flatMap((d) => d.questions);
    this.avgQuestionLength = questions.reduce((s, q) => s + q.size, 0) / Math.max(1, questions.length);
    this.avgAboutLength = this.docs.reduce((s, d) => s + d.about.size, 0) / Math.max(1, n);
    this.dot = new Float64Array(n);
    this.covered = new Float64Array(n);
  }

  get size(): number {
    return this.ids.length;
  }

  idfOf(term: string): number {
    return this.idf.get(term) ?? this.unknownIdf;
  }

  /** Is the term anywhere in the knowledge base? */
  has(term: string): boolean {
    return this.idf.has(term);
  }

  /** Candidates best first (at most `limit`), with the features the confidence is built from. */
  search(terms: Term[], limit = 5): Candidate[] {
    const q = new Map<string, number>();
    const weak = new Set<string>();
    for (const t of terms) {
      q.set(t.term, Math.max(q.get(t.term) ?? 0, t.weight));
      if (t.weak) weak.add(t.term);
    }
    if (q.size === weak.size) return [];
    let qNorm = 0;
    let mass = 0;
    const touched: number[] = [];
    const { dot, covered } = this;
    for (const [term, weight] of q) {
      const idf = this.idfOf(term);
      const counts = weak.has(term) ? 0 : idf * weight;
      qNorm += (idf * weight) ** 2;
      mass += counts;
      const p = this.postings.get(term);
      if (!p) continue;
      for (let k = 0; k < p.entries.length; k++) {
        const e = p.entries[k];
        if (dot[e] === 0) touched.push(e);
        dot[e] += p.weights[k] * idf * weight;
        covered[e] += counts;
      }
    }
    qNorm = Math.sqrt(qNorm) || 1;
    let qMass = 0;
    for (const [term, weight] of q) qMass += this.idfOf(term) * weight;
    const shortlist = touched.map((e) => {
      const cosine = dot[e] / qNorm;
      const coverage = covered[e] / mass;
      return { entry: e, cosine, coverage, matched: covered[e], pre: SHARE_COSINE * cosine + SHARE_COVERAGE * coverage };
    });
    for (const e of touched) dot[e] = covered[e] = 0;
    shortlist.sort((a, b) => b.pre - a.pre);
    const top = shortlist.slice(0, Math.max(SHORTLIST, limit));
    const bm = top.map((c) => this.bm25(c.entry, q));
    const bmMax = Math.max(0, ...bm) || 1;
    const candidates = top.map((c, i): Candidate => {
      const bm25 = bm[i] / bmMax;
      const restates = this.restates(c.entry, q, qMass);
      // BM25 is relative to the best entry, so it only counts where the entry is close in meaning too.
      const restated = Math.max(0, (restates - RESTATED_FROM) / (1 - RESTATED_FROM));
      const score = c.pre + SHARE_BM25 * bm25 * Math.min(1, c.cosine * 3) + SHARE_RESTATED * restated;
      return { entryId: this.ids[c.entry], cosine: c.cosine, bm25, coverage: c.coverage, matched: c.matched, restates, score };
    });
    candidates.sort((a, b) => b.score - a.score);
    return candidates.slice(0, limit);
  }

  /**
   * The entry's closest question to the query: IDF mass both share over the larger of the two.
   * Unlike BM25 or a cosine, an extra term on either side counts against it, so "how can I pay
   * my bill" restates "How can I pay my bill?" (1) and not "What is the payment deadline for
   * my invoice?", and a two-word query sharing one rare word with a question is not close.
   */
  private restates(entry: number, q: Map<string, number>, qMass: number): number {
    let best = 0;
    for (const { terms, mass } of this.docs[entry].weighted) {
      let shared = 0;
      for (const [term, weight] of q) {
        const w = terms.get(term);
        if (w) shared += Math.min(w, this.idfOf(term) * weight);
      }
      best = Math.max(best, shared / (Math.max(qMass, mass) || 1));
    }
    return best;
  }

  /** BM25 of the entry's best question, plus a fraction of its answer-and-topic document. */
  private bm25(entry: number, q: Map<string, number>): number {
    const score = (doc: Set<string>, avg: number) => {
      let s = 0;
      const norm = BM25_K1 * (1 - BM25_B + (BM25_B * doc.size) / (avg || 1));
      for (const [term, weight] of q) if (doc.has(term)) s += this.idfOf(term) * weight * ((BM25_K1 + 1) / (1 + norm));
      return s;
    };
    const d = this.docs[entry];
    let best = 0;
    for (const question of d.questions) best = Math.max(best, score(question, this.avgQuestionLength));
    return best + BM25_ABOUT * score(d.about, this.avgAboutLength);
  }
}
