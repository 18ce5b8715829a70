// Runs one turn of a flow: from the saved position, with the customer's
// reply, until the flow waits for input again. Produces channel-neutral
// steps only; the channel is data for `if` conditions, nothing more. State
// is a plain object the bot keeps in its (MongoDB) conversation state.
// Global intents (operator, menu, repeat, back, stop…) are checked before
// the step the flow waits at sees the reply.
import type { FlowState, Intent, OutStep, Scalar, Step, StepKind, CaseType } from './flow.types';
import type { FlowBundle } from './loader';
import type { Prompts } from './prompts';
import { parseValue } from './collect';
import { matchIntent, matchOption } from './match';
import { Turn, type Attachment, type EngineParts, type Outcome } from './turn';
import * as control from './steps/control';
import * as input from './steps/input';
import * as actions from './steps/actions';
import { faq as faqStep, picked } from './steps/faq';

export type TurnInput = { kind: 'start' } | { kind: 'text'; text: string; value?: string; attachments?: Attachment[] };

export interface TurnResult {
  steps: OutStep[];
  state: FlowState;
}

export type FaqLang = 'en' | 'sq';

/** What the engine needs of the knowledge base (FaqService has it). */
export interface KbEntryLike {
  id: string;
  questions: string[];
  action?: string;
  sq?: { questions: string[] };
}
export interface FaqMatchLike<E extends KbEntryLike = KbEntryLike> {
  entry: E;
  confidence: number;
  alternatives: { entryId: string; confidence: number }[];
}
export interface FaqPort<E extends KbEntryLike = KbEntryLike> {
  readonly minConfidence: number;
  match(question: string, lang: FaqLang): FaqMatchLike<E> | null | Promise<FaqMatchLike<E> | null>;
  /** When present (an LLM may help pick), preferred over `match`; it falls back to retrieval by itself. */
  matchAsync?(question: string, lang: FaqLang): Promise<FaqMatchLike<E> | null>;
  entry(id: string): E | undefined;
  answerText(entry: E, lang: FaqLang): string;
}

export interface FoundCase {
  number: number;
  type: CaseType;
  status: string;
  updatedAt: Date;
}

/** Side effects a flow may ask for; the bot binds them to the conversation of the turn. */
export interface FlowActions {
  createCase(input: { type: CaseType; fields: Record<string, Scalar>; summary: string; language: string }): Promise<{ number: number }>;
  findCase(number: number): Promise<FoundCase | null>;
  recordSatisfaction(score: number): Promise<void>;
}

export interface TurnEnv {
  lang: string;
  /** The channel's name, for `if: {channel: …}` only. */
  channel: string;
  /** Whether the channel can record a voicemail; elsewhere `record` asks for a typed message. */
  canRecord?: boolean;
  actions: FlowActions;
  /** Per-turn placeholders (e.g. the customer's address on the channel). */
  vars?: Record<string, string>;
}

const MAX_STEPS = 100;
const BACK_LIMIT = 10;
const WAITING: StepKind[] = ['ask', 'collect', 'faq', 'record'];

type Handler = (turn: Turn, step: never) => Promise<Outcome>;
const HANDLERS: Record<StepKind, Handler> = {
  say: control.say,
  set: control.set,
  goto: control.goto,
  if: control.branch,
  call: control.call,
  end: control.end,
  ask: input.ask,
  collect: input.collect,
  record: input.record,
  faq: faqStep,
  handoff: actions.handoff,
  create_case: actions.createCase,
  find_case: actions.findCase,
  satisfaction: actions.satisfaction,
};

function kindOf(step: Step): StepKind {
  return (Object.keys(HANDLERS) as StepKind[]).find((k) => k in step) as StepKind;
}

export class FlowEngine {
  private readonly parts: EngineParts;

  constructor(
    bundle: FlowBundle,
    prompts: Prompts,
    faq: FaqPort,
    vars: Record<string, string> = {},
    private readonly clock: () => Date = () => new Date(),
  ) {
    const sensitiveSlots = new Set<string>();
    const missing: string[] = [];
    for (const flow of bundle.flows.values()) {
      for (const [node, steps] of Object.entries(flow.nodes)) {
        for (const s of steps) {
          if ('collect' in s && s.collect.sensitive) sensitiveSlots.add(s.collect.slot);
          if ('faq' in s && s.faq.entry && !faq.entry(s.faq.entry)) missing.push(`${flow.file}: nodes.${node}: faq.entry: no knowledge-base entry "${s.faq.entry}"`);
        }
      }
    }
    if (missing.length) throw new Error(`invalid flows:\n  ${missing.join('\n  ')}`);
    this.parts = { bundle, prompts, faq, vars, sensitiveSlots };
  }

  initialState(): FlowState {
    const main = this.parts.bundle.flows.get('main');
    if (!main) throw new Error('flow "main" not loaded');
    return { flow: 'main', node: main.start, index: 0, stack: [], slots: {}, misses: 0, retries: 0, faq: [], back: [], last: [], path: [] };
  }

