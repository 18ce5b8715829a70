// Steps that act outside the flow: hand the conversation to a person, create
// a case from collected slots, look a case up by its number, and store a
// satisfaction score. Cases and scores go through the FlowActions the bot
// gives each turn; the engine knows no model or store.
import type { StepOf } from '../flow.types';
import type { Outcome, Turn } from '../turn';

export async function handoff(turn: Turn, step: StepOf<'handoff'>): Promise<Outcome> {
  const h = step.handoff;
  const { slots } = turn.state;
  const trigger = h.trigger ?? (typeof slots.escalation_trigger === 'string' ? slots.escalation_trigger : 'request');
  const known = turn.parts.bundle.global.triggers[trigger];
  const priority = h.priority ?? known?.priority ?? 0;
  const reason = h.reason ?? known?.reason ?? 'customer asked for a person';
  turn.setSlot('escalation_trigger', null);
  turn.emit({
    type: 'handoff',
    queue: h.queue,
    reason,
    trigger,
    priority,
    skills: h.skills,
    text: h.message ? turn.t(h.message) : undefined,
    slots: turn.shareableSlots(),
    path: [...turn.state.path],
  });
  // A person has the conversation now; when it comes back to the bot, the next reply continues after this step.
  turn.advance();
  return 'wait';
}

export async function createCase(turn: Turn, step: StepOf<'create_case'>): Promise<Outcome> {
  const c = step.create_case;
  const fields = Object.fromEntries(c.fields.filter((f) => turn.state.slots[f] !== undefined).map((f) => [f, turn.state.slots[f]]));
  const summary = c.summary ? turn.t(c.summary) : `${c.type}: ${Object.values(fields).join(', ')}`.slice(0, 500);
  const { number } = await turn.actions.createCase({ type: c.type, fields, summary, language: turn.lang });
  turn.setSlot(c.save_as, number);
  turn.advance();
  return 'continue';
}

export async function findCase(turn: Turn, step: StepOf<'find_case'>): Promise<Outcome> {
  const f = step.find_case;
  const n = Number(turn.state.slots[f.number]);
  const found = Number.isInteger(n) && n > 0 ? await turn.actions.findCase(n) : null;
  if (!found) {
    turn.jump(f.missing);
    return 'continue';
  }
  turn.setSlot('case_number', found.number);
  turn.setSlot('case_type', found.type);
  turn.setSlot('case_type_text', turn.t(`case_type_${found.type}`));
  turn.setSlot('case_status', found.status);
  turn.setSlot('case_status_text', turn.t(`case_status_${found.status}`));
  turn.setSlot('case_updated', found.updatedAt.toISOString().slice(0, 10));
  if (f.found) turn.jump(f.found);
  else turn.advance();
  return 'continue';
}

export async function satisfaction(turn: Turn, step: StepOf<'satisfaction'>): Promise<Outcome> {
  const score = Number(turn.state.slots[step.satisfaction.slot]);
  if (Number.isInteger(score) && score >= 1 && score <= 5) await turn.actions.recordSatisfaction(score);
  turn.advance();
  return 'continue';
}
