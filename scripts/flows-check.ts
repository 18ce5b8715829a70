// `npm run flows:check [-- --flows DIR --prompts DIR]`: validates the flows
// exactly as the gateway does at start-up (plus knowledge-base entry ids) and
// prints every problem as "file:line: field: message". Exit code 1 on any.
import fs from 'node:fs';
import path from 'node:path';
import { Prompts } from '../src/flows/prompts';
import { checkSources, readSources } from '../src/flows/loader';
import { loadKb } from '../src/faq/kb';

const ROOT = path.resolve(__dirname, '..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return path.resolve(ROOT, i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback);
}

function main(): number {
  const flowsDir = arg('flows', 'flows');
  const promptsDir = arg('prompts', 'prompts');
  let prompts: Prompts;
  try {
    prompts = Prompts.load(promptsDir);
  } catch (err) {
    console.error(`${promptsDir}: ${(err as Error).message}`);
    return 1;
  }
  const kbFile = path.join(flowsDir, 'faq', 'kb.yaml');
  const kbEntries = fs.existsSync(kbFile) ? new Set(loadKb(kbFile).map((e) => e.id)) : undefined;
  const { bundle, problems } = checkSources(readSources(flowsDir), prompts, { kbEntries });
  if (!bundle) {
    const here = process.cwd() + path.sep;
    for (const p of problems) console.error(p.startsWith(here) ? p.slice(here.length) : p);
    console.error(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), flowsDir) || '.'}`);
    return 1;
  }
  const steps = [...bundle.flows.values()].reduce((n, f) => n + Object.values(f.nodes).reduce((m, s) => m + s.length, 0), 0);
  console.log(`flows OK: ${bundle.flows.size} flows, ${steps} steps, ${Object.keys(bundle.global.intents).length} global intents, queues with hours: ${bundle.hours.queueNames().join(', ') || 'none'}; languages: ${prompts.languages().join(', ')}`);
  return 0;
}

process.exit(main());
