// Optional LLM re-ranker for the FAQ: asks an OpenAI-compatible
// /chat/completions endpoint which of the retrieved entries answers the
// question (or none). Grounded: it only ever sees those entries and its reply
// must name one of their ids. Never throws: a time-out or a bad reply is a
// status the caller falls back from.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { Lang } from './analyzer';

export interface LlmCandidate {
  id: string;
  question: string;
  answer: string;
}

export type LlmPick = { status: 'picked'; entryId: string | null } | { status: 'timeout' | 'error'; detail: string };

export interface FaqLlmOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  prompt: LlmPrompt;
  company: string;
}

export interface LlmPrompt {
  system: string;
  user: string;
}

const promptSchema = z.object({ system: z.string().min(1), user: z.string().min(1) });
const replySchema = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1) });

/** Reads prompts/llm/faq-pick.yaml; throws naming the file when it is missing or malformed. */
export function loadLlmPrompt(promptsDir: string): LlmPrompt {
  const file = path.join(promptsDir, 'llm', 'faq-pick.yaml');
  const parsed = promptSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all);
}

export class FaqLlm {
  constructor(private readonly options: FaqLlmOptions) {}

  async pick(question: string, lang: Lang, candidates: LlmCandidate[]): Promise<LlmPick> {
    const { baseUrl, apiKey, model, timeoutMs, prompt, company } = this.options;
    const list = candidates.map((c) => `- id: ${c.id}\n  question: ${c.question}\n  answer: ${c.answer}`).join('\n');
    const values = { company, language: lang === 'sq' ? 'Albanian' : 'English', question: question.replace(/<<<|>>>/g, ''), candidates: list };
    try {
      const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          model,
          temperature: 0,
          max_tokens: 40,
          messages: [
            { role: 'system', content: fill(prompt.system, values) },
            { role: 'user', content: fill(prompt.user, values) },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) return { status: 'error', detail: `HTTP ${res.status}` };
      const body = replySchema.safeParse(await res.json());
      if (!body.success) return { status: 'error', detail: 'unexpected response shape' };
      return parseChoice(body.data.choices[0].message.content ?? '', candidates);
    } catch (err) {
      const e = err as Error;
      return e.name === 'TimeoutError' || e.name === 'AbortError' ? { status: 'timeout', detail: `no answer in ${timeoutMs} ms` } : { status: 'error', detail: e.message };
    }
  }
}

/** The model's reply → one of the candidates' ids, null for "none", or an error for anything else. */
export function parseChoice(content: string, candidates: LlmCandidate[]): LlmPick {
  const ids = new Set(candidates.map((c) => c.id));
  const json = content.match(/\{[\s\S]*\}/)?.[0];
  if (json) {
    try {
      const id: unknown = (JSON.parse(json) as { id?: unknown }).id;
      if (id === null || id === 'none') return { status: 'picked', entryId: null };
      if (typeof id === 'string' && ids.has(id)) return { status: 'picked', entryId: id };
      return { status: 'error', detail: `model chose an entry it was not offered: ${String(id)}` };
    } catch {
      // Not JSON after all: fall through to the plain-text reading.
    }
  }
  const word = content.trim().replace(/^["'`]|["'`.]$/g, '');
  if (ids.has(word)) return { status: 'picked', entryId: word };
  if (/^(none|null)$/i.test(word)) return { status: 'picked', entryId: null };
  return { status: 'error', detail: 'unreadable reply' };
}

export interface FaqLlmConfig {
  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
  LLM_MODEL: string;
  LLM_TIMEOUT_MS: number;
  COMPANY_NAME: string;
}

/** The LLM when both LLM_BASE_URL and LLM_API_KEY are set; off (undefined) otherwise. */
export function faqLlmFromConfig(config: FaqLlmConfig, promptsDir: string): FaqLlm | undefined {
  if (!config.LLM_BASE_URL || !config.LLM_API_KEY) return undefined;
  return new FaqLlm({
    baseUrl: config.LLM_BASE_URL,
    apiKey: config.LLM_API_KEY,
    model: config.LLM_MODEL,
    timeoutMs: config.LLM_TIMEOUT_MS,
    prompt: loadLlmPrompt(promptsDir),
    company: config.COMPANY_NAME,
  });
}
