// The bot: one ActivityHandler for every channel. It runs the flow engine
// and turns its channel-neutral steps into activities (text, suggested
// actions); a handoff step escalates through the handoff service.
import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ConversationsService } from '../conversations/conversations.service';
import type { FlowEngine, TurnInput } from '../flows/engine';
import type { FlowState, OutStep } from '../flows/flow.types';
import type { Prompts } from '../flows/prompts';
import type { FaqAttempt, HandoffService } from '../handoff/handoff.service';
import { guessLanguage } from '../faq/text';
import type { Lang } from '../faq/faq.service';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import { ETagConflictError } from './storage';
import { turnConversation } from './middleware';

export interface BotDeps {
  engine: FlowEngine;
  conversationState: ConversationState;
  conversations: ConversationsService;
  handoff: HandoffService;
  prompts: Prompts;
  metrics: Metrics;
  logger: Logger;
  companyName: string;
}

const LANGS: Lang[] = ['en', 'sq'];

export class SwitchboardBot extends ActivityHandler {
  private readonly flowState: StatePropertyAccessor<FlowState>;

  constructor(private readonly deps: BotDeps) {
    super();
    this.flowState = deps.conversationState.createProperty<FlowState>('flow');

    this.onMembersAdded(async (ctx, next) => {
      const joined = (ctx.activity.membersAdded ?? []).some((m) => m.id !== ctx.activity.recipient?.id);
      const conversation = turnConversation(ctx);
      if (joined && (await deps.conversations.claimGreeting(conversation._id))) {
        await this.runFlow(ctx, { kind: 'start' }, this.languageOf(ctx, ''));
      }
      await next();
    });

    this.onMessage(async (ctx, next) => {
      const text = ctx.activity.text ?? '';
      const value = typeof ctx.activity.value === 'string' ? ctx.activity.value : undefined;
      await this.runFlow(ctx, { kind: 'text', text, value }, this.languageOf(ctx, text));
      await next();
    });
  }

  override async run(ctx: TurnContext): Promise<void> {
    await super.run(ctx);
    try {
      await this.deps.conversationState.saveChanges(ctx);
    } catch (err) {
      // Two turns of one conversation raced; the replies went out, the later position is kept.
      if (!(err instanceof ETagConflictError)) throw err;
      this.deps.logger.warn({ conversationId: ctx.activity.conversation?.id }, 'flow state changed by a concurrent turn');
    }
  }

  /** The conversation's language; a message clearly in another supported language switches it. */
  private languageOf(ctx: TurnContext, text: string): Lang {
    const conversation = turnConversation(ctx);
    const current = (LANGS as string[]).includes(conversation.language) ? (conversation.language as Lang) : 'en';
    const locale = (ctx.activity.locale ?? '').slice(0, 2);
    const guessed = guessLanguage(text) ?? ((LANGS as string[]).includes(locale) && !text ? (locale as Lang) : null);
    if (guessed && guessed !== current) {
      void this.deps.conversations.setLanguage(conversation._id, guessed);
      conversation.language = guessed;
      return guessed;
    }
    return current;
  }

  private async runFlow(ctx: TurnContext, input: TurnInput, lang: Lang): Promise<void> {
    const { engine, metrics } = this.deps;
    metrics.turns.inc({ channel: ctx.activity.channelId ?? 'unknown' });
    const saved = await this.flowState.get(ctx);
    const { steps, state } = engine.run(saved, input, lang);
    await this.flowState.set(ctx, state);
    for (const step of steps) await this.render(ctx, step, lang, state.faq);
  }

  private async render(ctx: TurnContext, step: OutStep, lang: Lang, faq: FaqAttempt[]): Promise<void> {
    const { prompts, companyName } = this.deps;
    const from = { id: 'switchboard', name: companyName, role: 'bot' };
    switch (step.type) {
      case 'say':
        await ctx.sendActivity({ type: 'message', text: step.text, from });
        return;
      case 'ask':
        await ctx.sendActivity({
          type: 'message',
          text: step.text,
          from,
          suggestedActions: { to: [], actions: step.choices.map((c) => ({ type: 'imBack', title: c.title, value: c.title })) },
        });
        return;
      case 'handoff': {
        const conversation = turnConversation(ctx);
        const { escalation, position, created } = await this.deps.handoff.escalate(conversation, {
          reason: step.reason,
          trigger: step.trigger,
          queue: step.queue,
          priority: step.priority,
          skills: step.skills,
          faqAttempts: faq,
          summary: faq.filter((f) => f.answered).map((f) => `answered: ${f.question} (${f.entryId})`).join('; '),
        });
        if (created) this.deps.metrics.escalations.inc({ reason: step.trigger });
        await ctx.sendActivity({
          type: 'message',
          from,
          text: prompts.t(lang, created ? 'handoff_queued' : 'handoff_already', { position }),
          channelData: { step: 'handoff', position, escalationId: String(escalation._id) },
        });
        return;
      }
      case 'end':
        return;
    }
  }
}
