// The bot's middleware, in the order DESIGN.md gives: persistence (store the
// inbound message, stop on a duplicate), transcript (store what the bot
// sends), handoff (a conversation with a person gets no bot turn).
import type { Activity, Middleware, TurnContext } from 'botbuilder';
import { newTurnWrites, type Choice, type ConversationDoc, type ConversationsService, type MessageDoc, type TurnWrites } from '../conversations/conversations.service';
import { NotFoundError } from '../infra/errors';
import { REPLIES } from './adapter';

export const CONVERSATION = Symbol('conversation');
export const INBOUND = Symbol('inbound');
export const DUPLICATE = Symbol('duplicate');
/** The turn's numbered messages, written together when the turn ends. */
export const WRITES = Symbol('writes');

export function turnConversation(ctx: TurnContext): ConversationDoc {
  const c = ctx.turnState.get(CONVERSATION) as ConversationDoc | undefined;
  if (!c) throw new Error('persistence middleware did not run');
  return c;
}

export function isCustomerMessage(a: Partial<Activity>): boolean {
  return a.type === 'message' && a.from?.role !== 'bot';
}

export class PersistenceMiddleware implements Middleware {
  constructor(private readonly conversations: ConversationsService) {}

  async onTurn(ctx: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = (ctx.turnState.get(CONVERSATION) as ConversationDoc | undefined) ?? (await this.conversations.find(ctx.activity.conversation?.id ?? ''));
    if (!conversation) throw new NotFoundError('conversation not found');
    ctx.turnState.set(CONVERSATION, conversation);
    const writes = newTurnWrites();
    ctx.turnState.set(WRITES, writes);
    try {
      await this.persist(ctx, conversation, next);
    } finally {
      await this.conversations.writeTurn(writes);
    }
  }

  private async persist(ctx: TurnContext, conversation: ConversationDoc, next: () => Promise<void>): Promise<void> {
    if (isCustomerMessage(ctx.activity)) {
      const a = ctx.activity;
      const { message, duplicate } = await this.conversations.recordInbound({
        conversation,
        channelMessageId: a.id ?? '',
        text: a.text ?? '',
        authorId: a.from?.id,
        authorName: a.from?.name,
        clientActivityId: (a.channelData as { clientActivityID?: string } | undefined)?.clientActivityID,
        attachments: (a.attachments ?? []).map((x) => ({ contentType: x.contentType, contentUrl: x.contentUrl, name: x.name })),
      });
      ctx.turnState.set(INBOUND, message);
      if (duplicate) {
        ctx.turnState.set(DUPLICATE, message);
        return;
      }
    }
    await next();
  }
}

export class TranscriptMiddleware implements Middleware {
  constructor(private readonly conversations: ConversationsService) {}

  async onTurn(ctx: TurnContext, next: () => Promise<void>): Promise<void> {
    ctx.onSendActivities(async (c, activities, send) => {
      const conversation = turnConversation(c);
      const writes = c.turnState.has(REPLIES) ? (c.turnState.get(WRITES) as TurnWrites | undefined) : undefined;
      for (const a of activities) {
        if (a.type !== 'message') continue;
        const data = (a.channelData ?? {}) as { author?: 'bot' | 'system' };
        const choices: Choice[] = (a.suggestedActions?.actions ?? []).map((x) => ({ title: x.title ?? String(x.value), value: String(x.value) }));
        const what = { conversation, author: data.author ?? 'bot', authorName: a.from?.name, text: a.text ?? '', choices };
        // Within a turn the reply is written with the turn; outside one (proactive) it is stored now and queued.
        const m: MessageDoc = writes ? await this.conversations.replyInTurn(what, writes) : await this.conversations.recordOutgoing({ ...what, delivered: false });
        a.id = String(m._id);
      }
      return send();
    });
    await next();
  }
}

export class HandoffMiddleware implements Middleware {
  async onTurn(ctx: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = turnConversation(ctx);
    // The message is stored and announced on the bus: the console shows it. The bot stays silent.
    if (isCustomerMessage(ctx.activity) && (conversation.mode === 'queued' || conversation.mode === 'human')) return;
    await next();
  }
}
