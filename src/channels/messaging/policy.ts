// What may be sent to a customer on SMS or WhatsApp at all: never to someone
// who opted out of the channel, and on WhatsApp no free-form text outside the
// 24-hour customer-service window. The operator API refuses up front (409);
// the sender refuses anything else that slips through (the job fails for good).
import type { ConversationDoc, ConversationsService } from '../../conversations/conversations.service';
import { ConflictError, UnsupportedByChannelError } from '../../infra/errors';
import type { OutboundGuard } from '../../outbound/outbound.service';
import { MESSAGING_CHANNELS, MessagingChannel } from './parse';
import { MAX_BODY } from './render';

export interface PolicyDeps {
  conversations: ConversationsService;
  windowSeconds: number;
}

export function isMessagingChannel(channel: string): channel is MessagingChannel {
  return (MESSAGING_CHANNELS as string[]).includes(channel);
}

/** Why nothing may be sent in this conversation now, or null. */
export async function refusal(deps: PolicyDeps, conversation: Pick<ConversationDoc, '_id' | 'channel' | 'customerId'>): Promise<string | null> {
  const { conversations, windowSeconds } = deps;
  const customer = await conversations.getCustomer(conversation.customerId);
  const name = conversation.channel === 'whatsapp' ? 'WhatsApp' : 'SMS';
  if (customer?.optOuts.includes(conversation.channel)) {
    return `the customer has opted out of ${name} messages (they replied STOP); nothing can be sent until they text START`;
  }
  if (conversation.channel === 'whatsapp') {
    const last = await conversations.lastInboundAt(conversation._id);
    if (!last || Date.now() - last.getTime() > windowSeconds * 1000) {
      const span = windowSeconds % 3600 === 0 ? `${windowSeconds / 3600}-hour` : `${windowSeconds}-second`;
      return `outside WhatsApp's ${span} customer-service window (the customer last wrote ${last ? last.toISOString() : 'never'}): free-form replies are not allowed, only an approved template`;
    }
  }
  return null;
}

/** The operator API's check: 409 while the customer is opted out or the WhatsApp window is closed. */
export function messagingGuard(deps: PolicyDeps): OutboundGuard {
  return async (c, msg) => {
    if (!isMessagingChannel(c.channel) || msg.author !== 'operator') return;
    if ([...msg.text].length > MAX_BODY) {
      throw new UnsupportedByChannelError(`${c.channel === 'whatsapp' ? 'WhatsApp' : 'SMS'} messages are limited to ${MAX_BODY} characters`);
    }
    const reason = await refusal(deps, await deps.conversations.get(c._id));
    if (reason) throw new ConflictError(reason);
  };
}
