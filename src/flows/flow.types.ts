// The flow language: a flow is named nodes, each a list of steps (see
// steps.schema.ts). Steps that take input (ask, collect, faq, record) suspend
// the flow until the customer answers. Also: the global intents file, the
// channel-neutral output of a turn, and the state kept between turns.
import { z } from 'zod';
import { target, type CollectType, type Scalar, type Step } from './steps.schema';

export type { Step, StepOf, ChoiceDef, OptionDef, StepKind, Condition, CollectType, CaseType, Scalar } from './steps.schema';

const phrases = z.array(z.string().min(1)).default([]);

/** An intent: keywords match the whole reply, synonyms anywhere in it. */
export const intentSchema = z
  .object({
    keywords: phrases,
    synonyms: phrases,
    goto: target.optional(),
    action: z.enum(['repeat', 'back']).optional(),
    /** Sets the slot escalation_trigger, so a handoff it leads to records why. */
    trigger: z.string().optional(),
    /** Also fires when the reply's sentiment score is at or below this (see sentiment.ts). */
    sentiment: z.number().max(0).optional(),
    /** A soft intent does not interrupt a collect or record (a complaint text may well be angry). */
    soft: z.boolean().default(false),
  })
  .strict()
  .refine((i) => !!i.goto !== !!i.action, { message: 'an intent needs either goto or action', path: ['goto'] });

export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_-]+$/),
    start: z.string(),
    /** Where the next reply starts after the flow ran to its end (top-level flows). */
    resume: z.string().optional(),
    /** This flow's own intents; one named like a global intent overrides it while this flow runs. */
    intents: z.record(z.string(), intentSchema).default({}),
    nodes: z.record(z.string().regex(/^[a-z0-9_]+$/, 'a node name is lowercase letters, digits and _'), z.array(z.unknown()).min(1)),
  })
  .strict();

export const globalSchema = z
  .object({
    intents: z.record(z.string(), intentSchema).default({}),
    /** Per escalation trigger: the priority and reason a handoff step gets when it gives none. */
    triggers: z.record(z.string(), z.object({ priority: z.number().int().default(0), reason: z.string().min(1) }).strict()).default({}),
  })
  .strict();

export type Intent = z.infer<typeof intentSchema>;
export type Flow = Omit<z.infer<typeof flowSchema>, 'nodes'> & { nodes: Record<string, Step[]>; file: string };
export type GlobalConfig = z.infer<typeof globalSchema>;

export interface OutChoice {
  title: string;
  value: string;
  digit?: string;
}

/** Channel-neutral output of a turn; each channel renders these its own way. */
export type OutStep =
  | { type: 'say'; text: string }
  | { type: 'ask'; text: string; choices: OutChoice[] }
  | { type: 'collect'; text: string; slot: string; kind: CollectType; sensitive: boolean; choices?: OutChoice[] }
  | { type: 'record'; text: string; slot: string; maxSeconds: number }
  | {
      type: 'handoff';
      queue: string;
      reason: string;
      trigger: string;
      priority: number;
      skills: string[];
      /** Replaces the usual queue message; `{position}` is left for the bot to fill in. */
      text?: string;
      slots: Record<string, Scalar>;
      path: string[];
    }
  | { type: 'end' };

export interface FaqAttemptState {
  question: string;
  entryId?: string;
  confidence: number;
  answered: boolean;
}

export interface Position {
  flow: string;
  node: string;
  index: number;
}

/** Where a conversation is in its flows; kept in bot state (MongoDB), so it survives a restart. */
export interface FlowState extends Position {
  /** Callers of the running sub-flow, each at the step after its `call`. */
  stack: Position[];
  slots: Record<string, Scalar>;
  /** FAQ misses in a row. */
  misses: number;
  /** Invalid answers at the step the flow waits at. */
  retries: number;
  faq: FaqAttemptState[];
  /** Earlier places the flow waited at, for "back". */
  back: { at: Position; stack: Position[] }[];
  /** What the last turn said, for "repeat". */
  last: OutStep[];
  /** Entries offered when two FAQ answers were close. */
  pick?: { question: string; options: string[] };
  /** Nodes passed through (the IVR path), newest last. */
  path: string[];
}
