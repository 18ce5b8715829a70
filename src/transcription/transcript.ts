// Deepgram's answers → the plain transcript we store: text and utterances
// with speaker, channel and times. Read through a schema, never trusted as
// typed: only the fields we keep, as plain strings and numbers (FerretDB-safe).
import { z } from 'zod';
import type { Utterance } from '../channels/voice/calls.service';

const num = z.number().finite().catch(0);

const prerecordedSchema = z.object({
  results: z
    .object({
      channels: z.array(z.object({ alternatives: z.array(z.object({ transcript: z.string().catch('') }).loose()).catch([]) }).loose()).catch([]),
      utterances: z
        .array(z.object({ start: num, end: num, transcript: z.string().catch(''), channel: num, speaker: num.optional(), confidence: num }).loose())
        .optional()
        .catch(undefined),
    })
    .loose(),
});


/** Channel 0 of a dual-channel call recording is the caller; 1 is what they heard (the IVR, the operator). */
export function speakerOf(channel: number, channels: number): string {
  if (channels < 2) return 'caller';
  return channel === 0 ? 'caller' : 'agent';
}

export function toTranscript(raw: unknown, channels: number): { text: string; utterances: Utterance[] } {
  const parsed = prerecordedSchema.safeParse(raw);
  if (!parsed.success) throw new Error('Deepgram answered without results');
  const r = parsed.data.results;
  const utterances = (r.utterances ?? [])
    .filter((u) => u.transcript.trim())
    .map((u) => ({ speaker: speakerOf(u.channel, channels), channel: u.channel, start: u.start, end: u.end, text: u.transcript.trim(), confidence: u.confidence }))
    .sort((a, b) => a.start - b.start);
  const text = utterances.length
    ? utterances.map((u) => `${u.speaker === 'caller' ? 'Caller' : 'Agent'}: ${u.text}`).join('\n')
    : r.channels.map((c) => c.alternatives[0]?.transcript ?? '').filter(Boolean).join('\n');
  return { text, utterances };
}
