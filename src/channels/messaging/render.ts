// The bot's channel-neutral replies → what a phone shows: plain text, choices
// as "Reply 1 for …, 2 for …", long texts split at paragraph, sentence or
// word boundaries, all inside one TwiML <Response> of <Message>s.
import type { Activity } from 'botbuilder';
import twilio from 'twilio';

/** Twilio refuses bodies over 1,600 characters (SMS and WhatsApp alike). */
export const MAX_BODY = 1600;

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export interface NumberedChoice {
  digit: string;
  title: string;
}

/** A reply's choices with the digits that answer them: the flow's own digit, else its place in the list. */
export function choicesOf(reply: Partial<Activity>): NumberedChoice[] {
  const fromFlow = (reply.channelData as { choices?: unknown } | undefined)?.choices;
  if (Array.isArray(fromFlow)) {
    return fromFlow
      .filter((c): c is { title: string; digit?: unknown } => !!c && typeof (c as { title?: unknown }).title === 'string')
      .map((c, i) => ({ digit: typeof c.digit === 'string' && c.digit ? c.digit : String(i + 1), title: c.title }));
  }
  return (reply.suggestedActions?.actions ?? []).map((a, i) => ({ digit: String(i + 1), title: a.title ?? String(a.value) }));
}

export function choicesLine(choices: NumberedChoice[], t: Translate): string {
  return t('messaging_choices', { choices: choices.map((c) => t('messaging_choice', { n: c.digit, title: c.title })).join(', ') });
}

/** One reply's text as the customer reads it. */
export function replyText(reply: Partial<Activity>, t: Translate): string {
  const choices = choicesOf(reply);
  const body = (reply.text ?? '').trim();
  if (!choices.length) return body;
  return body ? `${body}\n\n${choicesLine(choices, t)}` : choicesLine(choices, t);
}

// Where a long text may break, best first; `keep` characters of the match stay with the first part.
const BREAKS: { re: RegExp; keep: number }[] = [
  { re: /\n\s*\n/g, keep: 0 },
  { re: /\n/g, keep: 0 },
  { re: /[.!?…](?=\s)/g, keep: 1 },
  { re: /\s/g, keep: 0 },
];

/** Split at the last paragraph, line, sentence or word break that fits; hard cut only inside a giant word. */
export function splitText(text: string, max = MAX_BODY): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while ([...rest].length > max) {
    // Count code points, so an emoji is never cut in half.
    const window = [...rest].slice(0, max).join('');
    let cut = -1;
    for (const { re, keep } of BREAKS) {
      for (const m of window.matchAll(re)) if (m.index >= max / 2) cut = m.index + keep;
      if (cut > 0) break;
    }
    if (cut <= 0) cut = window.length;
    parts.push(window.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

export function renderTwiml(texts: string[]): string {
  const r = new twilio.twiml.MessagingResponse();
  for (const text of texts) for (const part of splitText(text)) r.message(part);
  return r.toString();
}

export function isMessage(a: Partial<Activity>): boolean {
  return (a.type ?? 'message') === 'message';
}

export function renderReplies(replies: Partial<Activity>[], t: Translate): string {
  return renderTwiml(replies.filter(isMessage).map((a) => replyText(a, t)).filter(Boolean));
}

export const EMPTY_TWIML = renderTwiml([]);
