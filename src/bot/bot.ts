// The bot: one ActivityHandler for every channel. It runs the flow engine
// and turns its channel-neutral steps into activities (text, suggested
// actions); a handoff step escalates through the handoff service.
import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ConversationDoc, ConversationsService } from '../conversations/conversations.service';
import type { FlowActions, FlowEngine, TurnInput } from '../flows/engine';
import type { FlowState, OutChoice, OutStep } from '../flows/flow.types';
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
  /** Cases and satisfaction scores for the flows, bound to the turn's conversation. */
  flowActions?: (conversation: ConversationDoc) => FlowActions;
}

/** Channels that can record a voicemail; a `record` step asks the others for a typed message. */
const RECORDING_CHANNELS = ['voice'];

const NO_ACTIONS: FlowActions = {
  createCase: () => Promise.reject(new Error('cases are not wired into the bot')),
  findCase: async () => null,
  recordSatisfaction: async () => undefined,
};

function suggested(choices: OutChoice[]) {
  return { to: [], actions: choices.map((c) => ({ type: 'imBack', title: c.title, value: c.title })) };
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
      const attachments = (ctx.activity.attachments ?? []).filter((a) => !!a.contentUrl).map((a) => ({ contentType: a.contentType, url: a.contentUrl as string }));
      const channel = ctx.activity.channelId ?? '';
      if (!text.trim() && value === undefined && attachments.length && !RECORDING_CHANNELS.includes(channel)) await this.cannotReadFiles(ctx, this.languageOf(ctx, ''));
      else await this.runFlow(ctx, { kind: 'text', text, value, attachments }, this.languageOf(ctx, text));
      await next();
    });
  }

  /**
   * Files without a word: they are kept for operators, but the bot cannot read
   * them, so it says so and offers a person instead of guessing. The flow stays
   * where it was; the next typed reply continues it.
   */
  private async cannotReadFiles(ctx: TurnContext, lang: Lang): Promise<void> {
    const { prompts, companyName, metrics } = this.deps;
    metrics.turns.inc({ channel: ctx.activity.channelId ?? 'unknown' });
    const title = prompts.t(lang, 'choice_person');
    // Digit 0 is the operator key wherever choices are numbered (SMS).
    const person: OutChoice = { title, value: title, digit: '0' };
    await ctx.sendActivity({
      type: 'message',
      text: prompts.t(lang, 'attachment_unreadable'),
      from: { id: 'switchboard', name: companyName, role: 'bot' },
      suggestedActions: suggested([person]),
      channelData: { step: 'ask', choices: [person] },
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
      // Not awaited (the turn answers in the new language either way); a failed write is logged, never left unhandled.
      this.deps.conversations.setLanguage(conversation._id, guessed).catch((err: unknown) => {
        this.deps.logger.warn({ err, conversationId: String(conversation._id) }, 'conversation language not saved');
      });
      conversation.language = guessed;
      return guessed;
    }
    return current;
  }

  private async runFlow(ctx: TurnContext, input: TurnInput, lang: Lang): Promise<void> {
    const { engine, metrics } = this.deps;
    metrics.turns.inc({ channel: ctx.activity.channelId ?? 'unknown' });
    const saved = await this.flowState.get(ctx);
    const conversation = turnConversation(ctx);
    const channel = ctx.activity.channelId ?? conversation.channel;
    const { steps, state } = await engine.run(saved, input, {
      lang,
      channel,
      canRecord: RECORDING_CHANNELS.includes(channel),
      actions: this.deps.flowActions?.(conversation) ?? NO_ACTIONS,
      vars: { address: conversation.address },
    });
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
        await ctx.sendActivity({ type: 'message', text: step.text, from, suggestedActions: suggested(step.choices), channelData: { step: 'ask', choices: step.choices } });
        return;
      case 'collect':
        await ctx.sendActivity({
          type: 'message',
          text: step.text,
          from,
          suggestedActions: step.choices ? suggested(step.choices) : undefined,
          channelData: { step: 'collect', slot: step.slot, kind: step.kind, sensitive: step.sensitive, choices: step.choices },
        });
        return;
      case 'record':
        await ctx.sendActivity({ type: 'message', text: step.text, from, channelData: { step: 'record', slot: step.slot, maxSeconds: step.maxSeconds } });
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
          slots: step.slots,
          ivrPath: step.path,
        });
        if (created) this.deps.metrics.escalations.inc({ reason: step.trigger });
        await ctx.sendActivity({
          type: 'message',
          from,
          text: created && step.text ? prompts.fill(step.text, { position }) : prompts.t(lang, created ? 'handoff_queued' : 'handoff_already', { position }),
          channelData: { step: 'handoff', position, escalationId: String(escalation._id) },
        });
        return;
      }
      case 'end':
        // Not a message: channels that hold a line open (voice) hang up; the others ignore it.
        await ctx.sendActivity({ type: 'endOfConversation', code: 'completedSuccessfully', from });
        return;
    }
  }
}
