// Stored messages → Direct Line activities, as Web Chat expects them: the
// customer's own messages echo back with their clientActivityID; what the
// bot and operators say comes from the bot side, with the speaker's name.
import type { Activity } from 'botbuilder';
import type { MessageDoc } from '../../conversations/conversations.service';

export const BOT_ID = 'switchboard';

/** `link` rewrites attachment URLs for the client (our own uploads get a read grant); by default they stay as stored. */
export function toActivity(m: MessageDoc, conversationId: string, botName: string, link: (url: string) => string = (u) => u): Partial<Activity> {
  const fromCustomer = m.author === 'customer';
  const a: Partial<Activity> = {
    type: m.activityType || 'message',
    id: String(m._id),
    timestamp: new Date(m.createdAt),
    channelId: 'directline',
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: fromCustomer
      ? { id: m.authorId || 'user', name: m.authorName || '', role: 'user' }
      : { id: BOT_ID, name: m.authorName || botName, role: 'bot' },
    text: m.text,
    channelData: fromCustomer ? { clientActivityID: m.clientActivityId || undefined } : { author: m.author },
  };
  if (m.choices.length) {
    a.suggestedActions = { to: [], actions: m.choices.map((c) => ({ type: 'imBack', title: c.title, value: c.title })) };
  }
  if (m.attachments.length) {
    a.attachments = m.attachments.map((x) => ({ contentType: x.contentType ?? 'application/octet-stream', contentUrl: x.contentUrl ? link(x.contentUrl) : undefined, name: x.name ?? undefined }));
  }
  return a;
}
