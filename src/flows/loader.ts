// Loads flows/*.yaml (plus global.yaml: intents and priorities, and
// hours.yaml: business hours) and validates them all: YAML, schema, step
// types, targets, reachability, prompts in every language, slots used
// before they are set. Every error names file, line and field; one bad
// file stops the gateway from starting.
import fs from 'node:fs';
import path from 'node:path';
import { flowSchema, globalSchema, Flow, GlobalConfig, Step } from './flow.types';
import { STEP_KINDS, STEP_SCHEMAS, stepKind } from './steps.schema';
import type { Prompts } from './prompts';
import { BusinessHours } from './hours';
import { FlowValidationError, YamlSource } from './yaml';
import { checkFlows } from './checks';
import { checkSlots } from './slots-check';
import { CASE_STATUSES, CASE_TYPES } from '../cases/case.types';
import { COLLECT_TYPES } from './steps.schema';

export { FlowValidationError };

export const GLOBAL_FILE = 'global.yaml';
export const HOURS_FILE = 'hours.yaml';

/** Prompt keys the engine itself uses, beyond those named in flows. */
export const ENGINE_PROMPTS = [
  'faq_rephrase',
  'faq_pick',
  'ask_invalid',
  'back_none',
  'choice_yes',
  'choice_no',
  'handoff_queued',
  'handoff_already',
  'operator_joined',
  'resolved',
  'turn_error',
  ...COLLECT_TYPES.map((t) => `invalid_${t}`),
  ...CASE_STATUSES.map((s) => `case_status_${s}`),
  ...CASE_TYPES.map((t) => `case_type_${t}`),
];

export interface FlowBundle {
  flows: Map<string, Flow>;
  global: GlobalConfig;
  hours: BusinessHours;
}

export interface LoadOptions {
  /** Knowledge-base entry ids, to check `faq: {entry}` steps against. */
  kbEntries?: Set<string>;
  /** Placeholders the bot fills in (e.g. company). */
  vars?: string[];
}

export interface Source {
  file: string;
  source: string;
}

export interface ParsedFlow {
  flow: Flow;
  src: YamlSource;
}

function parseFlow(file: string, source: string, problems: string[]): ParsedFlow | undefined {
  const { src, value, problems: yamlProblems } = YamlSource.parse(file, source);
  problems.push(...yamlProblems);
  if (!src) return undefined;
  const parsed = flowSchema.safeParse(value ?? {});
  if (!parsed.success) {
    problems.push(...src.zodProblems([], parsed.error));
    return undefined;
  }
  const nodes: Record<string, Step[]> = {};
  let ok = true;
  for (const [node, raw] of Object.entries(parsed.data.nodes)) {
    nodes[node] = [];
    raw.forEach((item, i) => {
      const at = ['nodes', node, i];
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        problems.push(src.problem(at, 'a step is a map with one step key'));
        ok = false;
        return;
      }
      const kind = stepKind(item);
      if (!kind) {
        const key = Object.keys(item)[0] ?? '';
        problems.push(src.problem([...at, key], `unknown step type "${key}" (known: ${STEP_KINDS.join(', ')})`));
        ok = false;
        return;
      }
      const step = STEP_SCHEMAS[kind].safeParse(item);
      if (!step.success) {
        problems.push(...src.zodProblems(at, step.error));
        ok = false;
        return;
      }
      nodes[node].push(step.data as Step);
    });
  }
  return ok ? { flow: { ...parsed.data, nodes, file }, src } : undefined;
}

/** Validates a set of flow files (and global.yaml / hours.yaml among them). */
export function checkSources(sources: Source[], prompts: Prompts, opts: LoadOptions = {}): { bundle?: FlowBundle; problems: string[] } {
  const problems: string[] = [];
  for (const lang of prompts.languages()) {
    for (const key of ENGINE_PROMPTS) if (!prompts.has(lang, key)) problems.push(`prompts/${lang}.yaml:1: ${key}: prompt is missing (the engine says it)`);
  }
  let global: GlobalConfig = { intents: {}, triggers: {} };
  let globalSrc: YamlSource | undefined;
  let hours = new BusinessHours();
  let hoursSrc: YamlSource | undefined;
  const parsed: ParsedFlow[] = [];
  for (const { file, source } of sources) {
    const base = path.basename(file);
    if (base === GLOBAL_FILE || base === HOURS_FILE) {
      const { src, value, problems: yamlProblems } = YamlSource.parse(file, source);
      problems.push(...yamlProblems);
      if (!src) continue;
      if (base === HOURS_FILE) {
        const r = BusinessHours.validate(src, value);
        problems.push(...r.problems);
        if (r.hours) [hours, hoursSrc] = [r.hours, src];
      } else {
        const r = globalSchema.safeParse(value ?? {});
        if (r.success) [global, globalSrc] = [r.data, src];
        else problems.push(...src.zodProblems([], r.error));
      }
      continue;
    }
    const p = parseFlow(file, source, problems);
    if (!p) continue;
    if (parsed.some((x) => x.flow.id === p.flow.id)) problems.push(p.src.problem(['id'], `flow "${p.flow.id}" is defined twice`));
    else parsed.push(p);
  }
  if (problems.length) return { problems };
  if (!parsed.some((p) => p.flow.id === 'main')) return { problems: [`${sources[0]?.file ?? 'flows'}:1: id: no flow with id "main"`] };
  const vars = new Set(['company', 'position', 'channel', 'language', 'address', ...(opts.vars ?? [])]);
  problems.push(...checkFlows(parsed, { global, globalSrc, hours, hoursSrc, prompts, kbEntries: opts.kbEntries }));
  if (!problems.length) problems.push(...checkSlots(parsed, { global, prompts, vars }));
  if (problems.length) return { problems };
  return { bundle: { flows: new Map(parsed.map((p) => [p.flow.id, p.flow])), global, hours }, problems };
}

export function readSources(dir: string): Source[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: path.join(dir, f), source: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** Loads and validates every flow in `dir`; throws FlowValidationError listing each problem. */
export function loadFlows(dir: string, prompts: Prompts, opts: LoadOptions = {}): FlowBundle {
  const { bundle, problems } = checkSources(readSources(dir), prompts, opts);
  if (!bundle) throw new FlowValidationError(problems);
  return bundle;
}
