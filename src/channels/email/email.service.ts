// Inbound mail → the conversation it belongs to. Finds the thread (our
// stored Message-IDs in In-Reply-To/References, then the reply token in
// support+<token>@…), else opens a conversation for the sender; stores the
// full mail and its attachments, runs the Activity through the bot
// runtime's middleware (persistence: idempotent on Message-ID; handoff: no
// bot while a person has it) and lets the responder answer. Idempotent:
// a redelivered mail is stored once, and one whose answer was not decided
// yet (a crash, a 451) is finished by the redelivery.
import type { Types } from 'mongoose';
import type { ConversationDoc, ConversationsService } from '../../conversations/conversations.service';
import type { BotRuntime } from '../../bot/runtime';
import { INBOUND } from '../../bot/middleware';
import type { Logger } from '../../infra/logger';
import { guessLanguage } from '../../faq/text';
import { noiseReason, NoiseReason } from './loops';
import { baseSubject, InboundEmail, toActivity } from './parse';
import type { EmailResponder } from './responder';
import { EmailSettings, isSupportAddress, replyToken } from './settings';
import type { AttachmentRef, EmailStore, MailBodyInput, MailMessageDoc, MailThreadDoc } from '../../store/email.repo';
import { htmlToText, sanitizeEmailHtml, visibleText } from './text';

export interface ReceiveResult {
  status: 'stored' | 'duplicate' | 'ignored';
  messageId: string;
  conversationId: string | null;
  action: string;
}

/** What answering a mail needs from it, whether just parsed or read back after a failed attempt. */
interface MailFacts {
  visibleText: string;
  subject: string;
  attachments: AttachmentRef[];
}

export interface EmailServiceDeps {
  settings: EmailSettings;
  store: EmailStore;
  conversations: ConversationsService;
  bot: BotRuntime;
  responder: EmailResponder;
  logger: Logger;
  /** The From name a customer may show as ('' when it is the company's, the bot's or an operator's). */
  displayName?: (name: string) => Promise<string>;
}

export class EmailService {
  constructor(private readonly deps: EmailServiceDeps) {}

  /** Is any recipient (envelope, To or Cc) one of our support mailboxes? */
  addressedToUs(mail: InboundEmail): boolean {
    const all = [...mail.envelopeTo, ...mail.to.map((a) => a.address), ...mail.cc.map((a) => a.address)];
    return all.some((a) => isSupportAddress(this.deps.settings, a));
  }

  async receive(received: InboundEmail): Promise<ReceiveResult> {
    const { store, settings, logger, displayName } = this.deps;
    const mail = received.from?.name && displayName ? { ...received, from: { ...received.from, name: await displayName(received.from.name) } } : received;
    await store.init();
    const result = (status: ReceiveResult['status'], conversationId: Types.ObjectId | null | undefined, action: string): ReceiveResult => ({
      status,
      messageId: mail.messageId,
      conversationId: conversationId ? String(conversationId) : null,
      action,
    });
    const noise = noiseReason(mail, settings);
    const [existing, threaded] = await Promise.all([store.findMail(mail.messageId), this.threadConversation(mail)]);
    if (existing && (existing.handled || existing.direction === 'out')) return result('duplicate', existing.conversationId, existing.action);
    if (existing) {
      // An earlier delivery stored it and failed before answering: finish the job.
      const body = await store.findBody(mail.messageId);
      const fields = body ? { visibleText: body.visibleText, subject: body.subject, attachments: body.attachments as AttachmentRef[] } : this.mailFields(mail, null, []);
      return result('stored', existing.conversationId, await this.handle(existing, fields, mail, noise));
    }
    if (!threaded && noise) {
      // Spam, unthreaded bounces and auto-replies are kept, but open no conversation and get no answer.
      const action = `not answered: ${noise}`;
      const kept = await store.insertMail({ _id: mail.messageId, direction: 'in', conversationId: null, noise, handled: true, action }, this.mailFields(mail, null, []));
      logger.info({ channel: 'email', messageId: mail.messageId, noise }, 'email stored without conversation');
      return result(kept.duplicate ? 'duplicate' : 'stored', null, action);
    }
    const opened = threaded ? { conversation: threaded, thread: Promise.resolve(undefined) } : await this.openConversation(mail);
    const { conversation } = opened;
    const storeMail = async () => {
      const attachments = await store.saveAttachments(conversation._id, mail.attachments);
      const fields = this.mailFields(mail, conversation._id, attachments);
      return { fields, attachments, inserted: await store.insertMail({ _id: mail.messageId, direction: 'in', conversationId: conversation._id, noise: noise ?? '' }, fields) };
    };
    // The new thread (ticket, token) is written while the mail is.
    const [{ fields, attachments, inserted }, thread] = await Promise.all([storeMail(), opened.thread]);
    if (inserted.duplicate) {
      // A concurrent copy of the same mail won the race.
      await store.deleteAttachments(attachments);
      return result('duplicate', inserted.mail.conversationId, inserted.mail.action);
    }
    return result('stored', conversation._id, await this.handle(inserted.mail, fields, mail, noise, { conversation, thread }));
  }

