// One turn of a flow in progress: the state being advanced, the reply not yet
// consumed, what has been said so far, and the moves steps make (jump, call,
// return, advance). Step handlers (steps/*.ts) work through this object.
import type { Flow, FlowState, OutChoice, OutStep, OptionDef, Position, Scalar, Step } from './flow.types';
import type { FlowBundle } from './loader';
import type { Prompts } from './prompts';
import type { FaqLang, FaqPort, FlowActions, TurnEnv } from './engine';
import { resolveTarget } from './refs';

export interface Attachment {
  contentType?: string;
  url: string;
}

export interface PendingReply {
  text: string;
  value?: string;
  attachments?: Attachment[];
}

export interface EngineParts {
  bundle: FlowBundle;
  prompts: Prompts;
  faq: FaqPort;
  vars: Record<string, string>;
  sensitiveSlots: Set<string>;
}

/** What a step handler tells the loop: keep going, or the turn is over (waiting for the customer). */
export type Outcome = 'continue' | 'wait';

const PATH_LIMIT = 30;

export class Turn {
  readonly out: OutStep[] = [];
  /** The text that led here this turn (a choice or intent consumed it); collect steps may take a value from it. */
  carry: string | null = null;

  constructor(
    readonly parts: EngineParts,
    readonly state: FlowState,
    readonly env: TurnEnv & { now: Date },
    public pending: PendingReply | null,
  ) {}

  get actions(): FlowActions {
    return this.env.actions;
  }

  get lang(): string {
    return this.env.lang;
  }

  /** The language as the knowledge base knows it. */
  get faqLang(): FaqLang {
    return this.env.lang === 'sq' ? 'sq' : 'en';
  }

  flow(id = this.state.flow): Flow {
    const f = this.parts.bundle.flows.get(id);
    if (!f) throw new Error(`flow "${id}" not loaded`);
    return f;
  }

  step(): Step | undefined {
    return this.flow().nodes[this.state.node]?.[this.state.index];
  }

  /** A prompt in the conversation's language, with slots and variables filled in. */
  t(key: string, extra: Record<string, Scalar> = {}): string {
    return this.parts.prompts.t(this.lang, key, { ...this.parts.vars, ...this.env.vars, channel: this.env.channel, language: this.lang, ...this.state.slots, ...extra });
  }

  /** A label's text in every language: a customer may answer with any of them. */
  labels = (key: string): string[] => this.parts.prompts.languages().map((l) => this.parts.prompts.t(l, key));

  choices(options: OptionDef[]): OutChoice[] {
    return options.map((o, i) => ({ title: this.t(o.label), value: o.value, digit: o.digit ?? String(i + 1) }));
  }

  emit(step: OutStep): void {
    this.out.push(step);
  }

  say(key: string): void {
    this.emit({ type: 'say', text: this.t(key) });
  }

  /** Takes the pending reply: it is answered now. */
  consume(): PendingReply {
    const reply = this.pending ?? { text: '' };
    this.pending = null;
    return reply;
  }

  setSlot(name: string, value: Scalar | null): void {
    if (value === null) delete this.state.slots[name];
    else this.state.slots[name] = value;
  }

  private moveTo(p: Position): void {
    Object.assign(this.state, { flow: p.flow, node: p.node, index: p.index, retries: 0 });
    this.state.pick = undefined;
    const label = `${p.flow}.${p.node}`;
    if (this.state.path[this.state.path.length - 1] !== label) this.state.path = [...this.state.path, label].slice(-PATH_LIMIT);
  }

  /** Jump to a node of this flow, or to `flow.node` (which leaves any sub-flows). */
  jump(target: string): void {
    const t = resolveTarget(this.state.flow, target);
    if (t.flow !== this.state.flow) this.state.stack = [];
    this.moveTo({ flow: t.flow, node: t.node, index: 0 });
  }

  /** Run a sub-flow; it returns to the step after this one. */
  call(flowId: string): void {
    const callee = this.flow(flowId);
    this.state.stack = [...this.state.stack, { flow: this.state.flow, node: this.state.node, index: this.state.index + 1 }];
    this.moveTo({ flow: callee.id, node: callee.start, index: 0 });
  }

  /** Back to the caller; false when this is the top flow. */
  return(): boolean {
    const caller = this.state.stack[this.state.stack.length - 1];
    if (!caller) return false;
    this.state.stack = this.state.stack.slice(0, -1);
    this.moveTo(caller);
    return true;
  }

  /** The top flow ran to its end: the next reply starts at its resume node. */
  restart(): void {
    const main = this.flow('main');
    this.state.stack = [];
    this.moveTo({ flow: 'main', node: main.resume ?? main.start, index: 0 });
  }

  advance(): void {
    this.state.index++;
    this.state.retries = 0;
  }

  /** Too many invalid answers: go where the step says, else to a person. */
  fail(onFail: string | undefined): void {
    this.setSlot('escalation_trigger', 'retries');
    const operator = this.parts.bundle.global.intents.operator?.goto;
    this.jump(onFail ?? operator ?? `main.${this.flow('main').start}`);
  }

  /** Slots safe to pass on with an escalation (no card data and the like). */
  shareableSlots(): Record<string, Scalar> {
    return Object.fromEntries(Object.entries(this.state.slots).filter(([k]) => !this.parts.sensitiveSlots.has(k)));
  }
}
