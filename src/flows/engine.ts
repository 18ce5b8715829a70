// Runs one turn of a flow: from the saved position, with the customer's
// input, until the flow waits for input again. Produces channel-neutral
// steps only; knows nothing of channels. State is a plain object the bot
// keeps in its (MongoDB) conversation state.
import type { FaqService, Lang } from '../faq/faq.service';
import { normalize } from '../faq/text';
import type { ChoiceDef, Flow, FlowState, OutStep, Step } from './flow.types';
import type { Prompts } from './prompts';

export type TurnInput = { kind: 'start' } | { kind: 'text'; text: string; value?: string };

export interface TurnResult {
  steps: OutStep[];
  state: FlowState;
}

const MAX_STEPS = 100;
const FAQ_HISTORY = 10;

export class FlowEngine {
  constructor(
    private readonly flows: Map<string, Flow>,
    private readonly prompts: Prompts,
    private readonly faq: FaqService,
    private readonly vars: Record<string, string> = {},
  ) {}

  initialState(flowId = 'main'): FlowState {
    const flow = this.flow(flowId);
    return { flow: flow.id, node: flow.start, index: 0, misses: 0, faq: [] };
  }

  private flow(id: string): Flow {
    const f = this.flows.get(id) ?? this.flows.get('main');
    if (!f) throw new Error(`flow "${id}" not loaded`);
    return f;
  }

  run(saved: FlowState | undefined, input: TurnInput, lang: Lang): TurnResult {
    const state: FlowState = saved && this.flows.get(saved.flow)?.nodes[saved.node] ? { ...saved, faq: [...saved.faq] } : this.initialState();
    const flow = this.flow(state.flow);
    const out: OutStep[] = [];
    const t = (key: string, extra: Record<string, string | number> = {}) => this.prompts.t(lang, key, { ...this.vars, ...extra });
    let pending: { text: string; value?: string } | null = input.kind === 'text' ? { text: input.text, value: input.value } : null;

    const jump = (node: string) => {
      state.node = node;
      state.index = 0;
    };

    // A choice on the step we wait at wins; then the flow's global intents.
    if (pending) {
      const step = this.current(flow, state);
      const choice = step && 'ask' in step ? matchChoice(step.ask.choices, pending, (k) => t(k)) : undefined;
      if (choice) {
        jump(choice.goto);
        pending = null;
      } else {
        const intent = matchIntent(flow, pending.text);
        if (intent) {
          jump(intent);
          pending = null;
        }
      }
    }

    for (let guard = 0; guard < MAX_STEPS; guard++) {
      const step = this.current(flow, state);
      if (!step) {
        // Ran off the end of a node: the flow is over; the next input starts again.
        jump(flow.resume ?? flow.start);
        if (!pending) return { steps: out, state };
        continue;
      }
      if ('say' in step) {
        out.push({ type: 'say', text: t(step.say) });
        state.index++;
      } else if ('goto' in step) {
        jump(step.goto);
      } else if ('end' in step) {
        out.push({ type: 'end' });
        jump(flow.resume ?? flow.start);
        return { steps: out, state };
      } else if ('handoff' in step) {
        const h = step.handoff;
        out.push({ type: 'handoff', queue: h.queue, reason: h.reason, trigger: h.trigger, priority: h.priority, skills: h.skills });
        state.index++;
      } else if ('ask' in step) {
        if (!pending) {
          out.push({ type: 'ask', text: t(step.ask.prompt), choices: step.ask.choices.map((c) => ({ title: t(c.label), value: c.value, digit: c.digit })) });
          return { steps: out, state };
        }
        // Not one of the choices (those were matched above).
        if (step.ask.otherwise) {
          jump(step.ask.otherwise);
        } else {
          out.push({ type: 'ask', text: t(step.ask.prompt), choices: step.ask.choices.map((c) => ({ title: t(c.label), value: c.value, digit: c.digit })) });
          return { steps: out, state };
        }
      } else if ('faq' in step) {
        if (!pending) return { steps: out, state };
        const question = pending.text;
        pending = null;
        const next = this.answer(step, question, lang, state, out, t);
        if (next) jump(next);
        else return { steps: out, state };
      }
    }
    throw new Error(`flow ${flow.id}: more than ${MAX_STEPS} steps in one turn at node ${state.node} (a goto loop?)`);
  }

  /** Answers from the FAQ; returns a node to go to, or null to wait here. */
  private answer(step: Extract<Step, { faq: unknown }>, question: string, lang: Lang, state: FlowState, out: OutStep[], t: (k: string) => string): string | null {
    const m = this.faq.match(question, lang);
    const confident = !!m && m.confidence >= this.faq.minConfidence;
    state.faq = [...state.faq, { question, entryId: m?.entry.id, confidence: m ? round(m.confidence) : 0, answered: confident }].slice(-FAQ_HISTORY);
    if (confident && m) {
      state.misses = 0;
      if (m.entry.action === 'handoff' && step.faq.handoff) {
        out.push({ type: 'say', text: m.answer });
        return step.faq.handoff;
      }
      out.push({ type: 'say', text: m.answer });
      return null;
    }
    state.misses++;
    if (step.faq.offer && state.misses >= step.faq.offer_person_after) {
      state.misses = 0;
      return step.faq.offer;
    }
    out.push({ type: 'say', text: t('faq_rephrase') });
    return null;
  }

  private current(flow: Flow, state: FlowState): Step | undefined {
    return flow.nodes[state.node]?.[state.index];
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function matchChoice(choices: ChoiceDef[], input: { text: string; value?: string }, label: (k: string) => string): ChoiceDef | undefined {
  if (input.value) {
    const byValue = choices.find((c) => c.value === input.value);
    if (byValue) return byValue;
  }
  const said = normalize(input.text);
  if (!said) return undefined;
  return choices.find((c, i) => {
    if (said === c.value.toLowerCase() || said === (c.digit ?? String(i + 1))) return true;
    if (said === normalize(label(c.label))) return true;
    return (c.keywords ?? []).some((k) => said === normalize(k));
  });
}

function matchIntent(flow: Flow, text: string): string | undefined {
  const said = ` ${normalize(text)} `;
  for (const intent of Object.values(flow.intents)) {
    if (intent.keywords.some((k) => said.includes(` ${normalize(k)} `))) return intent.goto;
  }
  return undefined;
}
