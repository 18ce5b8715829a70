// The faq step: answers a question from the knowledge base. When other
// entries come close, the best answer is given and the close ones are
// offered as choices ("or did you mean…"); an unsure match asks to
// rephrase, and after N misses in a row the flow offers a person. An
// entry's action (create_order, create_complaint, handoff) continues into
// the node the step maps it to.
import type { OptionDef, StepOf } from '../flow.types';
import type { KbEntryLike } from '../engine';
import { matchOption } from '../match';
import type { Outcome, Turn } from '../turn';

const FAQ_HISTORY = 10;
const MAX_ALTERNATIVES = 2;

type Faq = StepOf<'faq'>['faq'];

function title(turn: Turn, e: KbEntryLike): string {
  return turn.lang === 'sq' && e.sq ? e.sq.questions[0] : e.questions[0];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Says the entry's answer, then follows its action, or offers the close
 * alternatives (and waits here for the pick), or follows the step's `then`,
 * else keeps listening.
 */
function answered(turn: Turn, f: Faq, entry: KbEntryLike, question: string, alternatives: KbEntryLike[] = []): Outcome {
  turn.emit({ type: 'say', text: turn.parts.faq.answerText(entry, turn.faqLang) });
  const action = entry.action as keyof Faq['actions'] | undefined;
  const next = action ? (f.actions[action] ?? (action === 'handoff' ? f.handoff : undefined)) : undefined;
  if (next) {
    if (action === 'handoff') turn.setSlot('escalation_trigger', 'kb_topic');
    if (action === 'create_complaint') turn.setSlot('escalation_trigger', 'complaint');
    turn.jump(next);
    return 'continue';
  }
  if (alternatives.length) {
    turn.emit({ type: 'ask', text: turn.t('faq_pick'), choices: alternatives.map((e, i) => ({ title: title(turn, e), value: e.id, digit: String(i + 1) })) });
    // Set after the jump-free path: the pick is the state the step waits in.
    turn.state.pick = { question, options: alternatives.map((e) => e.id) };
    return 'wait';
  }
  if (f.then) {
    turn.jump(f.then);
    return 'continue';
  }
  return 'wait';
}

function missed(turn: Turn, f: Faq): Outcome {
  turn.state.misses++;
  if (f.offer && turn.state.misses >= f.offer_person_after) {
    turn.state.misses = 0;
    turn.setSlot('escalation_trigger', 'repeated_misses');
    turn.jump(f.offer);
    return 'continue';
  }
  if (f.retry) {
    turn.jump(f.retry);
    return 'continue';
  }
  turn.say('faq_rephrase');
  return 'wait';
}

/** The offered entry the reply picks ("or did you mean…"), by digit or title; undefined for anything else. */
export function picked(turn: Turn, options: string[]): KbEntryLike | undefined {
  const entries = options.map((id) => turn.parts.faq.entry(id)).filter((e): e is KbEntryLike => !!e);
  const opts: OptionDef[] = entries.map((e, i) => ({ value: e.id, label: e.id, digit: String(i + 1), keywords: [title(turn, e)], synonyms: [] }));
  const reply = turn.pending;
  const o = reply ? matchOption(opts, reply, () => [], false) : undefined;
  return o && entries.find((e) => e.id === o.value);
}

export async function faq(turn: Turn, step: StepOf<'faq'>): Promise<Outcome> {
  const f = step.faq;
  const { faq: kb } = turn.parts;
  if (f.entry) {
    const entry = kb.entry(f.entry);
    if (entry) turn.emit({ type: 'say', text: kb.answerText(entry, turn.faqLang) });
    if (f.then) turn.jump(f.then);
    else turn.advance();
    return 'continue';
  }
  if (!turn.pending) {
    if (f.prompt) turn.say(f.prompt);
    return 'wait';
  }
  const pick = turn.state.pick;
  if (pick) {
    turn.state.pick = undefined;
    const choice = picked(turn, pick.options);
    if (choice) {
      turn.consume();
      const last = turn.state.faq[turn.state.faq.length - 1];
      if (last && last.question === pick.question) Object.assign(last, { entryId: choice.id, answered: true });
      return answered(turn, f, choice, pick.question);
    }
    // Anything else goes where the flow would have gone after the answer (a menu takes "2"), else it is a new question.
    if (f.then) {
      turn.jump(f.then);
      return 'continue';
    }
  }
  const question = turn.consume().text;
  const m = kb.matchAsync ? await kb.matchAsync(question, turn.faqLang) : await kb.match(question, turn.faqLang);
  const confident = !!m && m.confidence >= kb.minConfidence;
  turn.state.faq = [...turn.state.faq, { question, entryId: m?.entry.id, confidence: m ? round(m.confidence) : 0, answered: confident }].slice(-FAQ_HISTORY);
  if (!m || !confident) return missed(turn, f);
  turn.state.misses = 0;
  const close = m.alternatives
    .filter((a) => a.confidence >= kb.minConfidence && a.entryId !== m.entry.id)
    .map((a) => kb.entry(a.entryId))
    .filter((e): e is KbEntryLike => !!e)
    .slice(0, MAX_ALTERNATIVES);
  return answered(turn, f, m.entry, question, close);
}
