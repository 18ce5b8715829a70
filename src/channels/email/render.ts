// Our outgoing mail, composed from a stored message: threading headers
// (In-Reply-To, References), our own Message-ID (derived from the message
// id, so a retried job sends the very same mail), a plain-text and an HTML
// part, and the author's name in From. Names and subjects are made one
// clean line here: nothing a customer or operator typed can add a header.
import type { MessageDoc } from '../../conversations/conversations.service';
import type { EmailSettings } from './settings';
import { replyAddress } from './settings';
import { escapeHtml, oneLine } from './text';

export interface OutgoingMail {
  messageId: string;
  from: { name: string; address: string };
  to: string;
  replyTo: string;
  subject: string;
  inReplyTo?: string;
  references: string[];
  text: string;
  html: string;
  /** Extra headers: what the bot sends is marked automatic (RFC 3834), so auto-responders leave it alone. */
  headers: Record<string, string>;
}

export interface ThreadInfo {
  subject: string;
  token: string;
  ticket: string;
  refs: string[];
  /** The customer's latest Message-ID in the thread: what we answer. */
  lastInbound?: string;
}

export function ourMessageId(s: EmailSettings, messageId: string): string {
  return `<sb-${messageId}@${s.messageIdDomain}>`;
}

export function replySubject(subject: string): string {
  const clean = oneLine(subject, 400);
  if (!clean) return '';
  return /^re\s*:/i.test(clean) ? clean : `Re: ${clean}`;
}

/** Steps as an email renders them: paragraphs; choices as a numbered list. */
export interface OutgoingText {
  text: string;
  choices?: ReadonlyArray<{ title: string }> | null;
}

export function renderBody(message: OutgoingText, footer: string): { text: string; html: string } {
  const paragraphs = message.text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const choices = (message.choices ?? []).map((c, i) => `${i + 1}. ${c.title}`);
  const text = [...paragraphs, ...(choices.length ? [choices.join('\n')] : []), `--\n${footer}`].join('\n\n');
  const htmlParas = paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`);
  const htmlChoices = choices.length ? [`<ol>${(message.choices ?? []).map((c) => `<li>${escapeHtml(c.title)}</li>`).join('')}</ol>`] : [];
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px;line-height:1.5">',
    ...htmlParas,
    ...htmlChoices,
    `<p style="color:#666;font-size:12px">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { text, html };
}

export function composeMail(
  s: EmailSettings,
  message: OutgoingText & Pick<MessageDoc, '_id' | 'author'> & { authorName?: string | null },
  to: string,
  thread: ThreadInfo,
  footer: string,
): OutgoingMail {
  const messageId = ourMessageId(s, String(message._id));
  const author = oneLine(message.authorName ?? '', 100);
  // An operator writes as themselves "via" the company; the bot as the company.
  const name = message.author === 'operator' && author ? `${author} (${s.companyName})` : s.companyName;
  const references = thread.lastInbound && !thread.refs.includes(thread.lastInbound) ? [...thread.refs, thread.lastInbound] : thread.refs;
  const body = renderBody(message, footer);
  return {
    messageId,
    from: { name: oneLine(name, 150), address: s.fromAddress },
    to,
    replyTo: replyAddress(s, thread.token),
    subject: replySubject(thread.subject) || s.companyName,
    inReplyTo: thread.lastInbound ?? references[references.length - 1],
    references: references.filter((r) => /^<[^<>\s]+>$/.test(r)).slice(-20),
    headers: message.author === 'operator' ? {} : { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    ...body,
  };
}
