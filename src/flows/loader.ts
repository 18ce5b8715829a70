// Loads flows/*.yaml and validates them: schema, goto targets, prompt keys
// in every language, unreachable nodes. Each error names file, line, field.
import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter, isNode } from 'yaml';
import { flowSchema, Flow, Step } from './flow.types';
import type { Prompts } from './prompts';

export class FlowValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid flows:\n  ${problems.join('\n  ')}`);
  }
}

type Path = (string | number)[];

function locate(doc: YAML.Document, lc: LineCounter, p: Path): number {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

function targetsOf(step: Step): { field: string; target: string }[] {
  if ('goto' in step) return [{ field: 'goto', target: step.goto }];
  if ('ask' in step) {
    const t = step.ask.choices.map((c, i) => ({ field: `ask.choices.${i}.goto`, target: c.goto }));
    if (step.ask.otherwise) t.push({ field: 'ask.otherwise', target: step.ask.otherwise });
    return t;
  }
  if ('faq' in step) {
    const t: { field: string; target: string }[] = [];
    if (step.faq.handoff) t.push({ field: 'faq.handoff', target: step.faq.handoff });
    if (step.faq.offer) t.push({ field: 'faq.offer', target: step.faq.offer });
    return t;
  }
  return [];
}

function promptsOf(step: Step): { field: string; key: string }[] {
  if ('say' in step) return [{ field: 'say', key: step.say }];
  if ('ask' in step) return [{ field: 'ask.prompt', key: step.ask.prompt }, ...step.ask.choices.map((c, i) => ({ field: `ask.choices.${i}.label`, key: c.label }))];
  return [];
}

/** Prompt keys the engine itself uses, beyond those named in flows. */
export const ENGINE_PROMPTS = ['faq_rephrase', 'handoff_queued', 'handoff_already', 'operator_joined', 'resolved', 'turn_error'];

export function validateFlow(file: string, source: string, prompts: Prompts): { flow?: Flow; problems: string[] } {
  const lc = new LineCounter();
  const doc = YAML.parseDocument(source, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message.split('\n')[0]}`) };
  }
  const parsed = flowSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => `${file}:${locate(doc, lc, i.path as Path)}: ${i.path.join('.') || '(top)'}: ${i.message}`),
    };
  }
  const flow = parsed.data;
  const problems: string[] = [];
  const nodes = Object.keys(flow.nodes);
  const at = (p: Path, msg: string) => problems.push(`${file}:${locate(doc, lc, p)}: ${p.join('.')}: ${msg}`);
  if (!flow.nodes[flow.start]) at(['start'], `unknown node "${flow.start}"`);
  if (flow.resume && !flow.nodes[flow.resume]) at(['resume'], `unknown node "${flow.resume}"`);
  for (const [name, intent] of Object.entries(flow.intents)) {
    if (!flow.nodes[intent.goto]) at(['intents', name, 'goto'], `unknown node "${intent.goto}"`);
  }
  const reachable = new Set<string>([flow.start, ...(flow.resume ? [flow.resume] : []), ...Object.values(flow.intents).map((i) => i.goto)]);
  for (const node of nodes) {
    flow.nodes[node].forEach((step, i) => {
      for (const { field, target } of targetsOf(step)) {
        if (!flow.nodes[target]) at(['nodes', node, i, ...field.split('.')], `unknown node "${target}"`);
        reachable.add(target);
      }
      for (const { field, key } of promptsOf(step)) {
        for (const lang of prompts.languages()) {
          if (!prompts.has(lang, key)) at(['nodes', node, i, ...field.split('.')], `prompt "${key}" is missing in prompts/${lang}.yaml`);
        }
      }
    });
  }
  for (const node of nodes) if (!reachable.has(node)) at(['nodes', node], 'unreachable node: nothing leads here');
  return { flow, problems };
}

export function loadFlows(dir: string, prompts: Prompts): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  const problems: string[] = [];
  for (const lang of prompts.languages()) {
    for (const key of ENGINE_PROMPTS) if (!prompts.has(lang, key)) problems.push(`prompts/${lang}.yaml: prompt "${key}" is missing`);
  }
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = path.join(dir, f);
    const r = validateFlow(file, fs.readFileSync(file, 'utf8'), prompts);
    problems.push(...r.problems);
    if (r.flow) {
      if (flows.has(r.flow.id)) problems.push(`${file}:1: id: flow "${r.flow.id}" is defined twice`);
      flows.set(r.flow.id, r.flow);
    }
  }
  if (!flows.has('main') && problems.length === 0) problems.push(`${dir}: no flow with id "main"`);
  if (problems.length) throw new FlowValidationError(problems);
  return flows;
}
