// The human queue: escalate a conversation with its context, list, claim
// (exactly one operator wins), transfer and resolve. Only this module
// touches escalations. Every change to one goes through the store's one
// primitive, and then its place in the queue indexes (store/queue-index.ts),
// which is where the lists and positions are read from.
import { Types, isValidObjectId } from 'mongoose';
import type { EscalationDoc, EscalationStatus } from '../store/models/escalation.model';
import type { Store, Update } from '../store';
import type { ConversationDoc, ConversationsService } from '../conversations/conversations.service';
import type { Bus } from '../infra/bus';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../infra/errors';
import type { Session } from '../operators/operators.service';
import { hasRole } from '../operators/auth';

export type { EscalationDoc, EscalationStatus };

export interface FaqAttempt {
  question: string;
  entryId?: string;
  confidence: number;
  answered: boolean;
}

export interface EscalateInput {
  reason: string;
  trigger?: string;
  queue?: string;
  priority?: number;
  skills?: string[];
  summary?: string;
  faqAttempts?: FaqAttempt[];
  slots?: Record<string, unknown>;
  ivrPath?: string[];
}

/** What the customer-facing side is told when the queue changes hands. */
export interface HandoffNotifier {
  operatorJoined(conversation: ConversationDoc, operatorName: string): Promise<void>;
  resolved(conversation: ConversationDoc): Promise<void>;
}

const CONTEXT_MESSAGES = 20;
/** A conversation's latest escalations that decide who may see it. */
const SEEN_BY_ESCALATIONS = 20;

export class HandoffService {
  private readonly escalations;

  constructor(
    private readonly store: Store,
    private readonly deps: {
      conversations: ConversationsService;
      bus: Bus;
      notify: HandoffNotifier;
      /** The queues the contact center staffs (hours.yaml), offered as transfer targets. */
      queueNames?: () => string[];
    },
  ) {
    this.escalations = store.escalations;
  }

  /**
   * Queue the conversation for a person. Escalating a conversation that is
   * already queued or with an operator returns the open escalation. One
   * escalation of a conversation at a time: a second one (two texts sent
   * together) waits and then finds the first's escalation.
   */
  async escalate(conversation: ConversationDoc, input: EscalateInput): Promise<{ escalation: EscalationDoc; position: number; created: boolean }> {
    return this.store.exclusive.run(`escalate:${String(conversation._id)}`, () => this.escalateAlone(conversation, input));
  }

  private async escalateAlone(conversation: ConversationDoc, input: EscalateInput): Promise<{ escalation: EscalationDoc; position: number; created: boolean }> {
    const { conversations } = this.deps;
    const moved = await conversations.transition(conversation._id, ['bot', 'closed'], 'queued');
    if (!moved) {
      const open = await this.openFor(conversation._id);
      if (open) return { escalation: open, position: await this.position(open), created: false };
      throw new ConflictError('conversation is not with the bot');
    }
    const [customer, last] = await Promise.all([
      conversations.getCustomer(conversation.customerId),
      conversations.lastMessages(conversation._id, CONTEXT_MESSAGES),
    ]);
    const created = await this.escalations.create({
      conversationId: conversation._id,
      customerId: conversation.customerId,
      channel: conversation.channel,
      reason: input.reason,
      trigger: input.trigger ?? 'request',
      queue: input.queue ?? 'general',
      priority: input.priority ?? 0,
      skills: input.skills ?? [],
      context: {
        summary: input.summary ?? '',
        customer: { name: customer?.name ?? '', address: conversation.address, language: conversation.language },
        faqAttempts: input.faqAttempts ?? [],
        slots: JSON.stringify(input.slots ?? {}),
        ivrPath: input.ivrPath ?? [],
        lastMessages: last.map((m) => ({ author: m.author, text: m.text, at: m.createdAt })),
      },
    });
    const escalation = created.toObject() as EscalationDoc;
    await conversations.transition(conversation._id, ['queued'], 'queued', { escalationId: escalation._id });
    await this.store.queueIndex.place(escalation);
    await this.announce(escalation);
    return { escalation, position: await this.position(escalation), created: true };
  }

