// The bot's channel-neutral replies → TwiML for a phone call: texts become
// <Say>, a question with choices a <Gather> ("for billing, press 1"), a
// handoff an <Enqueue> with a hold loop, a `record` step a <Record>, the end
// of the conversation a <Hangup>. Pure: URLs, texts and voices come in.
import type { Activity } from 'botbuilder';
import twilio from 'twilio';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayAttributes = Parameters<VoiceResponse['say']>[0];

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export interface NumberedChoice {
  digit: string;
  title: string;
}

export interface Voice {
  /** Twilio's speech recognition language, e.g. en-US. */
  speechLanguage: string;
  /** A <Say> voice (Polly.Joanna); none → Twilio's default. */
  voice?: string;
}

export interface RenderOptions extends Voice {
  /** The public base URL Twilio reaches the gateway at. */
  base: string;
  /** The step number the caller's next answer will carry. */
  step: number;
  t: Translate;
  maxSayChars: number;
  voicemailMaxSeconds: number;
  /** Said first (the recording notice). */
  preamble?: string[];
  /** "Për shqip, shtypni 9", in the other language's voice. */
  languageOffer?: { digit: string; text: string } & Voice;
  /** Live audio to the gateway's media-stream socket. */
  stream?: { url: string; parameters: Record<string, string> };
  /** For a handoff: the queue to wait in, or end the call (a call back or message was taken). */
  handoff?: { queue: string } | { endCall: true };
}

export interface RenderedTurn {
  twiml: string;
  /** The choices the caller may press, to read a key back as its choice. */
  choices: NumberedChoice[];
  /** The prompt the caller answers next (for the IVR path). */
  menu: string;
  waitsFor: 'gather' | 'record' | 'queue' | 'none';
  /** The prompt collects something sensitive (card details): recording must pause. */
  sensitive: boolean;
  escalationId?: string;
}

interface ReplyData {
  step?: string;
  choices?: { title?: unknown; digit?: unknown }[];
  sensitive?: boolean;
  kind?: string;
  maxSeconds?: number;
  escalationId?: string;
}

export function dataOf(a: Partial<Activity>): ReplyData {
  return (a.channelData ?? {}) as ReplyData;
}

