// Turns a question (typed, spoken or texted, English or Albanian) into the
// weighted terms the FAQ index matches on: shorthand and contractions
// expanded, typos corrected against the knowledge base's own vocabulary,
// lexicon phrases and words folded into concepts (also a phrase's word left
// stranded by a dropped small word), the rest stemmed.
import { CONCEPTS, FILLERS, GENERIC, SHORTHAND, WEAK_CONCEPTS } from './lexicon';
import { stemEn, stemSq } from './stem';
import { normalize, STOP_WORDS } from './text';

export type Lang = 'en' | 'sq';

export interface Term {
  term: string;
  /** 1 for a word as written; less for a typo correction. */
  weight: number;
  /** The word(s) it came from, for explanations and the out-of-scope check. */
  source: string;
  /** Question words: they rank, but do not count as having understood the question. */
  weak?: boolean;
}

const MAX_PHRASE = 5;
const SHORTHANDS = new Map(Object.entries(SHORTHAND));
const CORRECTED_WEIGHT = 0.8;
const STRANDED_WEIGHT = 0.8;
const NEGATIONS = new Set(['not', 'no', 'never', 'nuk', 'jo', 'mos', 's']);
const GENERIC_WEIGHT = 0.33;

/** Contractions and possessives, before normalize() turns apostrophes into spaces. */
export function expandContractions(text: string): string {
  if (!/['’]/.test(text)) return text;
  return text
    .replace(/n['’]t\b/gi, 'nt')
    .replace(/(\w)['’]s\b/gi, '$1')
    .replace(/['’](re|ve|ll|d|m)\b/gi, '')
    .replace(/\bs['’](\w)/gi, 's$1');
}

/** Normalised words with chat shorthand expanded (u → you, dont → not). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const w of normalize(expandContractions(text)).split(' ')) {
    if (!w) continue;
    const s = SHORTHANDS.get(w);
    if (s === undefined) out.push(w);
    else if (s) out.push(...s.split(' '));
  }
  return out;
}

interface Word {
  w: string;
  weight: number;
  /** Stemmed with the question's language, and with the other one. */
  own: string;
  other: string;
  stop: boolean;
}

export class Analyzer {
  /** Phrase (stemmed words joined by spaces) → concepts, for phrases of 2+ words. */
  private readonly phrases = new Map<string, string[]>();
  /** The same phrases keyed by their content words only. */
  private readonly contentPhrases = new Map<string, string[]>();
  /** First words (stemmed) of all phrases: most words start none, and skip the phrase search. */
  private readonly phraseStarts = new Set<string>();
  private readonly enStems = new Map<string, string>();
  private readonly sqStems = new Map<string, string>();
  /** Single word (raw or stemmed) → concepts. */
  private readonly singles = new Map<string, string[]>();
  /** Every word the matcher knows: the target space of typo correction. */
  private readonly vocabulary = new Map<string, number>();
  /** Deletion neighbourhood (SymSpell): a word with one letter dropped → known words. */
  private readonly deletes = new Map<string, string[]>();
  /** Stems of known words: an inflection of a known word is not a typo. */
  private readonly stems = new Set<string>();
  /**
   * Words the corpus only uses inside lexicon phrases of that one word and small words ("read"
   * in "read my bill", "log" in "log in") → those phrases' concepts: a question that drops or
   * swaps the small word ("how do I read the bill", "log to my account") means the same.
   */
  private readonly stranded = new Map<string, string[]>();
  /** Lone content words of lexicon phrases (raw and stemmed) that mean nothing alone: the only words that can be stranded. */
  private readonly strandable = new Set<string>();

  constructor(corpus: string[], extraWords: Iterable<string> = []) {
    const lone = new Set<string>();
    for (const [key, [en, sq]] of Object.entries(CONCEPTS)) {
      const concepts = key === '-' ? [] : key.split('+').map((c) => c.toUpperCase());
      this.register(en, concepts, 'en', lone);
      if (sq) this.register(sq, concepts, 'sq', lone);
    }
    // A word that means something on its own already is never stranded.
    for (const w of lone) {
      if (this.singles.has(w) || this.singles.has(stemEn(w)) || this.singles.has(stemSq(w)) || GENERIC.has(w) || FILLERS.has(w)) continue;
      this.strandable.add(w).add(`en:${stemEn(w)}`).add(`sq:${stemSq(w)}`);
    }
    const corpusWords = corpus.map(words);
    for (const ws of corpusWords) for (const w of ws) this.know(w);
    for (const w of [...STOP_WORDS, ...FILLERS, ...SHORTHANDS.keys(), ...extraWords]) this.know(w);
    for (const w of this.vocabulary.keys()) {
      this.stems.add(`en:${stemEn(w)}`).add(`sq:${stemSq(w)}`);
      if (w.length < 3 || /\d/.test(w)) continue;
      for (const d of deletions(w)) {
        const list = this.deletes.get(d);
        if (list) list.push(w);
        else this.deletes.set(d, [w]);
      }
    }
    this.findStranded(corpus, corpusWords);
  }

  /**
   * Fills `stranded` from the corpus. Only texts holding a word still in the running need
   * analysing, and a word drops out of it the first time it is seen on its own.
   */
  private findStranded(corpus: string[], corpusWords: string[][]): void {
    const running = new Set(this.strandable);
    const memo = new Map<string, string[]>();
    const keys = (w: string) => {
      let ks = memo.get(w);
      if (!ks) memo.set(w, (ks = [w, `en:${this.stemmed(w, 'en')}`, `sq:${this.stemmed(w, 'sq')}`]));
      return ks;
    };
    const inPhrases = new Map<string, Set<string>>();
    corpus.forEach((text, i) => {
      if (!corpusWords[i].some((w) => keys(w).some((k) => running.has(k)))) return;
      this.run(text, 'en', false, (concepts, picked) => {
        const content = picked.filter((x) => !x.stop);
        // Only a phrase of one word and small words, none a negation: its meaning is that word's.
        if (picked.length === 1 || content.length !== 1 || picked.some((x) => NEGATIONS.has(x.w))) {
          for (const x of content) for (const k of keys(x.w)) running.delete(k);
        } else inPhrases.set(content[0].w, new Set([...(inPhrases.get(content[0].w) ?? []), ...concepts]));
      });
    });
    for (const [w, concepts] of inPhrases) {
      const ks = keys(w);
      const candidate = ks.filter((k) => this.strandable.has(k));
      if (candidate.length === 0 || !candidate.every((k) => running.has(k))) continue;
      for (const k of ks) if (!this.stranded.has(k)) this.stranded.set(k, [...concepts]);
    }
  }

  /** Registers a concept's forms; `lone` collects the single content word of phrases that have one. */
  private register(forms: string, concepts: string[], lang: Lang, lone: Set<string>): void {
    const stem = lang === 'sq' ? stemSq : stemEn;
    for (const form of forms.split('|')) {
      const ws = words(form);
      if (ws.length === 0) continue;
      for (const w of ws) this.know(w, 3);
      if (ws.length === 1) {
        this.singles.set(ws[0], concepts);
        // Inflections (-s, -ed, -ing, a silent -e) share the entry; derivations (engineer → engine) would collide.
        const st = stem(ws[0]);
        const inflected = /(s|ed|ing)$/.test(ws[0]) || st === ws[0].replace(/e$/, '');
        if (inflected && !this.singles.has(st)) this.singles.set(st, concepts);
      } else {
        this.phrases.set(ws.map(stem).join(' '), concepts);
        this.phraseStarts.add(stem(ws[0]));
        // The same phrase with its small words left out: "keep the number" ~ "keep my number".
        const content = ws.filter((w) => !STOP_WORDS.has(w));
        if (content.length === 1) lone.add(content[0]);
        const key = content.map(stem).join(' ');
        if (content.length >= 2 && !this.contentPhrases.has(key)) this.contentPhrases.set(key, concepts);
        if (content.length >= 2) this.phraseStarts.add(stem(content[0]));
      }
    }
  }

  private know(w: string, count = 1): void {
    this.vocabulary.set(w, (this.vocabulary.get(w) ?? 0) + count);
  }

  /** The known word closest to an unknown one (edit distance 1, or 2 for long words), if any. */
  correct(w: string): string | null {
    if (w.length < 4 || /\d/.test(w) || this.vocabulary.has(w)) return null;
    // Short words: only a dropped letter ("wher" → "where", "biling" → "billing") is safe to assume.
    if (w.length < 6) return this.deletes.get(w)?.sort((a, b) => (this.vocabulary.get(b) ?? 0) - (this.vocabulary.get(a) ?? 0))[0] ?? null;
    if (this.stems.has(`en:${stemEn(w)}`) || this.stems.has(`sq:${stemSq(w)}`)) return null;
    const seen = new Set<string>();
    const candidates = [...(this.deletes.get(w) ?? []), ...deletions(w).flatMap((d) => [...(this.vocabulary.has(d) ? [d] : []), ...(this.deletes.get(d) ?? [])])];
    let best: string | null = null;
    let bestScore = -Infinity;
    for (const c of candidates) {
      if (seen.has(c)) continue;
      seen.add(c);
      const dist = damerau(w, c);
      if (dist > (w.length >= 9 ? 2 : 1)) continue;
      const score = -dist * 100 + Math.log(1 + (this.vocabulary.get(c) ?? 0)) + (c[0] === w[0] ? 1 : 0);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }

  /**
   * Weighted terms of a text; `lang` picks the stemmer for words outside the
   * lexicon. `query` turns on the heuristics meant for customers' questions only.
   */
  analyze(text: string, lang: Lang, query = false): Term[] {
    return this.run(text, lang, query);
  }

  /** analyze(), telling `seen` which words each emitted concept came from (one word, or a phrase). */
  private run(text: string, lang: Lang, query: boolean, seen?: (concepts: string[], picked: Word[]) => void): Term[] {
    const sq = lang === 'sq';
    const ws: Word[] = words(text).map((raw) => {
      const fixed = this.correct(raw);
      const w = fixed ?? raw;
      const en = this.stemmed(w, 'en');
      const sqs = this.stemmed(w, 'sq');
      return { w, weight: fixed ? CORRECTED_WEIGHT : 1, own: sq ? sqs : en, other: sq ? en : sqs, stop: STOP_WORDS.has(w) };
    });
    const out: Term[] = [];
    let planNames = 0;
    const emit = (concepts: string[], picked: Word[], weight = Math.min(...picked.map((x) => x.weight))) => {
      seen?.(concepts, picked);
      const source = picked.map((x) => x.w).join(' ');
      for (const c of concepts) {
        if (c === 'PLANNAME') continue;
        out.push(WEAK_CONCEPTS.has(c) ? { term: c, weight: weight / 2, source, weak: true } : { term: c, weight, source });
      }
      if (concepts.includes('PLANNAME')) planNames++;
    };
    for (let i = 0; i < ws.length; ) {
      const consumed = this.phraseAt(ws, i, emit);
      if (consumed) {
        i += consumed;
        continue;
      }
      const x = ws[i++];
      const concepts = this.singles.get(x.w) ?? this.singles.get(x.own) ?? this.singles.get(x.other);
      const stranded = concepts || x.stop ? undefined : this.strandedOf(x, sq);
      if (concepts) emit(concepts, [x]);
      else if (stranded) emit(stranded, [x], x.weight * STRANDED_WEIGHT);
      else if (/^e\d{2,4}$/.test(x.w)) out.push({ term: 'TVFAULT', weight: x.weight, source: x.w });
      else if (!x.stop && !FILLERS.has(x.w) && (x.w.length > 1 || /\d/.test(x.w))) {
        seen?.([], [x]);
        out.push({ term: x.own, weight: GENERIC.has(x.w) ? x.weight * GENERIC_WEIGHT : x.weight, source: x.w });
      }
    }
    // "from Smart to Max", "fibre 100 or 300": two plan names in one question mean a plan change.
    if (query && planNames >= 2) out.push({ term: 'CHANGE', weight: 0.7, source: 'plan names' });
    return out;
  }

  /** The longest lexicon phrase starting at i, as written or by its content words; returns the words consumed. */
  private phraseAt(ws: Word[], i: number, emit: (concepts: string[], picked: Word[]) => void): number {
    if (!this.phraseStarts.has(ws[i].own) && !this.phraseStarts.has(ws[i].other)) return 0;
    for (let n = Math.min(MAX_PHRASE, ws.length - i); n >= 2; n--) {
      const picked = ws.slice(i, i + n);
      const concepts = lookupPhrase(this.phrases, picked);
      if (concepts) {
        emit(concepts, picked);
        return n;
      }
    }
    if (ws[i].stop) return 0;
    const idx: number[] = [];
    for (let j = i; j < ws.length && idx.length < MAX_PHRASE && j - i < MAX_PHRASE + 3; j++) if (!ws[j].stop) idx.push(j);
    for (let n = idx.length; n >= 2; n--) {
      const picked = idx.slice(0, n).map((j) => ws[j]);
      const concepts = lookupPhrase(this.contentPhrases, picked);
      if (concepts) {
        emit(concepts, picked);
        return idx[n - 1] - i + 1;
      }
    }
    return 0;
  }

  private strandedOf(x: Word, sq: boolean): string[] | undefined {
    if (this.stranded.size === 0) return undefined;
    const [own, other] = sq ? ['sq', 'en'] : ['en', 'sq'];
    return this.stranded.get(x.w) ?? this.stranded.get(`${own}:${x.own}`) ?? this.stranded.get(`${other}:${x.other}`);
  }

  /** Stems are memoised: the knowledge base and the questions reuse a small vocabulary. */
  private stemmed(w: string, lang: Lang): string {
    const cache = lang === 'sq' ? this.sqStems : this.enStems;
    let st = cache.get(w);
    if (st === undefined) {
      if (cache.size > 100_000) cache.clear();
      st = lang === 'sq' ? stemSq(w) : stemEn(w);
      cache.set(w, st);
    }
    return st;
  }

  knows(w: string): boolean {
    return this.vocabulary.has(w);
  }
}

function lookupPhrase(map: Map<string, string[]>, picked: Word[]): string[] | undefined {
  let own = picked[0].own;
  let other = picked[0].other;
  for (let k = 1; k < picked.length; k++) {
    own += ` ${picked[k].own}`;
    other += ` ${picked[k].other}`;
  }
  return map.get(own) ?? map.get(other);
}

function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions). */
export function damerau(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
