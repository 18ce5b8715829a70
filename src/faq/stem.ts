// Light stemmers for the FAQ matcher: a Porter-ish English suffix stripper
// and an Albanian one for case and definiteness endings. Both work on text
// already folded by normalize() (no diacritics: ë→e, ç→c). They only need to
// map inflections of one word onto one key, not to produce real roots.

const EN_SUFFIXES = [
  'ational', 'ations', 'ation', 'ements', 'ement', 'ments', 'ment', 'ness', 'ingly', 'ings', 'ing', 'edly', 'ers', 'ed',
  'ably', 'able', 'ible', 'ful', 'less', 'ive', 'ize', 'ise', 'ity', 'ous', 'ly',
];
const VOWEL = /[aeiouy]/;

function undouble(w: string): string {
  return /([^aeiouylsz])\1$/.test(w) ? w.slice(0, -1) : w;
}

/** English: one round of suffix stripping, then plural and trailing -e. */
export function stemEn(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of EN_SUFFIXES) {
    if (!w.endsWith(suffix)) continue;
    const rest = w.slice(0, -suffix.length);
    // Keep a stem long enough to mean something and holding a vowel.
    if (rest.length >= 3 && VOWEL.test(rest) && (suffix !== 'ly' || rest.length >= 4)) {
      w = suffix === 'ing' || suffix === 'ed' ? undouble(rest) : rest;
    }
    break;
  }
  if (w.endsWith('y') && w.length > 3 && !VOWEL.test(w[w.length - 2])) w = `${w.slice(0, -1)}i`;
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

// Albanian noun/adjective endings (definite article, case, plural), longest first.
const SQ_SUFFIXES = ['ave', 'eve', 'ise', 'ine', 'ene', 'ete', 'it', 'in', 'en', 'ne', 've', 'et', 'at', 'es', 'a', 'e', 'i', 'u'];

/** Albanian: strips up to two endings (kredia → kredi → kred), keeping at least 4 letters. */
export function stemSq(word: string): string {
  let w = word;
  if (/\d/.test(w)) return w;
  for (let round = 0; round < 2; round++) {
    const suffix = SQ_SUFFIXES.find((s) => w.endsWith(s) && w.length - s.length >= 4);
    if (!suffix) break;
    w = w.slice(0, -suffix.length);
  }
  return w;
}
