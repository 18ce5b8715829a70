// Steps that wait for the customer: ask (choices), collect (a typed slot)
// and record (voicemail where the channel can record, a typed message
// elsewhere). Invalid answers are re-prompted `retries` times, then the flow
// goes to the step's on_fail target (by default, to a person).
import type { OptionDef, StepOf } from '../flow.types';
import { extractValue, parseValue } from '../collect';
import { matchOption } from '../match';
import type { Outcome, Turn } from '../turn';

export async function ask(turn: Turn, step: StepOf<'ask'>): Promise<Outcome> {
  const a = step.ask;
  const render = (key: string) => turn.emit({ type: 'ask', text: turn.t(key), choices: turn.choices(a.choices) });
  if (!turn.pending) {
    render(a.prompt);
    return 'wait';
  }
  const choice = matchOption(a.choices, turn.pending, turn.labels, true);
  if (choice) {
    turn.carry = turn.consume().text;
    turn.jump(choice.goto);
    return 'continue';
  }
  if (a.otherwise) {
    // The reply goes on to the otherwise node (usually a question for the FAQ).
    turn.jump(a.otherwise);
    return 'continue';
  }
  turn.consume();
  if (++turn.state.retries > a.retries) {
    turn.fail(a.on_fail);
    return 'continue';
  }
  if (a.reprompt) render(a.reprompt);
  else {
    turn.say('ask_invalid');
    render(a.prompt);
  }
  return 'wait';
}

function collectChoices(turn: Turn, c: StepOf<'collect'>['collect']): OptionDef[] | undefined {
  if (c.type === 'choice') return c.choices;
  if (c.type === 'yes_no') {
    const opt = (value: string, label: string, digit: string): OptionDef => ({ value, label, digit, keywords: [], synonyms: [] });
    return [opt('yes', 'choice_yes', '1'), opt('no', 'choice_no', '2')];
  }
  return undefined;
}

export async function collect(turn: Turn, step: StepOf<'collect'>): Promise<Outcome> {
  const c = step.collect;
  const options = collectChoices(turn, c);
  const render = (key: string) =>
    turn.emit({ type: 'collect', text: turn.t(key), slot: c.slot, kind: c.type, sensitive: c.sensitive, choices: options ? turn.choices(options) : undefined });
  const store = (value: string | number | boolean, label?: string) => {
    turn.setSlot(c.slot, value);
    if (label) turn.setSlot(`${c.slot}_label`, turn.t(label));
    turn.advance();
  };
  if (!turn.pending) {
    const found = c.prefill && turn.carry ? extractValue(c, turn.carry, turn.env.now) : null;
    if (found) {
      turn.carry = null;
      store(found.value, found.label);
      return 'continue';
    }
    render(c.prompt);
    return 'wait';
  }
  const reply = turn.consume();
  const parsed = parseValue(c, reply.text, turn.env.now, turn.labels, reply.value);
  if (parsed) {
    store(parsed.value, parsed.label);
    return 'continue';
  }
  if (++turn.state.retries > c.retries) {
    turn.fail(c.on_fail);
    return 'continue';
  }
  if (c.reprompt) render(c.reprompt);
  else {
    turn.say(`invalid_${c.type}`);
    render(c.prompt);
  }
  return 'wait';
}

export async function record(turn: Turn, step: StepOf<'record'>): Promise<Outcome> {
  const r = step.record;
  const render = () =>
    turn.env.canRecord
      ? turn.emit({ type: 'record', text: turn.t(r.prompt), slot: r.slot, maxSeconds: r.max_seconds })
      : turn.emit({ type: 'collect', text: turn.t(r.text_prompt), slot: r.slot, kind: 'text', sensitive: false });
  if (!turn.pending) {
    render();
    return 'wait';
  }
  const reply = turn.consume();
  const recording = reply.attachments?.find((a) => (a.contentType ?? '').startsWith('audio')) ?? reply.attachments?.[0];
  const value = recording?.url ?? reply.text.trim();
  if (value) {
    turn.setSlot(r.slot, value);
    turn.advance();
    return 'continue';
  }
  if (++turn.state.retries > r.retries) {
    turn.fail(r.on_fail);
    return 'continue';
  }
  render();
  return 'wait';
}
