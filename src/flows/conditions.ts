// `if` conditions: on slots, the channel, the language and business hours.
// The channel is plain data from the turn; the engine never renders for it.
import type { Condition, Scalar } from './flow.types';
import type { BusinessHours } from './hours';

export interface ConditionEnv {
  slots: Record<string, Scalar>;
  channel: string;
  lang: string;
  now: Date;
  hours: BusinessHours;
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

export function evaluate(c: Condition, env: ConditionEnv): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, env));
  if ('any' in c) return c.any.some((x) => evaluate(x, env));
  if ('not' in c) return !evaluate(c.not, env);
  if ('channel' in c) return list(c.channel).includes(env.channel);
  if ('language' in c) return list(c.language).includes(env.lang);
  if ('business_hours' in c) return env.hours.isOpen(c.business_hours, env.now);
  const v = env.slots[c.slot];
  const isSet = v !== undefined && v !== '';
  if (c.set !== undefined && c.set !== isSet) return false;
  if (c.equals !== undefined && String(v) !== String(c.equals)) return false;
  if (c.in !== undefined && !c.in.map(String).includes(String(v))) return false;
  // A bare `{slot: x}` asks whether x is set.
  if (c.set === undefined && c.equals === undefined && c.in === undefined) return isSet;
  return true;
}

/** Every business-hours queue a condition names (for validation). */
export function queuesIn(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(queuesIn);
  if ('any' in c) return c.any.flatMap(queuesIn);
  if ('not' in c) return queuesIn(c.not);
  return 'business_hours' in c ? [c.business_hours] : [];
}

/** Every slot a condition reads (for validation). */
export function slotsIn(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(slotsIn);
  if ('any' in c) return c.any.flatMap(slotsIn);
  if ('not' in c) return slotsIn(c.not);
  // Asking whether a slot is set ({slot: x} or set: true/false) is no use before it is set.
  return 'slot' in c && (c.equals !== undefined || c.in !== undefined) ? [c.slot] : [];
}
