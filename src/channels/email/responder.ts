// What the bot says to a mail, decided for email rather than by the chat
// flow: a chat flow would greet, ask and offer choices, which by email
// becomes a ping-pong of mails. Per thread the customer gets at most one
// acknowledgement (with the ticket number) and at most one FAQ answer, and
// only when the knowledge base is confident; everything else is escalated
// to the `email` queue with the mail as context. Automatic replies are rate
// limited per sender (Redis), so two robots can never mail each other forever.
import type { ConversationDoc } from '../../conversations/conversations.service';
import type { FaqMatch, FaqService, Lang } from '../../faq/faq.service';
import type { HandoffService } from '../../handoff/handoff.service';
import type { OutboundService } from '../../outbound/outbound.service';
import type { Prompts } from '../../flows/prompts';
import type { Redis } from '../../infra/redis';
import { baseSubject } from './parse';
import type { EmailSettings } from './settings';
import type { EmailStore, MailThreadDoc } from '../../store/email.repo';

export const EMAIL_QUEUE = 'email';

export interface EmailResponderDeps {
  settings: EmailSettings;
  store: EmailStore;
  faq: FaqService;
  handoff: HandoffService;
  outbound: OutboundService;
  prompts: Prompts;
  redis: Redis;
}

export function ticketLabel(ticket: number): string {
  return `#${ticket}`;
}

export class EmailResponder {
  constructor(private readonly deps: EmailResponderDeps) {}

  /** The best FAQ match for a mail: its subject, its first paragraph, or the two together. */
  bestMatch(subject: string, text: string, lang: Lang): FaqMatch | null {
    const firstParagraph = text.split(/\n\s*\n/).find((p) => p.trim().length > 0) ?? '';
    const candidates = [baseSubject(subject), firstParagraph, `${baseSubject(subject)}\n${text.slice(0, 1000)}`].filter((q) => q.trim());
    let best: FaqMatch | null = null;
    for (const q of candidates) {
      const m = this.deps.faq.match(q.slice(0, 1000), lang);
      if (m && !m.outOfScope && (!best || m.confidence > best.confidence)) best = m;
    }
    return best;
  }

  /** Answer a customer's mail in a conversation the bot holds; returns what was done. */
  async answer(conversation: ConversationDoc, thread: MailThreadDoc, mail: { subject: string; text: string; address: string }): Promise<string> {
    const { settings, store, handoff, prompts, outbound } = this.deps;
    const lang: Lang = conversation.language === 'sq' ? 'sq' : 'en';
    const vars = { company: settings.companyName, ticket: ticketLabel(thread.ticket) };
    const match = this.bestMatch(mail.subject, mail.text, lang);
    const confident = !!match && match.confidence >= settings.faqMinConfidence && !match.entry.action;

    // One FAQ answer per thread; over the sender's auto-reply limit a person answers instead.
    if (confident && (await store.claim(conversation._id, 'faq')) && (await this.mayAutoReply(mail.address))) {
      const ack = await store.claim(conversation._id, 'ack');
      const text = [ack ? prompts.t(lang, 'email_ack_answered', vars) : '', match.answer, prompts.t(lang, 'email_faq_followup', vars)].filter(Boolean).join('\n\n');
      await outbound.send(conversation, { author: 'bot', authorName: settings.companyName, text });
      return `answered from FAQ ${match.entry.id}`;
    }

    const { created } = await handoff.escalate(conversation, {
      reason: `email: ${baseSubject(mail.subject) || '(no subject)'}`.slice(0, 200),
      trigger: 'email',
      queue: EMAIL_QUEUE,
      summary: `Email from ${mail.address}, subject "${mail.subject}": ${mail.text.slice(0, 500)}`,
      faqAttempts: match ? [{ question: mail.subject || mail.text.slice(0, 200), entryId: match.entry.id, confidence: match.confidence, answered: false }] : [],
    });
    if ((await store.claim(conversation._id, 'ack')) && (await this.mayAutoReply(mail.address))) {
      await outbound.send(conversation, { author: 'bot', authorName: settings.companyName, text: prompts.t(lang, 'email_ack', vars) });
      return created ? 'escalated, acknowledged' : 'in queue, acknowledged';
    }
    return created ? 'escalated' : 'in queue';
  }

  /** Counts an automatic reply to this sender; false once the sender had its share in the window. */
  private async mayAutoReply(address: string): Promise<boolean> {
    const { redis, settings } = this.deps;
    const key = `${settings.prefix}:email:autoreply:${address.toLowerCase()}`;
    const n = await redis.incr(key);
    if (n === 1) await redis.expire(key, settings.autoReplyWindowSeconds);
    return n <= settings.autoReplyLimit;
  }
}
