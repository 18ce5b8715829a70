// Mail we must never answer automatically: auto-replies, bounces, mailing
// lists, our own mail coming back, and spam. Pure: decides from the headers
// (RFC 3834 Auto-Submitted, Precedence, List-*, the null sender) and the score.
import type { InboundEmail } from './parse';
import type { EmailSettings } from './settings';
import { isSupportAddress } from './settings';

export type NoiseReason = 'auto-submitted' | 'precedence' | 'mailing-list' | 'bounce' | 'own-mail' | 'spam';

function header(mail: InboundEmail, name: string): string | undefined {
  return mail.headers.find((h) => h.name.toLowerCase() === name)?.value;
}

/** Why this mail gets no automatic answer, or null when it may get one. */
export function noiseReason(mail: InboundEmail, s: EmailSettings): NoiseReason | null {
  const ownDomain = `@${s.messageIdDomain}>`;
  if (mail.messageId.toLowerCase().endsWith(ownDomain) || (mail.from && isSupportAddress(s, mail.from.address))) return 'own-mail';
  if (mail.envelopeFrom === '' || /^<\s*>$/.test(header(mail, 'return-path') ?? 'x')) return 'bounce';
  const from = mail.from?.address ?? '';
  if (/^(mailer-daemon|postmaster)@/i.test(from)) return 'bounce';
  if (/multipart\/report/i.test(header(mail, 'content-type') ?? '') || header(mail, 'x-failed-recipients')) return 'bounce';
  const autoSubmitted = (header(mail, 'auto-submitted') ?? 'no').trim().toLowerCase();
  if (!autoSubmitted.startsWith('no')) return 'auto-submitted';
  if (header(mail, 'x-autoreply') || header(mail, 'x-autorespond') || /\b(all|oof|autoreply)\b/i.test(header(mail, 'x-auto-response-suppress') ?? '')) {
    return 'auto-submitted';
  }
  if (/^(bulk|junk|list|auto_reply)$/i.test((header(mail, 'precedence') ?? '').trim())) return 'precedence';
  if (header(mail, 'list-id') || header(mail, 'list-unsubscribe') || header(mail, 'list-post')) return 'mailing-list';
  if (mail.spamScore !== null && mail.spamScore >= s.spamThreshold) return 'spam';
  return null;
}