  /** A saved state, completed with defaults (older states lack fields); a position that no longer exists starts over. */
  private restore(saved: Partial<FlowState> | undefined): FlowState {
    const fresh = this.initialState();
    const flow = saved?.flow ? this.parts.bundle.flows.get(saved.flow) : undefined;
    if (!saved || !flow || !saved.node || !flow.nodes[saved.node]) return fresh;
    const s = structuredClone({ ...fresh, ...saved }) as FlowState;
    s.stack = s.stack.filter((p) => !!this.parts.bundle.flows.get(p.flow)?.nodes[p.node]);
    return s;
  }

  async run(saved: Partial<FlowState> | undefined, input: TurnInput, env: TurnEnv): Promise<TurnResult> {
    const state = this.restore(saved);
    const pending = input.kind === 'text' ? { text: input.text, value: input.value, attachments: input.attachments } : null;
    const turn = new Turn(this.parts, state, { ...env, now: this.clock() }, pending);
    if (pending && (await this.intercept(turn))) return this.finish(turn);
    for (let guard = 0; guard < MAX_STEPS; guard++) {
      const step = turn.step();
      if (!step) {
        // Ran off the end of a node: a sub-flow returns; the top flow starts again at the next reply.
        if (turn.return()) continue;
        turn.restart();
        if (!turn.pending) return this.finish(turn);
        continue;
      }
      const handler = HANDLERS[kindOf(step)] as (t: Turn, s: Step) => Promise<Outcome>;
      if ((await handler(turn, step)) === 'wait') return this.finish(turn);
    }
    throw new Error(`flow ${state.flow}: more than ${MAX_STEPS} steps in one turn at node ${state.node} (a goto loop?)`);
  }

  private finish(turn: Turn): TurnResult {
    const { state } = turn;
    const step = turn.step();
    if (step && WAITING.includes(kindOf(step))) {
      const at = { flow: state.flow, node: state.node, index: state.index };
      const top = state.back[state.back.length - 1]?.at;
      if (!top || top.flow !== at.flow || top.node !== at.node || top.index !== at.index) {
        state.back = [...state.back, { at, stack: [...state.stack] }].slice(-BACK_LIMIT);
      }
    }
    const said = turn.out.filter((o) => o.type !== 'handoff' && o.type !== 'end');
    if (said.length) state.last = said;
    return { steps: turn.out, state };
  }

  /** Whether the step the flow waits at takes this reply as it is (a choice, a pick, a valid yes/no…). */
  private claimedByStep(turn: Turn): boolean {
    const step = turn.step();
    const reply = turn.pending;
    if (!step || !reply) return false;
    if ('ask' in step) return !!matchOption(step.ask.choices, reply, turn.labels, false);
    if ('collect' in step && step.collect.type !== 'text') {
      return !!parseValue(step.collect, reply.text, turn.env.now, turn.labels, reply.value);
    }
    if ('faq' in step && turn.state.pick) return !!picked(turn, turn.state.pick.options);
    return false;
  }

  /** Global and flow intents; true when one handled the reply. */
  private async intercept(turn: Turn): Promise<boolean> {
    if (this.claimedByStep(turn)) return false;
    const { global } = this.parts.bundle;
    const flow = turn.flow();
    // The running flow's intents override global ones of the same name (and inherit their words).
    const merged: [string, Intent][] = Object.entries(flow.intents).map(([name, i]) => {
      const g = global.intents[name];
      return [name, g && !i.keywords.length && !i.synonyms.length ? { ...i, keywords: g.keywords, synonyms: g.synonyms, sentiment: i.sentiment ?? g.sentiment } : i];
    });
    for (const [name, i] of Object.entries(global.intents)) if (!flow.intents[name]) merged.push([name, i]);
    const step = turn.step();
    // Free text being typed (a complaint, an address) is not searched for intents, only matched whole.
    const collecting = !!step && (('collect' in step && step.collect.type === 'text') || 'record' in step);
    const hit = matchIntent(merged, turn.pending?.text ?? '', { collecting });
    if (!hit) return false;
    const [, intent] = hit;
    if (intent.trigger) turn.setSlot('escalation_trigger', intent.trigger);
    if (intent.action === 'repeat') {
      turn.consume();
      if (turn.state.last.length) {
        turn.out.push(...turn.state.last);
        return true;
      }
      return false;
    }
    if (intent.action === 'back') {
      turn.consume();
      this.goBack(turn);
      return false;
    }
    turn.carry = turn.consume().text;
    turn.jump(intent.goto as string);
    return false;
  }

  private goBack(turn: Turn): void {
    const { state } = turn;
    const here = state.back[state.back.length - 1]?.at;
    if (here && here.flow === state.flow && here.node === state.node && here.index === state.index) state.back = state.back.slice(0, -1);
    const prev = state.back[state.back.length - 1];
    if (!prev) {
      turn.say('back_none');
      return;
    }
    Object.assign(state, { ...prev.at, stack: [...prev.stack], retries: 0, pick: undefined });
  }
}