  /** The conversation of the thread this mail answers, if we know it. */
  private async threadConversation(mail: InboundEmail): Promise<ConversationDoc | null> {
    const { store, conversations, settings } = this.deps;
    const ids = [...mail.inReplyTo, ...[...mail.references].reverse()];
    let conversationId = await store.conversationOf(ids);
    if (!conversationId) {
      const recipients = [...mail.envelopeTo, ...mail.to.map((a) => a.address), ...mail.cc.map((a) => a.address)];
      for (const r of recipients) {
        const token = replyToken(settings, r);
        const thread = token ? await store.threadByToken(token) : null;
        if (thread) {
          conversationId = thread._id;
          break;
        }
      }
    }
    return conversationId ? conversations.find(String(conversationId)) : null;
  }

  private async openConversation(mail: InboundEmail): Promise<{ conversation: ConversationDoc; thread: Promise<MailThreadDoc> }> {
    const { conversations, store, settings } = this.deps;
    const from = mail.from ?? { address: mail.envelopeFrom || 'unknown@invalid', name: '' };
    // Replies go where the customer asked (Reply-To), unless that is one of our own mailboxes.
    const replyTo = mail.replyTo.find((a) => !isSupportAddress(settings, a.address));
    const address = (replyTo ?? from).address;
    const language = guessLanguage(`${mail.subject}\n${mail.text.slice(0, 2000)}`) ?? 'en';
    const customer = await conversations.findOrCreateCustomer({ kind: 'email', value: from.address }, from.name, language);
    const subject = (baseSubject(mail.subject) || mail.subject).slice(0, 500);
    const conversation = await conversations.open({ customerId: customer._id, channel: 'email', address, language, subject });
    const thread = store.createThread({ conversationId: conversation._id, subject, address, rootId: mail.messageId });
    return { conversation, thread };
  }

  private mailFields(mail: InboundEmail, conversationId: Types.ObjectId | null, attachments: AttachmentRef[]): MailBodyInput & MailFacts {
    const cidUrls = Object.fromEntries(attachments.filter((a) => a.stored && a.contentId).map((a) => [a.contentId, `/api/attachments/${a.id}`]));
    const text = mail.text || htmlToText(mail.html);
    const visible = mail.html && !mail.text ? visibleText(htmlToText(mail.html, true)) : visibleText(text);
    return {
      conversationId,
      source: mail.source,
      from: mail.from,
      to: mail.to,
      cc: mail.cc,
      subject: mail.subject,
      date: mail.date,
      inReplyTo: mail.inReplyTo,
      references: mail.references,
      headers: mail.headers,
      text,
      visibleText: visible,
      html: sanitizeEmailHtml(mail.html, cidUrls),
      size: mail.size,
      spamScore: mail.spamScore,
      attachments,
    };
  }

  private async handle(
    index: MailMessageDoc,
    facts: MailFacts,
    mail: InboundEmail,
    noise: NoiseReason | null,
    known: { conversation?: ConversationDoc; thread?: MailThreadDoc } = {},
  ): Promise<string> {
    const { conversations, bot, store, responder, logger } = this.deps;
    if (!index.conversationId) return index.action;
    let conversation = known.conversation ?? (await conversations.get(index.conversationId));
    // A new mail on a closed thread reopens it (noise never does).
    if (conversation.mode === 'closed' && !noise) conversation = (await conversations.transition(conversation._id, ['closed'], 'bot')) ?? conversation;
    const text = facts.visibleText || baseSubject(facts.subject) || '(no text)';
    const activity = toActivity(mail, {
      conversationId: String(conversation._id),
      text,
      attachments: facts.attachments.filter((a) => a.stored).map((a) => ({ id: a.id, contentType: a.contentType, name: a.filename, size: a.size })),
      noise,
    });
    const turn = await bot.adapter.processActivity(activity, async () => undefined);
    if (!turn.turnState.get(INBOUND)) throw new Error('the mail was not stored in its conversation');
    const thread = known.thread ?? (await store.threadOf(conversation._id));
    // A thread created for this very mail already starts from it.
    if (thread && !known.thread) await store.addRefs(thread, [mail.messageId], noise ? undefined : mail.messageId);
    let action: string;
    if (noise) action = `not answered: ${noise}`;
    else if (conversation.mode === 'queued' || conversation.mode === 'human') action = 'to operator';
    else if (!thread) action = 'stored';
    else action = await responder.answer(conversation, thread, { subject: facts.subject, text, address: mail.from?.address ?? conversation.address });
    await store.markHandled(index._id, action);
    logger.info({ channel: 'email', conversationId: String(conversation._id), messageId: mail.messageId, action }, 'email received');
    return action;
  }
}
