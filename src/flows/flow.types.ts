// The flow language: a flow is named nodes, each a list of steps. Steps that
// take input (ask, faq) suspend the flow until the customer answers.
import { z } from 'zod';

const choice = z.object({
  value: z.string().min(1),
  label: z.string().min(1),
  digit: z.string().regex(/^[0-9*#]$/).optional(),
  keywords: z.array(z.string()).optional(),
  goto: z.string().min(1),
});

export const stepSchema = z.union([
  z.object({ say: z.string().min(1) }).strict(),
  z.object({ ask: z.object({ prompt: z.string().min(1), choices: z.array(choice).min(1), otherwise: z.string().optional() }).strict() }).strict(),
  z
    .object({
      faq: z
        .object({ handoff: z.string().optional(), offer: z.string().optional(), offer_person_after: z.number().int().min(1).default(2) })
        .strict(),
    })
    .strict(),
  z
    .object({
      handoff: z
        .object({
          queue: z.string().default('general'),
          reason: z.string().default('customer asked for a person'),
          trigger: z.string().default('request'),
          priority: z.number().int().default(0),
          skills: z.array(z.string()).default([]),
        })
        .strict(),
    })
    .strict(),
  z.object({ goto: z.string().min(1) }).strict(),
  z.object({ end: z.null().or(z.literal(true)) }).strict(),
]);

export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_-]+$/),
    start: z.string(),
    resume: z.string().optional(),
    intents: z.record(z.string(), z.object({ keywords: z.array(z.string()).min(1), goto: z.string() })).default({}),
    nodes: z.record(z.string(), z.array(stepSchema).min(1)),
  })
  .strict();

export type Step = z.infer<typeof stepSchema>;
export type Flow = z.infer<typeof flowSchema>;
export type ChoiceDef = z.infer<typeof choice>;

/** Channel-neutral output of a turn; each channel renders these its own way. */
export type OutStep =
  | { type: 'say'; text: string }
  | { type: 'ask'; text: string; choices: { title: string; value: string; digit?: string }[] }
  | { type: 'handoff'; queue: string; reason: string; trigger: string; priority: number; skills: string[] }
  | { type: 'end' };

export interface FaqAttemptState {
  question: string;
  entryId?: string;
  confidence: number;
  answered: boolean;
}

/** Where a conversation is in its flow; kept in bot state (MongoDB). */
export interface FlowState {
  flow: string;
  node: string;
  index: number;
  misses: number;
  faq: FaqAttemptState[];
}
