// The producer side of outbound delivery: store what we are about to send
// (status queued) and add a job whose id is the message id, so the same
// message is never queued twice. The worker's processor does the sending.
import type { BullQueue } from '../infra/queues';
import type { Choice, ConversationDoc, ConversationsService, MessageAuthor, MessageDoc } from '../conversations/conversations.service';

export interface OutboundJob {
  messageId: string;
}

export interface OutgoingMessage {
  author: Exclude<MessageAuthor, 'customer'>;
  text: string;
  authorName?: string;
  operatorId?: string;
  choices?: Choice[];
}

/**
 * A channel's rule for what may be sent at all (an opted-out customer, a
 * closed WhatsApp window): throws a typed error (409, 422) before anything is
 * stored or queued.
 */
export type OutboundGuard = (conversation: Pick<ConversationDoc, '_id' | 'channel'>, msg: OutgoingMessage) => Promise<void>;

export class OutboundService {
  private readonly guards: OutboundGuard[] = [];

  constructor(
    private readonly queue: BullQueue<OutboundJob>,
    private readonly conversations: ConversationsService,
    private readonly attempts: number,
  ) {}

  addGuard(guard: OutboundGuard): void {
    this.guards.push(guard);
  }

  async send(conversation: Pick<ConversationDoc, '_id' | 'channel'>, msg: OutgoingMessage): Promise<MessageDoc> {
    for (const guard of this.guards) await guard(conversation, msg);
    const message = await this.conversations.recordOutgoing({ conversation, delivered: false, ...msg });
    await this.enqueue(String(message._id));
    return message;
  }

  async enqueue(messageId: string): Promise<void> {
    await this.queue.add(
      { messageId },
      { jobId: messageId, attempts: this.attempts, backoff: { type: 'exponential', delay: 1000 } },
    );
  }
}
