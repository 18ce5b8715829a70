// The worker side of outbound delivery: one job per message. A message that
// is no longer queued was delivered by an earlier attempt and is skipped, so
// a retried job never delivers twice. Senders throw PermanentDeliveryError
// for failures that retrying cannot fix.
import type { Job } from 'bull';
import type { ConversationDoc, ConversationsService, MessageDoc, MessageStatus } from '../conversations/conversations.service';
import type { Logger } from '../infra/logger';
import type { OutboundJob } from './outbound.service';

export interface DeliveryResult {
  status?: MessageStatus;
  channelMessageId?: string;
}

export interface ChannelSender {
  deliver(message: MessageDoc, conversation: ConversationDoc): Promise<DeliveryResult>;
}

export class PermanentDeliveryError extends Error {}

export function outboundProcessor(deps: { conversations: ConversationsService; senders: Record<string, ChannelSender>; logger: Logger }) {
  return async (job: Job<OutboundJob>): Promise<string> => {
    const { conversations, senders, logger } = deps;
    const message = await conversations.getMessage(job.data.messageId);
    if (!message) {
      await job.discard();
      throw new PermanentDeliveryError(`message ${job.data.messageId} not found`);
    }
    if (message.status !== 'queued') return 'already delivered';
    const log = logger.child({ conversationId: String(message.conversationId), channel: message.channel, messageId: String(message._id) });
    const sender = senders[message.channel];
    const conversation = await conversations.find(String(message.conversationId));
    if (!sender || !conversation) {
      await conversations.markFailed(message, sender ? 'conversation not found' : `no sender for channel ${message.channel}`);
      await job.discard();
      throw new PermanentDeliveryError('undeliverable');
    }
    try {
      const result = await sender.deliver(message, conversation);
      await conversations.markDelivered(message, result.status ?? 'sent', result.channelMessageId);
      log.info({ attempt: job.attemptsMade + 1 }, 'outbound delivered');
      return 'delivered';
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (err instanceof PermanentDeliveryError || lastAttempt) {
        await conversations.markFailed(message, err instanceof Error ? err.message : String(err));
        await job.discard();
        log.warn({ err }, 'outbound failed for good');
      } else {
        log.warn({ err, attempt: job.attemptsMade + 1 }, 'outbound failed, will retry');
      }
      throw err;
    }
  };
}