  /** 1-based place in its queue: higher priority first, then oldest first. */
  async position(e: Pick<EscalationDoc, '_id' | 'queue' | 'priority' | 'queuedAt' | 'status'>): Promise<number> {
    if (e.status !== 'queued') return 0;
    return this.store.queueIndex.position(e);
  }

  /**
   * The console's lists: a queue (or all queues) and who has what come from
   * the queue indexes and are read by `_id`. Closed escalations (resolved,
   * abandoned) are history, listed by a query on the store.
   */
  async list(filter: { status?: EscalationStatus; queue?: string; operatorId?: string }, limit = 200): Promise<EscalationDoc[]> {
    const { queueIndex } = this.store;
    let ids: string[] | null = null;
    if (filter.status === 'queued') ids = filter.operatorId ? [] : filter.queue ? await queueIndex.waiting(filter.queue, limit) : await queueIndex.allWaiting(limit);
    else if (filter.operatorId && (!filter.status || filter.status === 'assigned')) ids = await queueIndex.assigned(filter.operatorId, limit);
    else if (filter.status === 'assigned') ids = await queueIndex.assigned(null, limit);
    if (ids) {
      const docs = await Promise.all(ids.map((id) => this.escalations.findOne({ _id: id }).lean<EscalationDoc>()));
      return docs.filter(
        (e): e is EscalationDoc =>
          e !== null && (!filter.status || e.status === filter.status) && (!filter.queue || e.queue === filter.queue) && (!filter.operatorId || String(e.operatorId) === filter.operatorId),
      );
    }
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    if (filter.queue) q.queue = filter.queue;
    if (filter.operatorId) q.operatorId = new Types.ObjectId(filter.operatorId);
    return this.escalations.find(q).sort({ priority: -1, queuedAt: 1 }).limit(limit).lean<EscalationDoc[]>();
  }

  async depthByQueue(): Promise<Record<string, number>> {
    return this.store.queueIndex.depth();
  }

  /** Queues an escalation can be handed to: the staffed ones, then any other with people waiting. */
  async queues(): Promise<{ name: string; waiting: number }[]> {
    const depth = await this.depthByQueue();
    const names = [...new Set([...(this.deps.queueNames?.() ?? []), ...Object.keys(depth).sort()])];
    return names.map((name) => ({ name, waiting: depth[name] ?? 0 }));
  }

  async get(id: string): Promise<EscalationDoc> {
    const doc = await this.find(id);
    if (!doc) throw new NotFoundError('escalation not found');
    return doc;
  }

  private async find(id: unknown): Promise<EscalationDoc | null> {
    return isValidObjectId(id) ? this.escalations.findOne({ _id: String(id) }).lean<EscalationDoc>() : null;
  }

  /** The escalation a conversation is in now, if any (the conversation names it). */
  async openFor(conversationId: Types.ObjectId | string): Promise<EscalationDoc | null> {
    const c = await this.deps.conversations.find(String(conversationId));
    const e = c?.escalationId ? await this.find(c.escalationId) : null;
    return e && (e.status === 'queued' || e.status === 'assigned') ? e : null;
  }

  /** Queued escalations are open to every operator; others to whoever took part, and to supervisors. */
  canSee(session: Session, e: EscalationDoc): boolean {
    if (hasRole(session, ['supervisor'])) return true;
    if (e.status === 'queued') return true;
    return e.participants.some((p) => String(p) === session.operatorId);
  }

  async canSeeConversation(session: Session, conversationId: string): Promise<boolean> {
    if (hasRole(session, ['supervisor'])) return true;
    const c = await this.deps.conversations.find(conversationId);
    if (!c) return false;
    const ids = (c.escalationIds ?? []).slice(-SEEN_BY_ESCALATIONS);
    const escalations = await Promise.all(ids.map((id) => this.find(id)));
    return escalations.some((e) => e !== null && (e.status === 'queued' || e.participants.some((p) => String(p) === session.operatorId)));
  }