/** A reply's choices with their keys: the flow's own digit, else the place in the list (1-based). */
export function choicesOf(reply: Partial<Activity>): NumberedChoice[] {
  const fromFlow = dataOf(reply).choices;
  if (Array.isArray(fromFlow) && fromFlow.length) {
    return fromFlow
      .filter((c): c is { title: string; digit?: unknown } => !!c && typeof c.title === 'string')
      .map((c, i) => ({ digit: typeof c.digit === 'string' && /^[0-9*#]$/.test(c.digit) ? c.digit : String(i + 1), title: c.title }));
  }
  return (reply.suggestedActions?.actions ?? []).map((a, i) => ({ digit: String(i + 1), title: a.title ?? String(a.value) }));
}

/** A text as it can be read out: no markdown, links or line breaks. */
function spoken(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/https?:\/\/\S+/g, '')
    .replace(/[*_#`>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Shortened at a sentence end when too long to listen to. */
export function speakable(text: string, max: number): string {
  const clean = spoken(text);
  if (clean.length <= max) return clean;
  const window = clean.slice(0, max);
  const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('! '), window.lastIndexOf('? '));
  return cut > max / 3 ? window.slice(0, cut + 1) : `${window.slice(0, window.lastIndexOf(' '))}…`;
}

export function url(base: string, path: string, query: Record<string, string | number> = {}): string {
  const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return `${base}${path}${q ? `?${q}` : ''}`;
}

export function sayAttrs(v: Voice): SayAttributes {
  const attrs: SayAttributes = { language: v.speechLanguage as SayAttributes['language'] };
  if (v.voice) attrs.voice = v.voice as SayAttributes['voice'];
  return attrs;
}

const isMessage = (a: Partial<Activity>) => (a.type ?? 'message') === 'message' && !!(a.text || choicesOf(a).length || dataOf(a).step);

export function renderTurn(replies: Partial<Activity>[], o: RenderOptions): RenderedTurn {
  const r = new twilio.twiml.VoiceResponse();
  const say = (parent: { say: VoiceResponse['say'] }, text: string) => {
    const s = speakable(text, o.maxSayChars);
    if (s) parent.say(sayAttrs(o), s);
  };
  if (o.stream) {
    const stream = r.start().stream({ url: o.stream.url, track: 'both_tracks' });
    for (const [name, value] of Object.entries(o.stream.parameters)) stream.parameter({ name, value });
  }
  for (const text of o.preamble ?? []) say(r, text);

  const messages = replies.filter(isMessage);
  const ends = replies.some((a) => a.type === 'endOfConversation');
  const last = messages.at(-1);
  for (const m of messages.slice(0, -1)) say(r, m.text ?? '');
  const noInput = url(o.base, '/twilio/voice/gather', { step: o.step, noinput: 1 });
  const out: RenderedTurn = { twiml: '', choices: [], menu: speakable(last?.text ?? '', 200), waitsFor: 'none', sensitive: false };
  const data = last ? dataOf(last) : {};

  if (ends || !last) {
    if (last) say(r, last.text ?? '');
    if (ends) r.hangup();
    else {
      // Nothing to say (a repeated webhook, a turn with no reply): listen again.
      r.gather({ input: ['dtmf', 'speech'], action: url(o.base, '/twilio/voice/gather', { step: o.step }), method: 'POST', language: o.speechLanguage as never, speechTimeout: 'auto', timeout: 5 });
      r.redirect({ method: 'POST' }, noInput);
      out.waitsFor = 'gather';
    }
  } else if (data.step === 'handoff') {
    out.escalationId = data.escalationId;
    say(r, last.text ?? '');
    if (o.handoff && 'queue' in o.handoff) {
      r.enqueue(
        { action: url(o.base, '/twilio/voice/queue/result', { step: o.step }), method: 'POST', waitUrl: url(o.base, '/twilio/voice/queue/wait'), waitUrlMethod: 'POST' },
        o.handoff.queue.slice(0, 64),
      );
      out.waitsFor = 'queue';
    } else r.hangup();
  } else if (data.step === 'record') {
    say(r, last.text ?? '');
    r.record({
      action: url(o.base, '/twilio/voice/recorded', { step: o.step }),
      method: 'POST',
      maxLength: Math.min(data.maxSeconds ?? o.voicemailMaxSeconds, o.voicemailMaxSeconds),
      finishOnKey: '#',
      playBeep: true,
      timeout: 5,
      recordingStatusCallback: url(o.base, '/twilio/voice/recording', { source: 'voicemail' }),
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['completed', 'absent'],
    });
    r.redirect({ method: 'POST' }, noInput);
    out.waitsFor = 'record';
  } else {
    const choices = choicesOf(last);
    const sensitive = data.sensitive === true;
    const collecting = data.step === 'collect' && !choices.length;
    const oneKey = choices.length > 0 && choices.every((c) => c.digit.length === 1);
    const gather = r.gather({
      input: sensitive ? ['dtmf'] : data.kind === 'text' ? ['speech'] : ['dtmf', 'speech'],
      action: url(o.base, '/twilio/voice/gather', { step: o.step }),
      method: 'POST',
      timeout: 5,
      ...(oneKey && !collecting ? { numDigits: 1 } : { finishOnKey: '#' }),
      ...(sensitive ? {} : { speechTimeout: 'auto', language: o.speechLanguage as never }),
      ...(choices.length ? { hints: choices.map((c) => c.title).join(', ').slice(0, 1000) } : {}),
      actionOnEmptyResult: false,
    });
    say(gather, last.text ?? '');
    if (choices.length) {
      say(gather, choices.map((c) => o.t('voice_press', { digit: c.digit, title: c.title })).join(' '));
      say(gather, o.t('voice_or_say'));
    }
    if (o.languageOffer && !choices.some((c) => c.digit === o.languageOffer?.digit)) {
      gather.say(sayAttrs(o.languageOffer), o.languageOffer.text);
    }
    r.redirect({ method: 'POST' }, noInput);
    out.choices = choices;
    out.sensitive = sensitive;
    out.waitsFor = 'gather';
  }
  out.twiml = r.toString();
  return out;
}

/** A short answer that says `texts` and then does `then` (hang up, or go on at a URL). */
export function renderSay(texts: string[], v: Voice, then: { hangup: true } | { redirect: string } | { none: true }, maxChars = 600): string {
  const r = new twilio.twiml.VoiceResponse();
  for (const t of texts) if (t) r.say(sayAttrs(v), speakable(t, maxChars));
  if ('hangup' in then) r.hangup();
  else if ('redirect' in then) r.redirect({ method: 'POST' }, then.redirect);
  return r.toString();
}

export const EMPTY_TWIML = new twilio.twiml.VoiceResponse().toString();

/** A turn split after the statements that were too long to read out in full. */
export interface CutTurn {
  /** The replies up to and including the last statement that was cut. */
  head: Partial<Activity>[];
  /** The replies after it: the flow goes on with these. */
  rest: Partial<Activity>[];
  /** The cut statements in full, as the bot wrote them (links included). */
  full: string;
}

/** Where a turn's plain statements (no choices, no special step) were shortened for the phone; null when none was. */
export function cutStatements(replies: Partial<Activity>[], maxSayChars: number): CutTurn | null {
  const plain = (a: Partial<Activity>) => isMessage(a) && !dataOf(a).step && !choicesOf(a).length;
  const cut = (a: Partial<Activity>) => plain(a) && spoken(a.text ?? '').length > maxSayChars;
  let last = replies.length - 1;
  while (last >= 0 && !cut(replies[last])) last--;
  if (last < 0) return null;
  const head = replies.slice(0, last + 1);
  const full = head
    .filter(cut)
    .map((a) => (a.text ?? '').trim())
    .join('\n\n');
  return { head, rest: replies.slice(last + 1), full };
}

/**
 * Says `head` (shortened as usual), then asks whether the caller wants the
 * full text by SMS: a key or a word, posted to `action`; silence goes to
 * `noInput`. The flow's next question comes after the answer.
 */
export function renderSmsOffer(head: Partial<Activity>[], offer: { text: string; action: string; noInput: string; hints: string }, o: RenderOptions): string {
  const r = new twilio.twiml.VoiceResponse();
  for (const m of head.filter(isMessage)) {
    const s = speakable(m.text ?? '', o.maxSayChars);
    if (s) r.say(sayAttrs(o), s);
  }
  const gather = r.gather({
    input: ['dtmf', 'speech'],
    action: offer.action,
    method: 'POST',
    numDigits: 1,
    timeout: 5,
    speechTimeout: 'auto',
    language: o.speechLanguage as never,
    hints: offer.hints.slice(0, 1000),
    actionOnEmptyResult: false,
  });
  gather.say(sayAttrs(o), offer.text);
  r.redirect({ method: 'POST' }, offer.noInput);
  return r.toString();
}

/** `twiml` with `texts` said first (a confirmation before the flow's next question). */
export function sayingFirst(twiml: string, texts: string[], v: Voice): string {
  if (!texts.some(Boolean)) return twiml;
  const r = new twilio.twiml.VoiceResponse();
  for (const t of texts) if (t) r.say(sayAttrs(v), t);
  const said = r.toString().replace(/^[\s\S]*?<Response>|<\/Response>\s*$/g, '');
  return twiml.replace('<Response>', `<Response>${said}`);
}
