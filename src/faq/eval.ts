// Offline evaluation of the FAQ matcher: top-1 accuracy on in-scope
// questions, rejection rate on out-of-scope ones, and answer latency.
// Shared by `npm run faq:eval` and the test that holds the floors.
import fs from 'node:fs';
import { z } from 'zod';
import type { FaqService } from './faq.service';
import { guessLanguage } from './text';

const querySchema = z.object({ q: z.string(), expect: z.string().nullable() });
export type EvalQuery = z.infer<typeof querySchema>;

export interface EvalMiss {
  q: string;
  expect: string | null;
  got: string | null;
  confidence: number;
  reason: string | null;
}

export interface EvalReport {
  inScope: { total: number; correct: number; accuracy: number };
  outOfScope: { total: number; rejected: number; rejection: number };
  p50Ms: number;
  p99Ms: number;
  misses: EvalMiss[];
}

/** Reads JSON lines `{"q": "...", "expect": "<entry id>" | null}`; throws naming the bad line. */
export function readQueries(file: string): EvalQuery[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line)
    .map(({ line, n }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new Error(`${file}:${n}: not JSON`);
      }
      const parsed = querySchema.safeParse(json);
      if (!parsed.success) throw new Error(`${file}:${n}: expected {"q": string, "expect": string | null}`);
      return parsed.data;
    });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Asks each question in the language guessLanguage detects (English when it cannot tell). */
export function evaluate(faq: FaqService, queries: EvalQuery[]): EvalReport {
  const times: number[] = [];
  const misses: EvalMiss[] = [];
  let inTotal = 0;
  let correct = 0;
  let outTotal = 0;
  let rejected = 0;
  // Warm up (JIT, lazy initialisation) so the timings are those of a running server.
  for (const { q } of queries) faq.assess(q, guessLanguage(q) ?? 'en');
  for (const { q, expect } of queries) {
    const lang = guessLanguage(q) ?? 'en';
    // Median of three runs: one question's time, not the scheduler's noise on a shared machine.
    const runs: number[] = [];
    let verdict = faq.assess(q, lang);
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      verdict = faq.assess(q, lang);
      runs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.push(runs.sort((a, b) => a - b)[1]);
    const m = verdict.match;
    const answered = !!m && m.confidence >= faq.minConfidence;
    const got = answered && m ? m.entry.id : null;
    if (expect === null) {
      outTotal++;
      if (!answered) rejected++;
    } else {
      inTotal++;
      if (got === expect) correct++;
    }
    if (got !== expect) misses.push({ q, expect, got: got ?? m?.entry.id ?? null, confidence: round(m?.confidence ?? 0), reason: verdict.reason });
  }
  times.sort((a, b) => a - b);
  return {
    inScope: { total: inTotal, correct, accuracy: round(inTotal ? correct / inTotal : 1) },
    outOfScope: { total: outTotal, rejected, rejection: round(outTotal ? rejected / outTotal : 1) },
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    misses,
  };
}
