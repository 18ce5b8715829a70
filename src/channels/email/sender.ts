// The outbound worker's email sender. Composes the mail for a queued
// message and sends it once: the Message-ID is derived from our message id
// and claimed in the store before sending, so a retried or duplicated job
// finds it sent and does not mail the customer again. System notices of the
// chat ("Ana has joined") are not mailed: by email they would be noise.
import type { ConversationDoc, MessageDoc } from '../../conversations/conversations.service';
import type { Prompts } from '../../flows/prompts';
import type { Logger } from '../../infra/logger';
import { ChannelSender, DeliveryResult, PermanentDeliveryError } from '../../outbound/outbound.processor';
import { composeMail } from './render';
import { ticketLabel } from './responder';
import type { EmailSettings } from './settings';
import type { EmailStore } from '../../store/email.repo';
import type { EmailTransport } from './transports';

export interface EmailSenderDeps {
  settings: EmailSettings;
  store: EmailStore;
  prompts: Prompts;
  transport: EmailTransport;
  logger: Logger;
}

const EMAIL_ADDRESS = /^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$/;

export class EmailSender implements ChannelSender {
  constructor(private readonly deps: EmailSenderDeps) {}

  async deliver(message: MessageDoc, conversation: ConversationDoc): Promise<DeliveryResult> {
    const { settings, store, prompts, transport, logger } = this.deps;
    if (message.author === 'system') return { status: 'sent', channelMessageId: `email-notice-${String(message._id)}` };
    await store.init();
    if (!EMAIL_ADDRESS.test(conversation.address)) throw new PermanentDeliveryError(`not an email address: ${conversation.address.slice(0, 100)}`);
    const thread = await store.threadOf(conversation._id);
    if (!thread) throw new PermanentDeliveryError('no email thread for this conversation');
    const ticket = ticketLabel(thread.ticket);
    const footer = prompts.t(conversation.language, 'email_footer', { company: settings.companyName, ticket });
    const mail = composeMail(settings, message, conversation.address, { subject: thread.subject, token: thread.token, ticket, refs: thread.refs, lastInbound: thread.lastInbound || undefined }, footer);

    const claim = await store.claimOutbound(mail.messageId, conversation._id, transport.kind);
    if (claim === 'sent') return { status: 'sent', channelMessageId: mail.messageId };
    if (claim === 'busy') throw new Error('another worker is sending this mail; will look again');
    let providerId: string;
    try {
      providerId = await transport.send(mail);
    } catch (err) {
      await store.releaseOutbound(mail.messageId);
      throw err;
    }
    await store.finishOutbound(mail.messageId, transport.kind === 'sandbox' ? 'sandbox' : 'sent', {
      conversationId: conversation._id,
      chatMessageId: message._id,
      from: mail.from,
      to: [{ address: mail.to, name: '' }],
      subject: mail.subject,
      inReplyTo: mail.inReplyTo ? [mail.inReplyTo] : [],
      references: mail.references,
      headers: [{ name: 'Provider-Id', value: providerId }, ...Object.entries(mail.headers).map(([name, value]) => ({ name, value }))],
      text: mail.text,
      visibleText: message.text,
      html: mail.html,
      transport: transport.kind,
    });
    await store.addRefs(thread, [mail.messageId]);
    logger.info({ channel: 'email', conversationId: String(conversation._id), messageId: String(message._id), transport: transport.kind }, 'email sent');
    return { status: 'sent', channelMessageId: mail.messageId };
  }
}