  async claim(id: string, session: Session): Promise<EscalationDoc> {
    const existing = await this.get(id);
    const oid = new Types.ObjectId(session.operatorId);
    const now = new Date();
    const claimed = await this.change(existing._id, (e) =>
      e.status === 'queued' ? { $set: { status: 'assigned', operatorId: oid, assignedAt: now }, $addToSet: { participants: oid } } : null,
    );
    if (!claimed) throw new ConflictError('escalation is not queued (someone else has it, or it is closed)');
    const conversation = await this.deps.conversations.transition(claimed.conversationId, ['queued', 'human'], 'human', { operatorId: oid });
    await this.announce(claimed);
    if (conversation) await this.deps.notify.operatorJoined(conversation, session.name);
    return claimed;
  }

  /** The escalation assigned to this operator (supervisors may act on anyone's). */
  async assertHandling(session: Session, e: EscalationDoc): Promise<void> {
    if (e.status !== 'assigned') throw new ConflictError(`escalation is ${e.status}`);
    if (String(e.operatorId) !== session.operatorId && !hasRole(session, ['supervisor'])) {
      throw new ForbiddenError('this escalation is assigned to another operator');
    }
  }

  /**
   * Hand on to a colleague (stays assigned, to them) or back to a queue. The
   * note travels in `transfers`, which the receiving operator sees as context.
   * `toName` is the colleague's name, looked up by the caller.
   */
  async transfer(id: string, session: Session, to: { operatorId?: string; toName?: string; queue?: string; note?: string }): Promise<EscalationDoc> {
    const e = await this.get(id);
    await this.assertHandling(session, e);
    const from = e.operatorId;
    const transfer = {
      from,
      fromName: session.name,
      toOperator: null as Types.ObjectId | null,
      toName: to.toName ?? '',
      toQueue: to.queue ?? '',
      at: new Date(),
      note: (to.note ?? '').trim(),
    };
    let update: Update;
    if (to.operatorId) {
      if (!isValidObjectId(to.operatorId)) throw new ValidationError('operatorId is not a valid id');
      if (String(from) === to.operatorId) throw new ValidationError('the escalation is already assigned to that operator');
      const target = new Types.ObjectId(to.operatorId);
      transfer.toOperator = target;
      update = { $set: { operatorId: target, assignedAt: new Date() }, $push: { transfers: transfer }, $addToSet: { participants: target } };
    } else if (to.queue) {
      update = { $set: { status: 'queued', queue: to.queue, operatorId: null, queuedAt: new Date() }, $push: { transfers: transfer } };
    } else {
      throw new ValidationError('give operatorId or queue');
    }
    const moved = await this.change(e._id, (now) => (now.status === 'assigned' && String(now.operatorId) === String(from) ? update : null));
    if (!moved) throw new ConflictError('escalation changed hands meanwhile');
    if (to.queue) await this.deps.conversations.transition(moved.conversationId, ['human'], 'queued', { operatorId: null });
    else await this.deps.conversations.transition(moved.conversationId, ['human'], 'human', { operatorId: moved.operatorId });
    await this.announce(moved);
    return moved;
  }

  async resolve(id: string, session: Session, disposition: string): Promise<EscalationDoc> {
    const e = await this.get(id);
    if (e.status === 'queued' && !hasRole(session, ['supervisor'])) throw new ConflictError('claim the escalation before resolving it');
    if (e.status === 'assigned') await this.assertHandling(session, e);
    const done = await this.change(e._id, (now) =>
      now.status === 'queued' || now.status === 'assigned' ? { $set: { status: 'resolved', resolvedAt: new Date(), disposition } } : null,
    );
    if (!done) throw new ConflictError(`escalation is ${e.status}`);
    const conversation = await this.deps.conversations.transition(done.conversationId, ['queued', 'human'], 'bot', { escalationId: null, operatorId: null });
    await this.announce(done);
    if (conversation) await this.deps.notify.resolved(conversation);
    return done;
  }

