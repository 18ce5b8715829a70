// Steps that steer the flow without waiting: say, set, goto, if, call, end.
import type { Scalar, StepOf } from '../flow.types';
import { evaluate } from '../conditions';
import type { Outcome, Turn } from '../turn';

export async function say(turn: Turn, step: StepOf<'say'>): Promise<Outcome> {
  turn.say(step.say);
  turn.advance();
  return 'continue';
}

export async function set(turn: Turn, step: StepOf<'set'>): Promise<Outcome> {
  for (const [name, value] of Object.entries(step.set)) {
    // Text values may name slots and variables: set: { callback_phone: "{address}" }.
    const v: Scalar | null = typeof value === 'string' ? turn.parts.prompts.fill(value, { ...turn.parts.vars, ...turn.env.vars, ...turn.state.slots }) : value;
    turn.setSlot(name, v);
  }
  turn.advance();
  return 'continue';
}

export async function goto(turn: Turn, step: StepOf<'goto'>): Promise<Outcome> {
  turn.jump(step.goto);
  return 'continue';
}

export async function branch(turn: Turn, step: StepOf<'if'>): Promise<Outcome> {
  const { parts, env, state } = turn;
  const yes = evaluate(step.if, { slots: state.slots, channel: env.channel, lang: env.lang, now: env.now, hours: parts.bundle.hours });
  const to = yes ? step.then : step.else;
  if (to) turn.jump(to);
  else turn.advance();
  return 'continue';
}

export async function call(turn: Turn, step: StepOf<'call'>): Promise<Outcome> {
  turn.call(step.call);
  return 'continue';
}

/** The conversation is over: slots are forgotten and the next reply starts the top flow again. */
export async function end(turn: Turn): Promise<Outcome> {
  turn.emit({ type: 'end' });
  turn.state.slots = {};
  turn.state.misses = 0;
  turn.state.back = [];
  turn.restart();
  return 'wait';
}
