// Web chat delivery: storing the message in its place in the conversation is
// the delivery (markDelivered announces it on the bus); streams and polls
// pick it up from the store.
import type { ChannelSender } from '../../outbound/outbound.processor';

export const webchatSender: ChannelSender = {
  async deliver() {
    return { status: 'sent' };
  },
};
