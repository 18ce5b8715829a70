// Puts the bot together: adapter, middleware in order, bot state in MongoDB,
// and the one place a turn's errors are caught. Channels call `handle`.
import { Activity, ConversationState } from 'botbuilder';
import { GatewayAdapter, Enqueuer } from './adapter';
import { SwitchboardBot, BotDeps } from './bot';
import { CONVERSATION as turnConversationKey, DUPLICATE, HandoffMiddleware, INBOUND, PersistenceMiddleware, TranscriptMiddleware, isCustomerMessage, turnConversation } from './middleware';
import { MongoStorage } from './storage';
import type { Store } from '../store';
import type { ConversationDoc, MessageDoc } from '../conversations/conversations.service';
import { AppError } from '../infra/errors';

export interface TurnOutcome {
  replies: Partial<Activity>[];
  inbound?: MessageDoc;
  duplicate: boolean;
}

export interface BotRuntime {
  adapter: GatewayAdapter;
  /** Run a turn; a channel that has just loaded the conversation passes it to save a read. */
  handle(activity: Partial<Activity>, conversation?: ConversationDoc): Promise<TurnOutcome>;
}

export function createBotRuntime(store: Store, outbound: Enqueuer, deps: Omit<BotDeps, 'conversationState'>): BotRuntime {
  const conversationState = new ConversationState(new MongoStorage(store));
  const adapter = new GatewayAdapter(outbound);
  adapter.use(new PersistenceMiddleware(deps.conversations));
  adapter.use(new TranscriptMiddleware(deps.conversations));
  adapter.use(new HandoffMiddleware());
  adapter.onTurnError = async (ctx, err) => {
    // Trusted errors (unknown conversation…) go back to the caller as they are.
    if (err instanceof AppError && err.isTrusted) throw err;
    // A customer's message that could not be stored is not acknowledged: the channel answers with
    // an error, so the sender (Web Chat, Twilio) tries again, instead of a polite reply over a loss.
    if (isCustomerMessage(ctx.activity) && !ctx.turnState.get(INBOUND)) throw err;
    deps.logger.error({ err, conversationId: ctx.activity.conversation?.id, channel: ctx.activity.channelId }, 'bot turn failed');
    if (isCustomerMessage(ctx.activity) && ctx.turnState.get(turnConversationKey)) {
      const lang = turnConversation(ctx).language;
      await ctx.sendActivity({ type: 'message', text: deps.prompts.t(lang, 'turn_error') });
    }
  };
  const bot = new SwitchboardBot({ ...deps, conversationState });
  return {
    adapter,
    async handle(activity, conversation) {
      const preloaded: [symbol, unknown][] = conversation && String(conversation._id) === activity.conversation?.id ? [[turnConversationKey, conversation]] : [];
      const { replies, turnState } = await adapter.processActivity(activity, (ctx) => bot.run(ctx), preloaded);
      return { replies, inbound: turnState.get(INBOUND) as MessageDoc | undefined, duplicate: turnState.has(DUPLICATE) };
    },
  };
}
