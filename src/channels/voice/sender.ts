// Outbound messages on the voice channel. A call says what it has to say in
// its own TwiML, so the gateway's notices (an operator joined, the
// conversation was resolved) are kept in the history and marked sent; an
// operator's written reply cannot reach a caller and fails at once, saying why.
import type { ChannelSender } from '../../outbound/outbound.processor';
import { PermanentDeliveryError } from '../../outbound/outbound.processor';

export const voiceSender: ChannelSender = {
  async deliver(message) {
    if (message.author !== 'operator') return { status: 'sent' };
    throw new PermanentDeliveryError('a phone call takes no written replies: talk on the call, or call the customer back (POST /api/calls/callback)');
  },
};
