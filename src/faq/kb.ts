// The FAQ knowledge base: YAML under flows/faq/, validated once at start-up.
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';

const entrySchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  topic: z.string(),
  questions: z.array(z.string().min(1)).min(1),
  answer: z.string().min(1),
  action: z.enum(['handoff', 'create_order', 'create_complaint']).optional(),
  sq: z.object({ questions: z.array(z.string().min(1)).min(1), answer: z.string().min(1) }).optional(),
});

const kbSchema = z.object({ version: z.number(), entries: z.array(entrySchema).min(1) });

export type KbEntry = z.infer<typeof entrySchema>;

export class KbError extends Error {}

export function loadKb(file: string): KbEntry[] {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KbError(`${file}: ${(err as Error).message}`);
  }
  const parsed = kbSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new KbError(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  const seen = new Set<string>();
  for (const e of parsed.data.entries) {
    if (seen.has(e.id)) throw new KbError(`${file}: duplicate entry id ${e.id}`);
    seen.add(e.id);
  }
  return parsed.data.entries;
}
