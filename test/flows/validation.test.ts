import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Prompts } from '../../src/flows/prompts';
import { checkSources, loadFlows, FlowValidationError, Source } from '../../src/flows/loader';
import { ROOT } from './helpers';
import { loadContent } from '../../src/app';
import { loadConfig } from '../../src/config';

/** The repository's prompts plus one key that exists in English only. */
function prompts(): Prompts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  for (const f of ['en.yaml', 'sq.yaml']) fs.copyFileSync(path.join(ROOT, 'prompts', f), path.join(dir, f));
  fs.appendFileSync(path.join(dir, 'en.yaml'), '\nonly_english: "Only in English"\nsay_name: "Hello {customer_name}"\n');
  fs.appendFileSync(path.join(dir, 'sq.yaml'), '\nsay_name: "Përshëndetje {customer_name}"\n');
  return Prompts.load(dir);
}

const MAIN = `id: main
start: hello
nodes:
  hello:
    - say: welcome
    - ask:
        prompt: main_menu
        choices:
          - { value: a, label: choice_yes, goto: bye }
  bye:
    - end: true
`;

function check(files: Record<string, string>): string[] {
  const sources: Source[] = Object.entries(files).map(([file, source]) => ({ file, source }));
  return checkSources(sources, prompts()).problems;
}

