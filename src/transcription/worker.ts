// Registers the worker's transcription processor on the `transcribe` queue.
import type { Infra, Services } from '../app';
import { createVoiceDeps } from '../channels/voice';
import { createDeepgram } from './deepgram';
import { transcribeProcessor } from './transcribe.processor';

/** Deepgram does the heavy lifting; a few at a time per worker is plenty. */
export const TRANSCRIBE_CONCURRENCY = 4;

export function startTranscriptionWorker(infra: Infra, s: Services): void {
  const deps = createVoiceDeps(infra, s);
  void infra.transcribeQueue.process(
    TRANSCRIBE_CONCURRENCY,
    transcribeProcessor({
      calls: deps.calls,
      api: deps.api,
      deepgram: createDeepgram(infra.config),
      conversations: s.conversations,
      handoff: s.handoff,
      logger: deps.logger,
      metrics: deps.metrics,
      model: infra.config.DEEPGRAM_MODEL,
    }),
  );
}
