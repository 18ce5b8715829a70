// The steps of the flow language, one zod schema per step type. A step is a
// map with exactly one step key (`if` also takes `then`/`else`); the loader
// finds that key first so an unknown step type gets its own clear error.
import { z } from 'zod';

export const COLLECT_TYPES = ['text', 'number', 'yes_no', 'choice', 'phone', 'email', 'date', 'order_number', 'account_number'] as const;
export type CollectType = (typeof COLLECT_TYPES)[number];
export const CASE_TYPES = ['order', 'complaint', 'request'] as const;
export type CaseType = (typeof CASE_TYPES)[number];
export const KB_ACTIONS = ['create_order', 'create_complaint', 'handoff'] as const;

export const slotName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a slot name is lowercase letters, digits and _');
/** A node of this flow, or `flow.node` in another flow. */
export const target = z.string().regex(/^([a-z0-9_-]+\.)?[a-z0-9_]+$/, 'a target is a node name or flow.node');
const promptKey = z.string().min(1);
const retries = z.number().int().min(0).max(10).default(2);
export type Scalar = string | number | boolean;
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** What the customer can answer: a digit, the value, the label, keywords (whole reply) or synonyms (anywhere in it). */
const option = {
  value: z.string().min(1),
  label: promptKey,
  digit: z.string().regex(/^[0-9*#]$/, 'a digit is 0-9, * or #').optional(),
  keywords: z.array(z.string().min(1)).default([]),
  synonyms: z.array(z.string().min(1)).default([]),
};
export const optionSchema = z.object(option).strict();
const choiceSchema = z.object({ ...option, goto: target }).strict();

export type Condition =
  | { slot: string; equals?: Scalar; in?: Scalar[]; set?: boolean }
  | { channel: string | string[] }
  | { language: string | string[] }
  | { business_hours: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ slot: slotName, equals: scalar.optional(), in: z.array(scalar).optional(), set: z.boolean().optional() }).strict(),
    z.object({ channel: oneOrMany }).strict(),
    z.object({ language: oneOrMany }).strict(),
    z.object({ business_hours: z.string().min(1) }).strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

export const STEP_SCHEMAS = {
  say: z.object({ say: promptKey }).strict(),
  ask: z
    .object({
      ask: z
        .object({
          prompt: promptKey,
          choices: z.array(choiceSchema).min(1),
          /** Where a reply that is none of the choices goes (with the reply); without it the question is asked again. */
          otherwise: target.optional(),
          reprompt: promptKey.optional(),
          retries,
          on_fail: target.optional(),
        })
        .strict(),
    })
    .strict(),
  collect: z
    .object({
      collect: z
        .object({
          slot: slotName,
          type: z.enum(COLLECT_TYPES),
          prompt: promptKey,
          reprompt: promptKey.optional(),
          retries,
          on_fail: target.optional(),
          choices: z.array(optionSchema).min(1).optional(),
          min: z.number().optional(),
          max: z.number().optional(),
          /** A regular expression the (trimmed) answer must match, for text and account numbers. */
          pattern: z.string().optional(),
          /** Card data and the like: channels may stop recording; the value stays out of escalation context. */
          sensitive: z.boolean().default(false),
          /** Take the value from the reply that led here ("where is my order 1042"). */
          prefill: z.boolean().default(true),
        })
        .strict()
        .refine((c) => c.type !== 'choice' || !!c.choices, { message: 'a choice slot needs choices', path: ['choices'] }),
    })
    .strict(),
  faq: z
    .object({
      faq: z
        .object({
          /** Said when the step is reached without a question to answer. */
          prompt: promptKey.optional(),
          /** Answer this knowledge-base entry instead of listening for a question. */
          entry: z.string().optional(),
          then: target.optional(),
          retry: target.optional(),
          offer: target.optional(),
          offer_person_after: z.number().int().min(1).default(2),
          actions: z.object({ create_order: target.optional(), create_complaint: target.optional(), handoff: target.optional() }).strict().default({}),
          handoff: target.optional(),
        })
        .strict(),
    })
    .strict(),
  if: z
    .object({ if: conditionSchema, then: target.optional(), else: target.optional() })
    .strict()
    .refine((s) => !!s.then || !!s.else, { message: 'an if needs then or else', path: ['then'] }),
  set: z.object({ set: z.record(slotName, z.union([scalar, z.null()])) }).strict(),
  goto: z.object({ goto: target }).strict(),
  call: z.object({ call: z.string().regex(/^[a-z0-9_-]+$/, 'a flow id') }).strict(),
  handoff: z
    .object({
      handoff: z
        .object({
          queue: z.string().default('general'),
          /** Defaults to the reason global.yaml gives the trigger. */
          reason: z.string().optional(),
          /** Defaults to the slot escalation_trigger (set by intents, retries, FAQ misses), else "request". */
          trigger: z.string().optional(),
          /** Defaults to the priority global.yaml gives the trigger. */
          priority: z.number().int().optional(),
          skills: z.array(z.string()).default([]),
          /** Said instead of the usual "you are number N in the queue" ({position} is filled in). */
          message: promptKey.optional(),
        })
        .strict(),
    })
    .strict(),
  create_case: z
    .object({
      create_case: z
        .object({ type: z.enum(CASE_TYPES), fields: z.array(slotName).min(1), summary: promptKey.optional(), save_as: slotName.default('case_number') })
        .strict(),
    })
    .strict(),
  find_case: z
    .object({ find_case: z.object({ number: slotName, found: target.optional(), missing: target }).strict() })
    .strict(),
  record: z
    .object({
      record: z
        .object({
          slot: slotName,
          prompt: promptKey,
          /** Asked instead on channels that cannot record: the customer types a message. */
          text_prompt: promptKey,
          max_seconds: z.number().int().min(5).max(600).default(120),
          retries,
          on_fail: target.optional(),
        })
        .strict(),
    })
    .strict(),
  satisfaction: z.object({ satisfaction: z.object({ slot: slotName }).strict() }).strict(),
  end: z.object({ end: z.union([z.null(), z.literal(true)]) }).strict(),
};

export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];
export type StepOf<K extends StepKind> = z.infer<(typeof STEP_SCHEMAS)[K]>;
export type Step = { [K in StepKind]: StepOf<K> }[StepKind];
export type ChoiceDef = z.infer<typeof choiceSchema>;
export type OptionDef = z.infer<typeof optionSchema>;

/** The step's type: its one step key. */
export function stepKind(step: object): StepKind | undefined {
  return STEP_KINDS.find((k) => k in step);
}

export function isStep<K extends StepKind>(step: Step, kind: K): step is StepOf<K> & Step {
  return kind in step;
}
