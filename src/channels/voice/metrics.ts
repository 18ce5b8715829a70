// Voice and transcription figures on the app's Prometheus registry. Looked up
// by name first: the web and worker halves of one process share a registry.
import { Counter, Registry } from 'prom-client';

export interface VoiceMetrics {
  calls: Counter<'direction'>;
  abandoned: Counter<string>;
  operatorNoAnswer: Counter<'status'>;
  liveFailures: Counter<'reason'>;
  transcriptions: Counter<'status'>;
  recordingControlFailures: Counter<'action'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const found = registry.getSingleMetric(name);
  if (found) return found as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function voiceMetrics(registry: Registry): VoiceMetrics {
  return {
    calls: counter(registry, 'voice_calls_total', 'Phone calls taken or placed', ['direction']),
    abandoned: counter(registry, 'voice_calls_abandoned_total', 'Callers who hung up while queued', []),
    operatorNoAnswer: counter(registry, 'voice_operator_no_answer_total', "Operators' phones that did not answer a handed-over call (the caller went back to the queue)", ['status']),
    liveFailures: counter(registry, 'voice_live_transcription_failures_total', 'Media streams that ran without a live transcript (Deepgram unreachable or failing)', ['reason']),
    transcriptions: counter(registry, 'voice_transcriptions_total', 'Post-call transcription jobs by outcome', ['status']),
    recordingControlFailures: counter(registry, 'voice_recording_control_failures_total', 'Recording start/pause/resume requests Twilio refused', ['action']),
  };
}
