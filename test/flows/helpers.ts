// A conversation test client for the flow engine: "send '2', expect the
// support menu". It runs the demo flows, prompts and knowledge base from the
// repository, keeps the state between turns as JSON (as the bot's MongoDB
// storage does), lets the test set "now", and creates real cases in a
// database of its own (FerretDB/MongoDB).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { connectMongo } from '../../src/infra/mongo';
import { Prompts } from '../../src/flows/prompts';
import { loadFlows, FlowBundle } from '../../src/flows/loader';
import { FlowEngine, FaqPort, FlowActions, TurnInput } from '../../src/flows/engine';
import type { FlowState, OutStep } from '../../src/flows/flow.types';
import { loadKb } from '../../src/faq/kb';
import { FaqService } from '../../src/faq/faq.service';
import { createStore } from '../../src/store';
import { createRedis } from '../../src/infra/redis';
import { CasesService } from '../../src/cases/cases.service';
import { caseActions } from '../../src/cases/flow-actions';
import type { ConversationDoc } from '../../src/conversations/conversations.service';
import { testServiceUrls } from '../helpers/gateway';

export const ROOT = path.resolve(__dirname, '../..');

export interface Demo {
  prompts: Prompts;
  bundle: FlowBundle;
  faq: FaqService;
}

export function loadDemo(): Demo {
  const prompts = Prompts.load(path.join(ROOT, 'prompts'));
  return { prompts, bundle: loadFlows(path.join(ROOT, 'flows'), prompts), faq: new FaqService(loadKb(path.join(ROOT, 'flows/faq/kb.yaml')), 0.5) };
}

/** A moment in Tirana: `at('2025-03-11 10:00')` (CET, UTC+1, in March). */
export function tirana(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}:00+01:00`);
}

export class TestClock {
  constructor(public now: Date = tirana('2025-03-11 10:00')) {}
  read = (): Date => this.now;
}

/** A database of the test file's own, with the real CasesService on it. */
export async function casesDb(name: string): Promise<{ conn: Connection; cases: CasesService; close(): Promise<void> }> {
  const { mongo, redis: redisUrl } = testServiceUrls();
  const id = `t_${name}_${randomBytes(3).toString('hex')}`;
  const conn = await connectMongo(`${mongo}/${id}`);
  const redis = createRedis(redisUrl);
  const cases = new CasesService(createStore(conn, redis, id));
  await conn.syncIndexes();
  return {
    conn,
    cases,
    async close() {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
      await redis.quit();
    },
  };
}

/** A conversation document as the bot would pass it (the engine only needs ids and the channel). */
export function fakeConversation(channel = 'webchat', address = 'web-user'): ConversationDoc {
  return { _id: new Types.ObjectId(), customerId: new Types.ObjectId(), channel, address, language: 'en' } as unknown as ConversationDoc;
}

export interface Reply {
  steps: OutStep[];
  /** Every text said or asked, in order. */
  texts: string[];
  /** All texts joined, for regular expressions. */
  text: string;
  /** Titles of the choices of the last question. */
  choices: string[];
  handoff?: Extract<OutStep, { type: 'handoff' }>;
  ended: boolean;
}

export function reply(steps: OutStep[]): Reply {
  const texts = steps.flatMap((s) => ('text' in s && s.text ? [s.text] : []));
  const last = [...steps].reverse().find((s) => s.type === 'ask' || (s.type === 'collect' && s.choices));
  const choices = last && (last.type === 'ask' || last.type === 'collect') ? (last.choices ?? []).map((c) => c.title) : [];
  return { steps, texts, text: texts.join('\n'), choices, handoff: steps.find((s) => s.type === 'handoff') as Reply['handoff'], ended: steps.some((s) => s.type === 'end') };
}

export interface ClientOptions {
  channel?: string;
  lang?: string;
  canRecord?: boolean;
  actions?: FlowActions;
  address?: string;
}

export class FlowClient {
  state: Partial<FlowState> | undefined;

  constructor(
    private readonly engine: FlowEngine,
    private readonly opts: ClientOptions & { actions: FlowActions },
  ) {}

  set lang(lang: string) {
    this.opts.lang = lang;
  }

  private async turn(input: TurnInput): Promise<Reply> {
    const r = await this.engine.run(this.state, input, {
      lang: this.opts.lang ?? 'en',
      channel: this.opts.channel ?? 'webchat',
      canRecord: this.opts.canRecord ?? this.opts.channel === 'voice',
      actions: this.opts.actions,
      vars: { address: this.opts.address ?? 'web-user' },
    });
    // Through JSON, as MongoStorage keeps it: nothing but plain data may live in the state.
    this.state = JSON.parse(JSON.stringify(r.state)) as FlowState;
    return reply(r.steps);
  }

  start(): Promise<Reply> {
    return this.turn({ kind: 'start' });
  }

  send(text: string, extra: { value?: string; attachments?: { contentType?: string; url: string }[] } = {}): Promise<Reply> {
    return this.turn({ kind: 'text', text, ...extra });
  }
}

/** An engine over the demo content with a test clock; `client()` opens a conversation whose cases go to `cases`. */
export function demoEngine(demo: Demo, clock: TestClock, cases?: CasesService, faq?: FaqPort) {
  const engine = new FlowEngine(demo.bundle, demo.prompts, faq ?? demo.faq, { company: 'Vala Telecom' }, clock.read);
  return {
    engine,
    client(opts: ClientOptions = {}) {
      const conversation = fakeConversation(opts.channel, opts.address);
      const actions = opts.actions ?? (cases ? caseActions(cases, conversation) : undefined);
      if (!actions) throw new Error('give cases or actions');
      return Object.assign(new FlowClient(engine, { ...opts, actions }), { conversation });
    },
  };
}
