// `npm run faq:eval -- --queries FILE.jsonl [--json] [--kb FILE] [--min-confidence N]`:
// evaluates the FAQ matcher on labelled questions. Prints accuracy, rejection
// and the misses; with --json the last line is the machine-readable summary.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate, readQueries } from '../src/faq/eval';
import { FaqService } from '../src/faq/faq.service';
import { loadKb } from '../src/faq/kb';

const ROOT = path.resolve(__dirname, '..');
// Same default as FAQ_MIN_CONFIDENCE in src/config.ts.
const DEFAULT_MIN_CONFIDENCE = 0.5;

function main(): void {
  const { values } = parseArgs({
    options: {
      queries: { type: 'string', default: path.resolve(ROOT, '..', 'shared', 'data', 'faq', 'dev-queries.jsonl') },
      kb: { type: 'string', default: path.resolve(ROOT, 'flows', 'faq', 'kb.yaml') },
      'min-confidence': { type: 'string', default: String(DEFAULT_MIN_CONFIDENCE) },
      json: { type: 'boolean', default: false },
    },
  });
  const minConfidence = Number(values['min-confidence']);
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new Error('--min-confidence must be a number between 0 and 1');
  const faq = new FaqService(loadKb(values.kb), minConfidence);
  const report = evaluate(faq, readQueries(values.queries));
  const { inScope, outOfScope, p50Ms, p99Ms, misses } = report;
  console.log(`queries: ${values.queries}`);
  console.log(`in-scope top-1 accuracy:   ${inScope.accuracy.toFixed(3)} (${inScope.correct}/${inScope.total})`);
  console.log(`out-of-scope rejection:    ${outOfScope.rejection.toFixed(3)} (${outOfScope.rejected}/${outOfScope.total})`);
  console.log(`latency per question:      p50 ${p50Ms.toFixed(3)} ms, p99 ${p99Ms.toFixed(3)} ms`);
  console.log(misses.length ? `misses (${misses.length}):` : 'misses: none');
  for (const m of misses) {
    console.log(`  - "${m.q}"\n      expected ${m.expect ?? '(out of scope)'}, got ${m.got ?? '(nothing)'} at ${m.confidence}${m.reason ? ` [${m.reason}]` : ''}`);
  }
  if (values.json) console.log(JSON.stringify({ inScope, outOfScope, p99Ms }));
}

try {
  main();
} catch (err) {
  console.error(`faq:eval: ${(err as Error).message}`);
  process.exit(1);
}
