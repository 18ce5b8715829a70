// The FAQ matcher's quality floors: the dev queries of the demo content and
// our own paraphrase set; no query of either was copied into the knowledge base.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { evaluate, readQueries } from '../../src/faq/eval';
import { FaqService } from '../../src/faq/faq.service';
import { loadKb } from '../../src/faq/kb';

const ROOT = path.resolve(__dirname, '..', '..');
// A copy of ../shared/data/faq/dev-queries.jsonl (the demo content), so a clone tests on its own.
const DEV_QUERIES = path.resolve(ROOT, 'test', 'faq', 'fixtures', 'dev-queries.jsonl');
const PARAPHRASES = path.resolve(__dirname, 'fixtures', 'paraphrase-queries.jsonl');

describe('FAQ evaluation', () => {
  const faq = new FaqService(loadKb(path.resolve(ROOT, 'flows', 'faq', 'kb.yaml')), 0.5);

  it('when the dev queries are asked, then at least 90% of in-scope ones get the right answer and 85% of out-of-scope ones are refused', () => {
    const report = evaluate(faq, readQueries(DEV_QUERIES));
    expect(report.inScope.total).toBeGreaterThanOrEqual(60);
    expect(report.outOfScope.total).toBeGreaterThanOrEqual(10);
    expect(report.inScope.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.outOfScope.rejection).toBeGreaterThanOrEqual(0.85);
  });

  it('when differently worded questions are asked (typos, speech, Albanian, other topics), then the same floors hold', () => {
    const report = evaluate(faq, readQueries(PARAPHRASES));
    expect(report.inScope.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.outOfScope.rejection).toBeGreaterThanOrEqual(0.85);
  });

  it('when faq:eval runs with --json, then its last line is the summary object', () => {
    const tsx = path.resolve(ROOT, 'node_modules', '.bin', 'tsx');
    const run = spawnSync(tsx, ['scripts/faq-eval.ts', '--queries', DEV_QUERIES, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^in-scope top-1 accuracy: +\d\.\d{3} \(\d+\/\d+\)$/);
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toEqual({
      inScope: { total: 65, correct: expect.any(Number), accuracy: expect.any(Number) },
      outOfScope: { total: 15, rejected: expect.any(Number), rejection: expect.any(Number) },
      p99Ms: expect.any(Number),
    });
    expect(summary.inScope.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('when a queries file has a malformed line, then faq:eval names the file and line and fails', () => {
    const tsx = path.resolve(ROOT, 'node_modules', '.bin', 'tsx');
    const bad = path.resolve(__dirname, 'fixtures', 'bad-queries.jsonl');
    const run = spawnSync(tsx, ['scripts/faq-eval.ts', '--queries', bad], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('bad-queries.jsonl:2');
  });
});