  /**
   * The customer left before anyone took it (a caller hung up in the queue):
   * the escalation is abandoned — it counts in the figures — and the
   * conversation closes. Null when it was no longer queued.
   */
  async abandon(id: string): Promise<EscalationDoc | null> {
    if (!isValidObjectId(id)) return null;
    const done = await this.change(new Types.ObjectId(id), (e) =>
      e.status === 'queued' ? { $set: { status: 'abandoned', resolvedAt: new Date(), disposition: 'abandoned' } } : null,
    );
    if (!done) return null;
    await this.deps.conversations.transition(done.conversationId, ['queued'], 'closed', { escalationId: null, operatorId: null });
    await this.announce(done);
    return done;
  }

  /**
   * The operator it was given to could not be reached (their phone did not
   * answer): back to its queue, unassigned, with its priority and original
   * queuedAt, so it keeps its place at the front. The transfers list says
   * why. Only from `assigned` to that operator: a repeated report, or one for
   * an escalation that has moved on since, changes nothing (null).
   */
  async requeueUnanswered(id: string, operatorId: string, note: string, operatorName = ''): Promise<EscalationDoc | null> {
    if (!isValidObjectId(id) || !isValidObjectId(operatorId)) return null;
    const from = new Types.ObjectId(operatorId);
    const done = await this.change(new Types.ObjectId(id), (e) => {
      if (e.status !== 'assigned' || String(e.operatorId) !== operatorId) return null;
      const transfer = { from, fromName: operatorName, toOperator: null, toName: '', toQueue: e.queue, at: new Date(), note: note.slice(0, 1000) };
      return { $set: { status: 'queued', operatorId: null }, $unset: { assignedAt: 1 }, $push: { transfers: transfer } };
    });
    if (!done) return null;
    await this.deps.conversations.transition(done.conversationId, ['human'], 'queued', { operatorId: null });
    await this.announce(done);
    return done;
  }

  /** What a channel learns after escalating (a call's IVR path, its transcript), added to the context operators see. */
  async addContext(id: string, extra: { callPath?: string[]; transcript?: string; note?: string }): Promise<void> {
    if (!isValidObjectId(id)) return;
    const set: Record<string, unknown> = {};
    if (extra.callPath) set['context.callPath'] = extra.callPath.slice(0, 100).map((l) => l.slice(0, 500));
    if (extra.transcript !== undefined) set['context.transcript'] = extra.transcript.slice(0, 20000);
    const update: Record<string, unknown> = {};
    if (Object.keys(set).length) update.$set = set;
    if (extra.note) update.$push = { 'context.notes': extra.note.slice(0, 1000) };
    if (!Object.keys(update).length) return;
    const e = await this.store.exclusive.change<EscalationDoc>(this.escalations, 'escalation', new Types.ObjectId(id), () => update);
    if (e) await this.announce(e.after);
  }

  /**
   * One change of an escalation through the store's one primitive, and its
   * place in the queue indexes moved with it (still under the lease, so two
   * changes in a row are placed in their order). Null when `decide` made none.
   */
  private async change(id: Types.ObjectId, decide: (e: EscalationDoc) => Update | null): Promise<EscalationDoc | null> {
    const r = await this.store.exclusive.change<EscalationDoc>(this.escalations, 'escalation', id, decide, (_before, after) => this.store.queueIndex.place(after));
    return r?.after ?? null;
  }

  private async announce(e: EscalationDoc): Promise<void> {
    await this.deps.bus.publish({
      type: 'escalation',
      escalationId: String(e._id),
      conversationId: String(e.conversationId),
      status: e.status,
      operatorId: e.operatorId ? String(e.operatorId) : undefined,
    });
  }
}