describe('flows: validation names file, line and field', () => {
  it('when the demo flows are checked, then there is no problem', () => {
    expect(check(Object.fromEntries(fs.readdirSync(path.join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml')).map((f) => [`flows/${f}`, fs.readFileSync(path.join(ROOT, 'flows', f), 'utf8')])))).toEqual([]);
  });

  it('when a file is not valid YAML, then the error names the file and the line', () => {
    const problems = check({ 'flows/main.yaml': 'id: main\nstart: hello\nnodes:\n  hello:\n    - say: [unclosed\n' });
    expect(problems[0]).toMatch(/^flows\/main\.yaml:\d+: \(yaml\): bad YAML/);
    expect(Number(/:(\d+):/.exec(problems[0])?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('when a step has an unknown type, then the error names its line and the key', () => {
    const problems = check({ 'flows/main.yaml': MAIN.replace('    - end: true', '    - shout: loudly') });
    expect(problems).toEqual([expect.stringMatching(/^flows\/main\.yaml:11: nodes\.bye\.0\.shout: unknown step type "shout" \(known: say, ask, /)]);
  });

  it('when a step has a wrong field, then the error names the field', () => {
    const problems = check({ 'flows/main.yaml': MAIN.replace("{ value: a, label: choice_yes, goto: bye }", "{ value: a, label: choice_yes, goto: bye, digit: '12' }") });
    expect(problems).toEqual([expect.stringMatching(/^flows\/main\.yaml:9: nodes\.hello\.1\.ask\.choices\.0\.digit: a digit is 0-9/)]);
  });

  it('when a target is unknown (a node, a flow.node, a called flow), then each error names its line and field', () => {
    const problems = check({
      'flows/main.yaml': MAIN.replace('goto: bye }', 'goto: byee }').replace('    - end: true', '    - call: nowhere\n    - goto: other.missing'),
    });
    expect(problems).toEqual([
      'flows/main.yaml:9: nodes.hello.1.ask.choices.0.goto: unknown node "byee"',
      'flows/main.yaml:11: nodes.bye.0.call: unknown flow "nowhere"',
      'flows/main.yaml:12: nodes.bye.1.goto: unknown flow "other" in target "other.missing"',
    ]);
  });

  it('when a node is unreachable, then the error names the node', () => {
    const problems = check({ 'flows/main.yaml': `${MAIN}  lonely:\n    - say: welcome\n` });
    expect(problems).toEqual(['flows/main.yaml:12: nodes.lonely: unreachable node: nothing leads here']);
  });

  it('when a step follows one that never continues, then the error names the unreachable step', () => {
    const problems = check({ 'flows/main.yaml': MAIN.replace('    - end: true', '    - goto: hello\n    - say: welcome') });
    expect(problems).toEqual(['flows/main.yaml:12: nodes.bye.1: unreachable step: the step before it never continues here']);
  });

  it('when a flow is never called, then the error names its id', () => {
    const problems = check({ 'flows/main.yaml': MAIN, 'flows/extra.yaml': 'id: extra\nstart: a\nnodes:\n  a:\n    - say: welcome\n' });
    expect(problems).toEqual(['flows/extra.yaml:1: id: flow "extra" is never called']);
  });

  it('when a prompt is missing in one configured language, then the error names the step field and the language file', () => {
    const problems = check({ 'flows/main.yaml': MAIN.replace('    - say: welcome', '    - say: only_english') });
    expect(problems).toEqual(['flows/main.yaml:5: nodes.hello.0.say: prompt "only_english" is missing in prompts/sq.yaml']);
  });

  it('when a slot is used before any step sets it, then the error names the step that reads it', () => {
    const problems = check({
      'flows/main.yaml': MAIN.replace(
        '    - end: true',
        '    - if: { slot: plan, equals: max }\n      then: done\n    - say: say_name\n    - collect: { slot: customer_name, type: text, prompt: main_menu }\n    - say: say_name\n    - end: true\n  done:\n    - end: true',
      ),
    });
    expect(problems).toEqual([
      'flows/main.yaml:11: nodes.bye.0.if: slot "plan" is used before it is set',
      'flows/main.yaml:13: nodes.bye.1.say: slot "customer_name" is used before it is set (in prompt "say_name")',
    ]);
  });

  it('when a slot is set in a sub-flow, then the caller may use it after the call', () => {
    const problems = check({
      'flows/main.yaml': MAIN.replace('    - end: true', '    - call: ask_name\n    - say: say_name\n    - end: true'),
      'flows/ask_name.yaml': 'id: ask_name\nstart: a\nnodes:\n  a:\n    - collect: { slot: customer_name, type: text, prompt: main_menu }\n',
    });
    expect(problems).toEqual([]);
  });

  it('when a business-hours queue is not in hours.yaml, or hours.yaml is wrong, then the errors name file, line and field', () => {
    const problems = check({
      'flows/main.yaml': MAIN.replace('    - end: true', '    - if: { business_hours: billing }\n      then: hello\n    - end: true'),
      'flows/hours.yaml': 'timezone: Europe/Tirane\nqueues:\n  general:\n    weekly: { mon-fri: "09:00-17:00", sun: "9-5" }\n',
    });
    expect(problems).toEqual(['flows/hours.yaml:4: queues.general.weekly.sun: hours are HH:MM-HH:MM']);
    const unknownQueue = check({
      'flows/main.yaml': MAIN.replace('    - end: true', '    - if: { business_hours: billing }\n      then: hello\n    - end: true'),
      'flows/hours.yaml': 'timezone: Mars/Olympus\nqueues: {}\n',
    });
    expect(unknownQueue).toEqual(['flows/hours.yaml:1: timezone: unknown time zone']);
    const noQueue = check({ 'flows/main.yaml': MAIN.replace('    - end: true', '    - if: { business_hours: billing }\n      then: hello\n    - end: true') });
    expect(noQueue).toEqual(['flows/main.yaml:11: nodes.bye.0.if.business_hours: no business hours for queue "billing" in hours.yaml']);
  });

  it('when a global intent leads nowhere, then the error names global.yaml, the line and the intent', () => {
    const problems = check({ 'flows/main.yaml': MAIN, 'flows/global.yaml': 'intents:\n  menu:\n    keywords: [menu]\n    goto: main.nowhere\n' });
    expect(problems).toEqual(['flows/global.yaml:4: intents.menu.goto: unknown node "nowhere" in flow "main"']);
  });

  it('when the gateway loads an invalid flow directory, then it refuses with every problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-'));
    fs.writeFileSync(path.join(dir, 'main.yaml'), MAIN.replace('goto: bye }', 'goto: byee }'));
    expect(() => loadFlows(dir, prompts())).toThrow(FlowValidationError);
    expect(() => loadFlows(dir, prompts())).toThrow(/main\.yaml:9: nodes\.hello\.1\.ask\.choices\.0\.goto: unknown node "byee"/);
  });

  it('when the gateway is configured with an invalid flow directory, then loading its content refuses to start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-'));
    fs.writeFileSync(path.join(dir, 'main.yaml'), MAIN.replace('    - end: true', '    - shout: loudly'));
    const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', REDIS_URL: 'redis://127.0.0.1:1', FLOWS_DIR: dir });
    expect(() => loadContent(config)).toThrow(/main\.yaml:11: nodes\.bye\.0\.shout: unknown step type "shout"/);
  });

  it('when `npm run flows:check` runs, then it passes on the demo flows and fails with file:line: field on a broken copy', () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const script = path.join(ROOT, 'scripts', 'flows-check.ts');
    const ok = spawnSync(tsx, [script], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/flows OK: \d+ flows/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-'));
    for (const f of fs.readdirSync(path.join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml'))) fs.copyFileSync(path.join(ROOT, 'flows', f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'status.yaml'), fs.readFileSync(path.join(ROOT, 'flows', 'status.yaml'), 'utf8').replace('missing: not_found', 'missing: not_there'));
    const bad = spawnSync(tsx, [script, '--flows', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/status\.yaml:\d+: nodes\.number\.1\.find_case\.missing: unknown node "not_there"/);
    expect(bad.stderr).toMatch(/1 problem in /);
  });
});
