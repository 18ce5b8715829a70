// Cross-file checks once every flow has parsed: jump targets and called
// flows exist, intents lead somewhere, every prompt exists in every
// language, business-hours queues are defined, and no node or step is
// unreachable. Each problem names file, line and field.
import type { Flow, GlobalConfig, Intent, Step } from './flow.types';
import type { BusinessHours } from './hours';
import type { Prompts } from './prompts';
import type { ParsedFlow } from './loader';
import { queuesIn } from './conditions';
import { endsNode, promptsOf, resolveTarget, targetsOf } from './refs';
import type { FieldPath, YamlSource } from './yaml';

export interface CheckContext {
  global: GlobalConfig;
  globalSrc?: YamlSource;
  hours: BusinessHours;
  hoursSrc?: YamlSource;
  prompts: Prompts;
  kbEntries?: Set<string>;
}

export function checkFlows(parsed: ParsedFlow[], ctx: CheckContext): string[] {
  const problems: string[] = [];
  const flows = new Map(parsed.map((p) => [p.flow.id, p.flow]));
  // Nodes reached from outside their own flow: global intents and flow.node targets.
  const entered = new Map<string, Set<string>>(parsed.map((p) => [p.flow.id, new Set<string>()]));

  const checkTarget = (from: string, t: string, problem: (m: string) => void, qualified = false) => {
    if (qualified && !t.includes('.')) return problem(`target "${t}" must be flow.node here`);
    const { flow, node } = resolveTarget(from, t);
    const f = flows.get(flow);
    if (!f) return problem(`unknown flow "${flow}" in target "${t}"`);
    if (!f.nodes[node]) return problem(`unknown node "${node}"${flow !== from ? ` in flow "${flow}"` : ''}`);
    if (flow !== from) entered.get(flow)?.add(node);
  };

  const checkIntent = (name: string, intent: Intent, from: string | undefined, src: YamlSource | undefined, base: FieldPath) => {
    const problem = (field: string, m: string) => problems.push(src ? src.problem([...base, name, field], m) : `${field}: ${m}`);
    if (intent.goto) checkTarget(from ?? '', intent.goto, (m) => problem('goto', m), from === undefined);
    const hasWords = intent.keywords.length || intent.synonyms.length || intent.sentiment !== undefined;
    if (from !== undefined && !hasWords && !ctx.global.intents[name]) problem('keywords', `intent "${name}" has no keywords and overrides no global intent`);
  };

  for (const [name, intent] of Object.entries(ctx.global.intents)) checkIntent(name, intent, undefined, ctx.globalSrc, ['intents']);

  for (const { flow, src } of parsed) {
    const at = (p: FieldPath, m: string) => problems.push(src.problem(p, m));
    if (!flow.nodes[flow.start]) at(['start'], `unknown node "${flow.start}"`);
    if (flow.resume && !flow.nodes[flow.resume]) at(['resume'], `unknown node "${flow.resume}"`);
    for (const [name, intent] of Object.entries(flow.intents)) checkIntent(name, intent, flow.id, src, ['intents']);
    for (const [node, steps] of Object.entries(flow.nodes)) {
      steps.forEach((step, i) => {
        const here: FieldPath = ['nodes', node, i];
        for (const r of targetsOf(step)) checkTarget(flow.id, r.value, (m) => at([...here, ...r.field], m));
        if ('call' in step && !flows.has(step.call)) at([...here, 'call'], `unknown flow "${step.call}"`);
        if ('call' in step && step.call === 'main') at([...here, 'call'], 'main is the top flow; it cannot be called');
        for (const r of promptsOf(step)) {
          for (const lang of ctx.prompts.languages()) {
            if (!ctx.prompts.has(lang, r.value)) at([...here, ...r.field], `prompt "${r.value}" is missing in prompts/${lang}.yaml`);
          }
        }
        if ('if' in step) {
          for (const q of queuesIn(step.if)) if (!ctx.hours.has(q)) at([...here, 'if', 'business_hours'], `no business hours for queue "${q}" in hours.yaml`);
        }
        if ('faq' in step && step.faq.entry && ctx.kbEntries && !ctx.kbEntries.has(step.faq.entry)) {
          at([...here, 'faq', 'entry'], `no knowledge-base entry "${step.faq.entry}"`);
        }
        if ('collect' in step && step.collect.pattern !== undefined) {
          try {
            new RegExp(step.collect.pattern);
          } catch {
            at([...here, 'collect', 'pattern'], 'not a valid regular expression');
          }
        }
        if (i > 0 && endsNode(steps[i - 1])) at(here, 'unreachable step: the step before it never continues here');
      });
    }
  }
  if (problems.length) return problems;

  for (const { flow, src } of parsed) {
    const roots = [flow.start, ...(flow.resume ? [flow.resume] : []), ...(entered.get(flow.id) ?? [])];
    for (const intent of Object.values(flow.intents)) if (intent.goto && !intent.goto.includes('.')) roots.push(intent.goto);
    const reached = reachable(flow, roots);
    for (const node of Object.keys(flow.nodes)) if (!reached.has(node)) problems.push(src.problem(['nodes', node], 'unreachable node: nothing leads here'));
    const called = flow.id === 'main' || parsed.some((p) => Object.values(p.flow.nodes).some((s) => s.some((x) => 'call' in x && x.call === flow.id)));
    if (!called && !(entered.get(flow.id)?.size ?? 0)) problems.push(src.problem(['id'], `flow "${flow.id}" is never called`));
  }
  return problems;
}

function reachable(flow: Flow, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length) {
    const node = todo.pop() as string;
    if (seen.has(node) || !flow.nodes[node]) continue;
    seen.add(node);
    flow.nodes[node].forEach((step: Step) => {
      for (const r of targetsOf(step)) {
        const t = resolveTarget(flow.id, r.value);
        if (t.flow === flow.id) todo.push(t.node);
      }
    });
  }
  return seen;
}
