// The worker's `transcribe` job: fetch a call's recording from Twilio's API
// host (with the account's credentials), send it to Deepgram (PCI redacted,
// punctuated, utterances, one channel per speaker on dual-channel calls), and
// store the transcript on the Call, in the conversation and in the escalation
// context. bull retries with backoff; after the last attempt the recording is
// marked failed (and can be queued again from the API): never lost.
import type { Job } from 'bull';
import type { ConversationsService } from '../conversations/conversations.service';
import type { HandoffService } from '../handoff/handoff.service';
import type { Logger } from '../infra/logger';
import type { CallsService } from '../channels/voice/calls.service';
import type { VoiceMetrics } from '../channels/voice/metrics';
import type { VoiceApi } from '../channels/voice/twilio-voice';
import type { Deepgram } from './deepgram';
import type { TranscribeJob } from './jobs';
import { toTranscript } from './transcript';

export interface TranscribeDeps {
  calls: CallsService;
  api: VoiceApi;
  deepgram: Deepgram | null;
  conversations: ConversationsService;
  handoff: HandoffService;
  logger: Logger;
  metrics: VoiceMetrics;
  model: string;
}

export function transcribeProcessor(deps: TranscribeDeps) {
  return async (job: Job<TranscribeJob>): Promise<string> => {
    const { calls, api, deepgram, logger, metrics } = deps;
    const { callSid, recordingSid } = job.data;
    const log = logger.child({ callSid, recordingSid, attempt: job.attemptsMade + 1 });
    const call = await calls.get(callSid);
    const rec = call?.recordings.find((r) => r.sid === recordingSid);
    if (!call || !rec) {
      await job.discard();
      throw new Error(`recording ${recordingSid} of call ${callSid} not found`);
    }
    if (rec.transcriptionStatus === 'done') return 'already transcribed';
    try {
      if (!deepgram) throw new Error('DEEPGRAM_API_KEY is not set');
      const { audio } = await api.fetchRecording(recordingSid, rec.channels);
      const multichannel = rec.channels > 1;
      const result = await deepgram.listen.v1.media.transcribeFile(
        audio,
        { model: deps.model as never, punctuate: true, smart_format: true, utterances: true, multichannel, diarize: !multichannel, redact: 'pci' },
        // bull owns the retries (with backoff and a record of each attempt).
        { maxRetries: 0, timeoutInSeconds: 300 },
      );
      const { text, utterances } = toTranscript(result, rec.channels);
      const isMain = rec.source === 'call' || !call.transcript.text;
      if (isMain) await calls.setTranscript(callSid, recordingSid, text, utterances);
      if (call.conversationId && text) {
        await deps.conversations.recordOutgoing({
          conversation: { _id: call.conversationId, channel: 'voice' },
          author: 'system',
          text: `${rec.source === 'voicemail' ? 'Voicemail' : 'Call'} transcript (${Math.round(rec.duration)} s):\n${text}`.slice(0, 20000),
          delivered: true,
        });
        const escalation = call.escalationId ? { _id: call.escalationId } : await deps.handoff.openFor(call.conversationId);
        if (escalation) await deps.handoff.addContext(String(escalation._id), { transcript: text });
      }
      // Last: 'done' means the transcript is on the call, in the conversation and in the context.
      await calls.setTranscriptionStatus(callSid, recordingSid, 'done');
      metrics.transcriptions.inc({ status: 'done' });
      log.info({ utterances: utterances.length }, 'recording transcribed');
      return 'transcribed';
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) {
        await calls.setTranscriptionStatus(callSid, recordingSid, 'failed', err instanceof Error ? err.message : String(err));
        metrics.transcriptions.inc({ status: 'failed' });
        log.error({ err }, 'transcription failed for good; the recording is marked failed');
      } else {
        metrics.transcriptions.inc({ status: 'retried' });
        log.warn({ err }, 'transcription failed, will retry');
      }
      throw err;
    }
  };
}
