// Registers the worker's processors on their queues. Channel senders are
// looked up by the message's channel; later channels add theirs here.
import type { Infra, Services } from '../app';
import { webchatSender } from '../channels/webchat/sender';
import { createEmailSender } from '../channels/email';
import { createMessagingSenders } from '../channels/messaging';
import { voiceSender } from '../channels/voice';
import { startTranscriptionWorker } from '../transcription/worker';
import { outboundProcessor, ChannelSender } from './outbound.processor';

export const OUTBOUND_CONCURRENCY = 20;

/** Starts the processors and the heartbeat; `stop` ends the heartbeat (the queues close with the infrastructure). */
export function startWorker(infra: Infra, s: Services, extraSenders: Record<string, ChannelSender> = {}): { stop(): Promise<void> } {
  const senders: Record<string, ChannelSender> = { webchat: webchatSender, email: createEmailSender(infra, s), ...createMessagingSenders(infra, s), voice: voiceSender, ...extraSenders };
  void infra.outboundQueue.process(OUTBOUND_CONCURRENCY, outboundProcessor({ conversations: s.conversations, senders, logger: infra.logger }));
  // Post-call transcription (src/transcription) runs in the same worker process.
  startTranscriptionWorker(infra, s);
  return infra.heartbeats.start();
}
