// The `transcribe` queue's job: one recording of one call, identified by its
// recording sid (the bull job id, so a repeated callback queues it once).
import type { JobOptions } from 'bull';

export interface TranscribeJob {
  callSid: string;
  recordingSid: string;
}

export function transcribeJobOptions(recordingSid: string, attempts: number, backoffMs: number): JobOptions {
  return { jobId: `transcribe:${recordingSid}`, attempts, backoff: { type: 'exponential', delay: backoffMs }, removeOnComplete: 1000, removeOnFail: false };
}
