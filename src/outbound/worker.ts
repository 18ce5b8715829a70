// Registers the worker's processors on their queues. Channel senders are
// looked up by the message's channel; later channels add theirs here.
import type { Infra, Services } from '../app';
import { webchatSender } from '../channels/webchat/sender';
import { outboundProcessor, ChannelSender } from './outbound.processor';

export const OUTBOUND_CONCURRENCY = 20;

export function startWorker(infra: Infra, s: Services, extraSenders: Record<string, ChannelSender> = {}): void {
  const senders: Record<string, ChannelSender> = { webchat: webchatSender, ...extraSenders };
  void infra.outboundQueue.process(OUTBOUND_CONCURRENCY, outboundProcessor({ conversations: s.conversations, senders, logger: infra.logger }));
}
