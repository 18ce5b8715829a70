// Typed slots: turns a reply into a slot value, or null when it is not one.
// Lenient on form ("it's 069 123 4567", "order #1042", "tomorrow"), strict
// on content. `extract` finds a value inside a longer sentence, for the
// types whose pattern cannot be mistaken (numbers of 3+ digits, emails…).
import type { CollectType, OptionDef, Scalar } from './flow.types';
import { fold } from './fold';
import { matchOption } from './match';

export interface CollectSpec {
  type: CollectType;
  choices?: OptionDef[];
  min?: number;
  max?: number;
  pattern?: string;
}

export interface Parsed {
  value: Scalar;
  /** For a choice: the label key of the picked option. */
  label?: string;
}

const YES = ['yes', 'yeah', 'yep', 'yup', 'sure', 'ok', 'okay', 'correct', 'right', 'confirm', 'of course', 'please do', 'po', 'sigurisht', 'patjeter', 'dakord', 'sakte', 'ne rregull', 'mire', 'konfirmoj'];
const NO = ['no', 'nope', 'nah', 'not', 'incorrect', 'wrong', 'cancel', 'jo', 'aspak', 'nuk', 'gabim', 'anulo'];
const NUMBER_WORDS: Record<string, number> = {
  ...{ zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 },
  ...{ nje: 1, dy: 2, tre: 3, tri: 3, kater: 4, pese: 5, gjashte: 6, shtate: 7, tete: 8, nente: 9, dhjete: 10 },
};
const EMAIL = /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/i;
const PHONE = /\+?\d[\d\s\-().]{5,20}\d/;
const ORDER = /(?:^|\D)(\d{3,10})(?!\d)/;
const ACCOUNT = /\b([A-Z]{0,3}-?\d{6,12})\b/i;

function has(said: string, words: string[]): boolean {
  return words.some((w) => ` ${said} `.includes(` ${w} `));
}

function yesNo(text: string): boolean | null {
  const said = fold(text);
  if (said === '1') return true;
  if (said === '2') return false;
  const yes = has(said, YES);
  const no = has(said, NO);
  return yes === no ? null : yes;
}

function number(text: string, spec: CollectSpec): number | null {
  const said = fold(text.replace(/(\d),(\d)/g, '$1.$2'));
  const m = /-?\d+(?:\.\d+)?/.exec(text.replace(/(\d),(\d)/g, '$1.$2'));
  const n = m ? Number(m[0]) : said.split(' ').map((w) => NUMBER_WORDS[w]).find((v) => v !== undefined);
  if (n === undefined || !Number.isFinite(n)) return null;
  if (spec.min !== undefined && n < spec.min) return null;
  if (spec.max !== undefined && n > spec.max) return null;
  return n;
}

function phone(text: string): string | null {
  const m = PHONE.exec(text);
  if (!m) return null;
  let digits = m[0].replace(/[\s\-().]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  const count = digits.replace('+', '').length;
  return count >= 7 && count <= 15 ? digits : null;
}

function date(text: string, now: Date): string | null {
  const said = fold(text);
  const day = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)).toISOString().slice(0, 10);
  if (/\b(today|sot)\b/.test(said)) return day(0);
  if (/\b(tomorrow|neser)\b/.test(said)) return day(1);
  let y: number, mo: number, d: number;
  const iso = /(\d{4})-(\d{1,2})-(\d{1,2})/.exec(text);
  const eu = /(\d{1,2})[./-](\d{1,2})[./-](\d{4})/.exec(text);
  if (iso) [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (eu) [d, mo, y] = [Number(eu[1]), Number(eu[2]), Number(eu[3])];
  else return null;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}

function matchesPattern(value: string, pattern?: string): boolean {
  return !pattern || new RegExp(pattern).test(value);
}

/** The slot value in a reply to a collect step, or null when the reply is not one. */
export function parseValue(spec: CollectSpec, text: string, now: Date, labels: (key: string) => string[], value?: string): Parsed | null {
  const trimmed = text.trim();
  switch (spec.type) {
    case 'text':
      return trimmed && trimmed.length <= 2000 && matchesPattern(trimmed, spec.pattern) ? { value: trimmed } : null;
    case 'number': {
      const n = number(trimmed, spec);
      return n === null ? null : { value: n };
    }
    case 'yes_no': {
      const b = yesNo(value ?? trimmed);
      return b === null ? null : { value: b };
    }
    case 'choice': {
      const o = matchOption(spec.choices ?? [], { text: trimmed, value }, labels, true);
      return o ? { value: o.value, label: o.label } : null;
    }
    case 'phone': {
      const p = phone(trimmed);
      return p ? { value: p } : null;
    }
    case 'email': {
      const m = EMAIL.exec(trimmed);
      return m ? { value: m[0].toLowerCase() } : null;
    }
    case 'date': {
      const d = date(trimmed, now);
      return d ? { value: d } : null;
    }
    case 'order_number': {
      const m = ORDER.exec(trimmed);
      return m ? { value: Number(m[1]) } : null;
    }
    case 'account_number': {
      const m = ACCOUNT.exec(trimmed.replace(/\s+/g, ''));
      const v = m?.[1].toUpperCase();
      return v && matchesPattern(v, spec.pattern) ? { value: v } : null;
    }
  }
}

const EXTRACTABLE: CollectType[] = ['order_number', 'account_number', 'phone', 'email', 'date'];

/** A value found inside a sentence that led to the collect step, for unmistakable types only. */
export function extractValue(spec: CollectSpec, text: string, now: Date): Parsed | null {
  if (!EXTRACTABLE.includes(spec.type)) return null;
  return parseValue(spec, text, now, () => []);
}
