// Text helpers shared by the FAQ and the flow engine: normalisation that
// folds case and diacritics, stop words, and a light language guess.

/** Lowercase, strip diacritics (ë→e, ç→c), keep letters/digits, single spaces. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9€@+#*]+/g, ' ')
    .trim();
}

export const STOP_WORDS = new Set(
  (
    'a an the i me my we our you your he she it its they them is are was were be been am do does did doing have has had ' +
    'can could would should will shall may might must to of in on at by for with from about into over as and or but if ' +
    'so than then that this these those there here what which who whom whose when where why how please hi hello hey ' +
    'um uh erm like just really okay ok well yes no not any some get got want wanted need know tell thanks thank ' +
    // Albanian function words
    'une ti ai ajo ne ju ata ato jam je eshte jemi jeni jane kam ke ka kemi keni kane te ta ti e i se me per ne nga ' +
    'dhe ose por si sa ku kur cfare cila cili pse nje disa kete ky kjo keto ato mund dua deshiroj ju lutem faleminderit pershendetje'
  ).split(/\s+/),
);

export function contentTokens(text: string): string[] {
  return normalize(text)
    .split(' ')
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

const SQ_WORDS = new Set(
  'une ti eshte jam kam dua deshiroj mund nuk cfare si sa ku kur pse faleminderit pershendetje ju lutem fature paketa internet celular ' +
    'ndihme operator punonjes njeri shtepi muaj dyqan orari hapur mbyllur ndryshe pagese kontrate roaming-u thirrje'
    .split(/\s+/),
);
const EN_WORDS = new Set(
  'the is are what how can my your you i do does have want need please when where which bill plan internet phone help person talk'.split(/\s+/),
);

/** 'sq' or 'en', or null when the text says too little to tell. */
export function guessLanguage(text: string): 'en' | 'sq' | null {
  if (/[ëç]/i.test(text)) return 'sq';
  const words = normalize(text).split(' ');
  let sq = 0;
  let en = 0;
  for (const w of words) {
    if (SQ_WORDS.has(w)) sq++;
    if (EN_WORDS.has(w)) en++;
  }
  if (sq >= 2 && sq > en) return 'sq';
  if (en >= 1 && en >= sq) return 'en';
  return null;
}
