// What a Direct Line client may post, validated once at the edge, and its
// conversion into the Activity the bot runs on.
import type { Activity } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BOT_ID } from './render';

export const MAX_TEXT = 4000;

export const postedActivitySchema = z.object({
  type: z.enum(['message', 'typing', 'event', 'conversationUpdate', 'invoke']),
  id: z.string().max(200).optional(),
  from: z.object({ id: z.string().min(1).max(200), name: z.string().max(200).optional(), role: z.string().max(20).optional() }),
  text: z.string().max(MAX_TEXT).optional(),
  textFormat: z.string().max(20).optional(),
  locale: z.string().max(20).optional(),
  name: z.string().max(200).optional(),
  value: z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  channelData: z.object({ clientActivityID: z.string().max(200).optional() }).loose().optional(),
  attachments: z.array(z.object({ contentType: z.string().max(200), contentUrl: z.string().max(2000).optional(), name: z.string().max(500).optional() })).max(10).optional(),
});

export type PostedActivity = z.infer<typeof postedActivitySchema>;

export function toActivity(posted: PostedActivity, conversationId: string): Partial<Activity> {
  const clientId = posted.id ?? posted.channelData?.clientActivityID ?? randomUUID();
  return {
    type: posted.type,
    // The idempotency key: one stored copy per client activity, per conversation.
    id: `${conversationId}:${clientId}`,
    channelId: 'webchat',
    serviceUrl: '',
    timestamp: new Date(),
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: posted.from.id, name: posted.from.name ?? '', role: 'user' },
    recipient: { id: BOT_ID, name: '', role: 'bot' },
    text: posted.text ?? '',
    locale: posted.locale,
    value: posted.value,
    channelData: posted.channelData ?? {},
    attachments: (posted.attachments ?? []).map((a) => ({ contentType: a.contentType, contentUrl: a.contentUrl, name: a.name })),
  };
}
