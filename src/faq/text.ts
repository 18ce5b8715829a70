// Text helpers shared by the FAQ and the flow engine: normalisation that
// folds case and diacritics, stop words, and a light language guess.

/** Lowercase, strip diacritics (ë→e, ç→c), keep letters/digits, single spaces. */
export function normalize(text: string): string {
  let t = text.toLowerCase();
  // Decomposing is the slow step; plain ASCII text has no diacritics to strip.
  if (/[^ -~\s]/.test(t)) t = t.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return t.replace(/[^a-z0-9€@+#*]+/g, ' ').trim();
}

export const STOP_WORDS = new Set(
  (
    'a an the i me my we our you your he she it its they them his her him their us is are was were be been am do does did doing have has had ' +
    'can could would should will shall may might must to of in on at by for with from about into over as and or but if ' +
    'so than then that this these those there here what which who whom whose when where why how please hi hello hey ' +
    'um uh erm like just really okay ok well yes no not any some get got want wanted need know tell thanks thank ' +
    // Albanian function words
    'une ti ai ajo ne ju ata ato jam je eshte jemi jeni jane kam ke ka kemi keni kane te ta ti e i se me per ne nga ' +
    'dhe ose por si sa ku kur cfare cila cili pse nje disa kete ky kjo keto ato mund dua deshiroj ju lutem faleminderit pershendetje ' +
    'ketij kesaj time tim im ime yt jote tone tona tuaj juaj duhet qe edhe shume nese po jo tani ketu atje keni kemi cilat cilin ' +
    'mu me mua ty atij asaj na u do jane ishte kishte beje bej bere mos as'
  ).split(/\s+/),
);

export function contentTokens(text: string): string[] {
  return normalize(text)
    .split(' ')
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

// Words that only one of the two languages uses (folded, so "ë" → "e"); each
// counts one point for its language. Short words that both languages have
// ("a", "me", "te", "per") are left out.
const SQ_WORDS = new Set(
  (
    'une ti ajo ata ato ne ju eshte jam je jemi jeni jane ishte kam ke ka kemi keni kane kishte dua deshiroj mund duhet nuk ' +
    'cfare cila cili cilat pse ku kur sa si sepse nese qe edhe ose dhe por nje disa kete ketij kesaj ky kjo keto time tim ime im ' +
    'tuaj juaj yne tone mua ty shume pak mire keq faleminderit pershendetje mirupafshim lutem tani sot neser dje ' +
    'fature fatura faturen paketa paketen pagese paguaj celular celulari telefoni internetin interneti ndihme operator punonjes njeri ' +
    'shtepi muaj muaji dyqan dyqani orari hapur mbyllur ndryshe kontrate kontraten thirrje kredi kredine mbush karte karten numrin ' +
    'ngadalte funksionon punon flas lidhni ankese fjalekalimin llogari ruteri sinjal mbremje mengjes dite ore jashte vendit'
  ).split(/\s+/),
);
const EN_WORDS = new Set(
  (
    'the is are was were what how can could would should my your you i we do does did have has want need please when where which who ' +
    'why it this that there their they with from about for and or but not dont cant is my bill plan phone help person talk speak ' +
    'much many cost price pay paid data internet wifi router shop store open close hours order delivery cancel contract number ' +
    'money card account password charge charged refund return working broken slow stolen lost get got like just tell up'
  ).split(/\s+/),
);

/** 'sq' or 'en', or null when the text says too little to tell. */
export function guessLanguage(text: string): 'en' | 'sq' | null {
  // ë and ç are Albanian letters; a text typed with them is Albanian.
  const sqLetters = (text.match(/[ëçËÇ]/g) ?? []).length;
  const words = normalize(text).split(' ').filter(Boolean);
  let sq = Math.min(sqLetters, 3) * 1.5;
  let en = 0;
  for (const w of words) {
    if (SQ_WORDS.has(w)) sq++;
    if (EN_WORDS.has(w)) en++;
    // Albanian definite endings on longer words: -in, -it, -en, -ve, -së (folded to -se).
    if (w.length >= 6 && /(it|in|ve|ine|ise|tes|ren|ave)$/.test(w) && !EN_WORDS.has(w)) sq += 0.3;
    if (w.length >= 5 && /(ing|tion|ed|ly|ness)$/.test(w)) en += 0.5;
  }
  if (sq >= 1 && sq > en) return 'sq';
  if (en >= 1) return 'en';
  return null;
}
