// A small bilingual (English, Albanian) negative-sentiment lexicon: enough to
// notice an angry or fed-up customer and escalate with a higher priority.
// Scores are ≤ 0; strong frustration words weigh more than mild complaints,
// so "my internet is slow" stays calm and "this is useless!!" does not.
import { fold } from './fold';

const WEIGHTS: [string, number][] = [
  // strong frustration
  ...['useless', 'ridiculous', 'unacceptable', 'disgusting', 'pathetic', 'worst', 'fed up', 'sick of', 'sick and tired', 'furious', 'angry', 'outraged', 'scam', 'rip off', 'ripoff', 'stupid', 'idiot', 'idiotic', 'joke', 'hate', 'wtf', 'damn', 'shit', 'crap', 'incompetent', 'never again', 'waste of time', 'lawyer', 'sue you'].map((w): [string, number] => [w, -2]),
  ...['inutil', 'e pakuptimte', 'e papranueshme', 'i papranueshem', 'skandal', 'skandaloze', 'turp', 'turpi', 'me keni merzitur', 'jam merzitur', 'u merzita', 'jam lodhur', 'u lodha', 'jam i inatosur', 'jam e inatosur', 'i nervozuar', 'e nervozuar', 'budallallek', 'budalla', 'mashtrim', 'mashtrues', 'hajdute', 'me e keqja', 'humbje kohe', 'kurre me', 'avokat'].map((w): [string, number] => [w, -2]),
  // mild
  ...['bad', 'terrible', 'awful', 'horrible', 'annoying', 'annoyed', 'frustrating', 'frustrated', 'upset', 'disappointed', 'unhappy', 'not happy', 'again and again', 'still not', 'nobody helps', 'no one helps'].map((w): [string, number] => [w, -1]),
  ...['keq', 'e keqe', 'e tmerrshme', 'i tmerrshem', 'i zhgenjyer', 'e zhgenjyer', 'i pakenaqur', 'e pakenaqur', 'perseri', 'akoma nuk', 'askush nuk'].map((w): [string, number] => [w, -1]),
];

const LEXICON = WEIGHTS.map(([w, s]) => [` ${fold(w)} `, s] as const);

/** ≤ 0: the sum of the lexicon's weights, one more down for shouting (!!, CAPITALS). */
export function sentimentScore(text: string): number {
  const said = ` ${fold(text)} `;
  let score = 0;
  for (const [phrase, weight] of LEXICON) if (said.includes(phrase)) score += weight;
  if (score < 0 && (/!{2,}/.test(text) || (text.match(/\b[A-Z]{3,}\b/g) ?? []).length >= 2)) score -= 1;
  return score;
}
