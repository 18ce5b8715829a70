// "A slot used before it is set": a may-be-set analysis over all flows. Each
// node learns which slots can be set on some way to it (through jumps, calls
// and returns); a step that reads a slot (an `if`, create_case fields, a
// `{slot}` placeholder in a prompt it says) that no way to it sets is an error.
// Intents can fire anywhere, so the nodes they lead to may see every slot.
import type { GlobalConfig, Step } from './flow.types';
import type { Prompts } from './prompts';
import type { ParsedFlow } from './loader';
import { ENGINE_SLOTS, placeholders, promptsOf, resolveTarget, slotUsesOf, slotsSetBy, targetsOf } from './refs';

type Slots = Set<string>;
const key = (flow: string, node: string) => `${flow}/${node}`;

/** Slots a step sets on each way out: the next step, and each jump target. */
function after(step: Step, s: Slots): { next: Slots; jump: (field: (string | number)[]) => Slots } {
  const next = new Set([...s, ...slotsSetBy(step)]);
  if ('collect' in step || 'record' in step) return { next, jump: () => s }; // on_fail: the slot was not set
  if ('find_case' in step) return { next, jump: (f) => (f[1] === 'missing' ? s : next) };
  return { next, jump: () => next };
}

export function checkSlots(parsed: ParsedFlow[], ctx: { global: GlobalConfig; prompts: Prompts; vars: Set<string> }): string[] {
  const flows = new Map(parsed.map((p) => [p.flow.id, p.flow]));
  const always = new Set([...ctx.vars, ...ENGINE_SLOTS]);
  const all = new Set<string>(always);
  for (const f of flows.values()) for (const steps of Object.values(f.nodes)) for (const st of steps) slotsSetBy(st).forEach((x) => all.add(x));

  // What a call may leave behind: everything the called flow (and what it calls) sets.
  const setsByFlow = new Map<string, Slots>();
  const flowSets = (id: string, seen = new Set<string>()): Slots => {
    const cached = setsByFlow.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    const f = flows.get(id);
    if (!f || seen.has(id)) return out;
    seen.add(id);
    for (const steps of Object.values(f.nodes)) {
      for (const st of steps) {
        slotsSetBy(st).forEach((x) => out.add(x));
        if ('call' in st) flowSets(st.call, seen).forEach((x) => out.add(x));
      }
    }
    setsByFlow.set(id, out);
    return out;
  };

  const entry = new Map<string, Slots>();
  const todo: string[] = [];
  const reach = (flow: string, node: string, s: Slots) => {
    const k = key(flow, node);
    const prev = entry.get(k);
    if (prev && [...s].every((x) => prev.has(x))) return;
    entry.set(k, new Set([...(prev ?? []), ...s]));
    todo.push(k);
  };
  const main = flows.get('main');
  if (main) reach('main', main.start, always);
  const intents = [...Object.values(ctx.global.intents).map((i) => i.goto && resolveTarget('', i.goto))];
  for (const f of flows.values()) for (const i of Object.values(f.intents)) if (i.goto) intents.push(resolveTarget(f.id, i.goto));
  for (const t of intents) if (t) reach(t.flow, t.node, all);

  const walk = (flowId: string, node: string, onStep?: (step: Step, i: number, s: Slots) => void) => {
    const f = flows.get(flowId);
    const steps = f?.nodes[node];
    if (!f || !steps) return;
    let s = new Set(entry.get(key(flowId, node)));
    steps.forEach((step, i) => {
      onStep?.(step, i, s);
      const { next, jump } = after(step, s);
      for (const r of targetsOf(step)) {
        const t = resolveTarget(flowId, r.value);
        reach(t.flow, t.node, jump(r.field));
      }
      if ('call' in step) {
        const callee = flows.get(step.call);
        if (callee) reach(callee.id, callee.start, next);
        flowSets(step.call).forEach((x) => next.add(x));
      }
      s = next;
    });
    // Running off the end of a node of the top flow starts it again with the slots kept; `end` forgets them.
    const ended = steps.some((st) => 'end' in st);
    if (flowId === 'main' || ended) {
      const main = flows.get('main');
      if (main) reach('main', main.resume ?? main.start, ended ? always : s);
    }
  };
  while (todo.length) {
    const [flowId, node] = (todo.shift() as string).split('/');
    walk(flowId, node);
  }

  const problems: string[] = [];
  for (const { flow, src } of parsed) {
    for (const node of Object.keys(flow.nodes)) {
      if (!entry.has(key(flow.id, node))) continue;
      walk(flow.id, node, (step, i, s) => {
        const at = ['nodes', node, i];
        for (const u of slotUsesOf(step)) {
          if (!s.has(u.value)) problems.push(src.problem([...at, ...u.field], `slot "${u.value}" is used before it is set`));
        }
        for (const r of promptsOf(step)) {
          const used = new Set(ctx.prompts.languages().flatMap((lang) => (ctx.prompts.has(lang, r.value) ? placeholders(ctx.prompts.t(lang, r.value)) : [])));
          for (const name of used) {
            if (!s.has(name)) problems.push(src.problem([...at, ...r.field], `slot "${name}" is used before it is set (in prompt "${r.value}")`));
          }
        }
      });
    }
  }
  return [...new Set(problems)];
}
