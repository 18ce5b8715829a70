// Twilio Voice webhook bodies, validated once at the edge, and the caller's
// input turned into a Bot Framework Activity: a key reads as the choice it
// stands for, speech as what was said; the id is CallSid:step, so Twilio's
// repeat of a webhook is stored once.
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { NumberedChoice } from './render';

const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `not a Twilio ${prefix} sid`);
export const callSid = sid('CA');
const phone = z.string().max(120);
const opt = (max: number) => z.string().max(max).optional();

const base = z.object({ CallSid: callSid, AccountSid: opt(40), From: phone.default(''), To: phone.default(''), CallStatus: opt(40), Direction: opt(40) }).loose();

export const incomingSchema = base;
export type IncomingCall = z.infer<typeof incomingSchema>;

export const gatherSchema = base.extend({
  Digits: z.string().max(40).regex(/^[0-9*#w]*$/, 'Digits holds keys only').optional(),
  SpeechResult: opt(2000),
  Confidence: z.coerce.number().min(0).max(1).optional(),
});
export type GatherWebhook = z.infer<typeof gatherSchema>;

export const stepQuerySchema = z.object({
  step: z.coerce.number().int().min(1).max(100000),
  noinput: z.enum(['1']).optional(),
});

export const statusSchema = base.extend({ CallStatus: z.string().max(40), CallDuration: z.coerce.number().int().min(0).optional(), ParentCallSid: opt(40) });

export const recordingSchema = z
  .object({
    CallSid: callSid,
    AccountSid: opt(40),
    RecordingSid: sid('RE'),
    RecordingStatus: z.string().max(40),
    RecordingDuration: z.coerce.number().int().min(-1).optional(),
    RecordingChannels: z.coerce.number().int().min(1).max(2).optional(),
    RecordingSource: opt(60),
    ErrorCode: opt(20),
  })
  .loose();

export const recordedSchema = base.extend({
  RecordingSid: sid('RE').optional(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  Digits: opt(40),
});

export const queueWaitSchema = z
  .object({
    CallSid: callSid,
    QueueSid: z.string().regex(/^QU[0-9a-fA-F]{32}$/).optional(),
    QueuePosition: z.coerce.number().int().min(0).optional(),
    QueueTime: z.coerce.number().int().min(0).default(0),
    AvgQueueTime: z.coerce.number().int().min(0).optional(),
    CurrentQueueSize: z.coerce.number().int().min(0).optional(),
  })
  .loose();

export const queueResultSchema = base.extend({
  QueueResult: z.string().max(40).default(''),
  QueueSid: opt(40),
  QueueTime: z.coerce.number().int().min(0).optional(),
});

/** What the caller gave: the choice a key stands for, else the key itself, else what they said. */
export function readInput(body: GatherWebhook, choices: NumberedChoice[]): { text: string; input: 'dtmf' | 'speech' | 'none'; choice: string } {
  const digits = (body.Digits ?? '').replace(/#$/, '');
  if (digits) {
    const choice = choices.find((c) => c.digit === digits);
    return { text: choice ? choice.title : digits, input: 'dtmf', choice: choice?.title ?? '' };
  }
  const speech = (body.SpeechResult ?? '').trim();
  if (speech) return { text: speech, input: 'speech', choice: '' };
  return { text: '', input: 'none', choice: '' };
}

export function toActivity(input: {
  id: string;
  conversationId: string;
  caller: string;
  text: string;
  locale: string;
  channelData?: Record<string, unknown>;
  attachments?: { contentType: string; contentUrl: string; name?: string }[];
}): Partial<Activity> {
  return {
    type: 'message',
    id: input.id,
    channelId: 'voice',
    serviceUrl: '',
    timestamp: new Date(),
    locale: input.locale,
    conversation: { id: input.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: input.caller, name: '', role: 'user' },
    recipient: { id: 'switchboard', name: '', role: 'bot' },
    text: input.text,
    attachments: input.attachments,
    channelData: input.channelData,
  };
}

export function greetingActivity(conversationId: string, caller: string, locale: string): Partial<Activity> {
  return {
    type: 'conversationUpdate',
    channelId: 'voice',
    locale,
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: caller, name: '', role: 'user' },
    recipient: { id: 'switchboard', name: '', role: 'bot' },
    membersAdded: [{ id: caller, name: '' }],
  };
}

/** "+35542200100=sq,+35542200200=en" → a map. */
export function parsePairs(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (spec ?? '').split(',')) {
    const i = part.lastIndexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}
