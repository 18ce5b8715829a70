// What a step refers to: the nodes it may jump to, the prompts it says, the
// slots it reads and sets. Validation walks flows through these.
import type { Step } from './flow.types';
import { slotsIn } from './conditions';

export interface Ref<T> {
  /** Field path inside the step, e.g. ["ask", "choices", 0, "goto"]. */
  field: (string | number)[];
  value: T;
}

/** Slots the engine sets itself, beyond the ones steps name. */
export const ENGINE_SLOTS = ['escalation_trigger'];
/** find_case sets these when it finds the case. */
export const CASE_SLOTS = ['case_number', 'case_type', 'case_type_text', 'case_status', 'case_status_text', 'case_updated'];

export function targetsOf(step: Step): Ref<string>[] {
  const out: Ref<string>[] = [];
  const add = (field: (string | number)[], value?: string) => value && out.push({ field, value });
  if ('goto' in step) add(['goto'], step.goto);
  if ('ask' in step) {
    step.ask.choices.forEach((c, i) => add(['ask', 'choices', i, 'goto'], c.goto));
    add(['ask', 'otherwise'], step.ask.otherwise);
    add(['ask', 'on_fail'], step.ask.on_fail);
  }
  if ('collect' in step) add(['collect', 'on_fail'], step.collect.on_fail);
  if ('record' in step) add(['record', 'on_fail'], step.record.on_fail);
  if ('if' in step) {
    add(['then'], step.then);
    add(['else'], step.else);
  }
  if ('faq' in step) {
    for (const k of ['then', 'retry', 'offer', 'handoff'] as const) add(['faq', k], step.faq[k]);
    for (const [k, v] of Object.entries(step.faq.actions)) add(['faq', 'actions', k], v);
  }
  if ('find_case' in step) {
    add(['find_case', 'found'], step.find_case.found);
    add(['find_case', 'missing'], step.find_case.missing);
  }
  return out;
}

export function promptsOf(step: Step): Ref<string>[] {
  const out: Ref<string>[] = [];
  const add = (field: (string | number)[], value?: string) => value && out.push({ field, value });
  if ('say' in step) add(['say'], step.say);
  if ('ask' in step) {
    add(['ask', 'prompt'], step.ask.prompt);
    add(['ask', 'reprompt'], step.ask.reprompt);
    step.ask.choices.forEach((c, i) => add(['ask', 'choices', i, 'label'], c.label));
  }
  if ('collect' in step) {
    add(['collect', 'prompt'], step.collect.prompt);
    add(['collect', 'reprompt'], step.collect.reprompt);
    (step.collect.choices ?? []).forEach((c, i) => add(['collect', 'choices', i, 'label'], c.label));
  }
  if ('record' in step) {
    add(['record', 'prompt'], step.record.prompt);
    add(['record', 'text_prompt'], step.record.text_prompt);
  }
  if ('faq' in step) add(['faq', 'prompt'], step.faq.prompt);
  if ('handoff' in step) add(['handoff', 'message'], step.handoff.message);
  if ('create_case' in step) add(['create_case', 'summary'], step.create_case.summary);
  return out;
}

/** Slots a step reads directly (prompt placeholders are checked separately). */
export function slotUsesOf(step: Step): Ref<string>[] {
  if ('if' in step) return slotsIn(step.if).map((value) => ({ field: ['if'], value }));
  if ('create_case' in step) return step.create_case.fields.map((value, i) => ({ field: ['create_case', 'fields', i], value }));
  if ('find_case' in step) return [{ field: ['find_case', 'number'], value: step.find_case.number }];
  if ('satisfaction' in step) return [{ field: ['satisfaction', 'slot'], value: step.satisfaction.slot }];
  return [];
}

/** Slots a step may set. */
export function slotsSetBy(step: Step): string[] {
  if ('set' in step) return Object.keys(step.set);
  if ('collect' in step) return step.collect.type === 'choice' ? [step.collect.slot, `${step.collect.slot}_label`] : [step.collect.slot];
  if ('record' in step) return [step.record.slot];
  if ('create_case' in step) return [step.create_case.save_as];
  if ('find_case' in step) return CASE_SLOTS;
  return [];
}

/** Whether the step never continues with the step after it (it always jumps or waits). */
export function endsNode(step: Step): boolean {
  if ('goto' in step || 'end' in step || 'ask' in step) return true;
  if ('if' in step) return !!step.then && !!step.else;
  if ('find_case' in step) return !!step.find_case.found;
  // A listening faq step answers question after question where it is.
  if ('faq' in step) return !step.faq.entry;
  return false;
}

/** `{name}` placeholders in a text. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

/** Splits a target into flow and node; a bare node is in `flow`. */
export function resolveTarget(flow: string, t: string): { flow: string; node: string } {
  const dot = t.indexOf('.');
  return dot < 0 ? { flow, node: t } : { flow: t.slice(0, dot), node: t.slice(dot + 1) };
}
