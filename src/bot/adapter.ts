// GatewayAdapter: runs bot turns for every channel with no Microsoft cloud
// in between. Replies sent during a turn are collected so the channel can
// answer within its own HTTP response (TwiML) or has them stored already
// (web chat); anything sent outside a turn (proactive) goes to the outbound
// queue, by the message id the transcript middleware gave it.
import { Activity, BotAdapter, ConversationReference, ResourceResponse, TurnContext } from 'botbuilder';
import { UnsupportedByChannelError } from '../infra/errors';

export const REPLIES = Symbol('replies');

export interface Enqueuer {
  enqueue(messageId: string): Promise<void>;
}

export class GatewayAdapter extends BotAdapter {
  constructor(private readonly outbound: Enqueuer) {
    super();
  }

  /** Run one turn; resolves with the replies the bot sent during it and the turn's state. */
  async processActivity(
    activity: Partial<Activity>,
    logic: (ctx: TurnContext) => Promise<void>,
    initialState: [symbol, unknown][] = [],
  ): Promise<{ replies: Partial<Activity>[]; turnState: TurnContext['turnState'] }> {
    const replies: Partial<Activity>[] = [];
    const ctx = new TurnContext(this, activity);
    for (const [k, v] of initialState) ctx.turnState.set(k, v);
    ctx.turnState.set(REPLIES, replies);
    await this.runMiddleware(ctx, logic);
    return { replies, turnState: ctx.turnState };
  }

  async sendActivities(ctx: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const replies = ctx.turnState.get(REPLIES) as Partial<Activity>[] | undefined;
    const out: ResourceResponse[] = [];
    for (const a of activities) {
      if (a.type === 'delay' || a.type === 'trace') {
        out.push({ id: '' });
        continue;
      }
      if (replies) replies.push(a);
      else if (a.id) await this.outbound.enqueue(a.id);
      out.push({ id: a.id ?? '' });
    }
    return out;
  }

  async updateActivity(): Promise<void> {
    throw new UnsupportedByChannelError('updating a sent message is not supported');
  }

  async deleteActivity(): Promise<void> {
    throw new UnsupportedByChannelError('deleting a sent message is not supported');
  }

  /** A proactive turn: what the logic sends goes out through the outbound queue. */
  async continueConversation(reference: Partial<ConversationReference>, logic: (ctx: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}
