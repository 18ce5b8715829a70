// Matching a reply against choices and intents. Keywords must be the whole
// reply ("billing", "2", "press 2"); synonyms may appear anywhere in it
// ("my internet is down"). Text is folded (case, diacritics, punctuation)
// so "Faturë!" matches "fature".
import type { Intent, OptionDef } from './flow.types';
import { fold } from './fold';
import { sentimentScore } from './sentiment';

export { fold };

/** "press 2", "option 2", "shtyp 2", "number two" → "2"; anything else unchanged. */
function spokenDigit(said: string): string {
  const words: Record<string, string> = {
    ...{ zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9' },
    ...{ nje: '1', dy: '2', tre: '3', tri: '3', kater: '4', pese: '5', gjashte: '6', shtate: '7', tete: '8', nente: '9' },
  };
  const m = /^(?:press|option|number|choice|shtyp|opsioni|numri)?\s*([0-9*#]|[a-z]+)$/.exec(said);
  if (!m) return said;
  if (/^[0-9*#]$/.test(m[1])) return m[1];
  return words[m[1]] ?? said;
}

function contains(said: string, phrase: string): boolean {
  const p = fold(phrase);
  return !!p && ` ${said} `.includes(` ${p} `);
}

export interface Reply {
  text: string;
  value?: string;
}

/**
 * The option the reply picks. `labels` gives a label's texts in every
 * language (a button's title comes back as the reply). Synonyms only when
 * `loose` (a reply that merely mentions a choice).
 */
export function matchOption<T extends OptionDef>(options: T[], reply: Reply, labels: (key: string) => string[], loose: boolean): T | undefined {
  if (reply.value) {
    const byValue = options.find((o) => o.value === reply.value);
    if (byValue) return byValue;
  }
  const said = fold(reply.text);
  if (!said) return undefined;
  const digit = spokenDigit(said);
  const exact = options.find(
    (o, i) =>
      (o.digit ?? String(i + 1)) === digit ||
      fold(o.value) === said ||
      labels(o.label).some((l) => fold(l) === said) ||
      o.keywords.some((k) => fold(k) === said),
  );
  if (exact || !loose) return exact;
  return options.find((o) => o.synonyms.some((s) => contains(said, s)));
}

/** The first intent the reply triggers. `soft` intents and synonyms are skipped while collecting free text. */
export function matchIntent(intents: [string, Intent][], text: string, opts: { collecting: boolean }): [string, Intent] | undefined {
  const said = fold(text);
  if (!said) return undefined;
  for (const entry of intents) {
    const [, intent] = entry;
    if (intent.soft && opts.collecting) continue;
    if (intent.keywords.some((k) => fold(k) === said)) return entry;
    if (!opts.collecting && intent.synonyms.some((s) => contains(said, s))) return entry;
  }
  if (opts.collecting) return undefined;
  const score = sentimentScore(text);
  return intents.find(([, i]) => i.sentiment !== undefined && score <= i.sentiment);
}
