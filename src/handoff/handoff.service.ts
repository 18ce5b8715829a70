// The human queue: escalate a conversation with its context, list, claim
// (atomic: exactly one operator wins), transfer and resolve. Only this
// module touches the Escalation model. Every state change is one
// single-document conditional update.
import { Connection, Types, isValidObjectId } from 'mongoose';
import { escalationModel, EscalationDoc, EscalationStatus } from './escalation.model';
import type { ConversationDoc, ConversationsService } from '../conversations/conversations.service';
import type { Bus } from '../infra/bus';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../infra/errors';
import type { Session } from '../operators/operators.service';
import { hasRole } from '../operators/auth';
import type { Locks } from '../infra/locks';

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

export class HandoffService {
  private readonly escalations;

  constructor(
    conn: Connection,
    private readonly deps: {
      conversations: ConversationsService;
      bus: Bus;
      notify: HandoffNotifier;
      locks: Locks;
      /** The queues the contact center staffs (hours.yaml), offered as transfer targets. */
      queueNames?: () => string[];
    },
  ) {
    this.escalations = escalationModel(conn);
  }

  /**
   * Queue the conversation for a person. Escalating a conversation that is
   * already queued or with an operator returns the open escalation.
   */
  async escalate(conversation: ConversationDoc, input: EscalateInput): Promise<{ escalation: EscalationDoc; position: number; created: boolean }> {
    const { conversations } = this.deps;
    const moved = await conversations.transition(conversation._id, ['bot', 'closed'], 'queued');
    if (!moved) {
      const open = await this.escalations.findOne({ conversationId: conversation._id, status: { $in: ['queued', 'assigned'] } }).lean<EscalationDoc>();
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
    await this.announce(escalation);
    return { escalation, position: await this.position(escalation), created: true };
  }

  /** 1-based place in its queue: higher priority first, then oldest first. */
  async position(e: Pick<EscalationDoc, 'queue' | 'priority' | 'queuedAt' | 'status'>): Promise<number> {
    if (e.status !== 'queued') return 0;
    const ahead = await this.escalations.countDocuments({
      status: 'queued',
      queue: e.queue,
      $or: [{ priority: { $gt: e.priority } }, { priority: e.priority, queuedAt: { $lt: e.queuedAt } }],
    });
    return ahead + 1;
  }

  async list(filter: { status?: EscalationStatus; queue?: string; operatorId?: string }, limit = 200): Promise<EscalationDoc[]> {
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    if (filter.queue) q.queue = filter.queue;
    if (filter.operatorId) q.operatorId = new Types.ObjectId(filter.operatorId);
    return this.escalations.find(q).sort({ priority: -1, queuedAt: 1 }).limit(limit).lean<EscalationDoc[]>();
  }

  async depthByQueue(): Promise<Record<string, number>> {
    const rows = await this.escalations.aggregate<{ _id: string; n: number }>([
      { $match: { status: 'queued' } },
      { $group: { _id: '$queue', n: { $sum: 1 } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  /** Queues an escalation can be handed to: the staffed ones, then any other with people waiting. */
  async queues(): Promise<{ name: string; waiting: number }[]> {
    const depth = await this.depthByQueue();
    const names = [...new Set([...(this.deps.queueNames?.() ?? []), ...Object.keys(depth).sort()])];
    return names.map((name) => ({ name, waiting: depth[name] ?? 0 }));
  }

  async get(id: string): Promise<EscalationDoc> {
    const doc = isValidObjectId(id) ? await this.escalations.findById(id).lean<EscalationDoc>() : null;
    if (!doc) throw new NotFoundError('escalation not found');
    return doc;
  }

  /** The escalation a conversation is in now, if any. */
  async openFor(conversationId: Types.ObjectId | string): Promise<EscalationDoc | null> {
    return this.escalations.findOne({ conversationId, status: { $in: ['queued', 'assigned'] } }).lean<EscalationDoc>();
  }

  /** Queued escalations are open to every operator; others to whoever took part, and to supervisors. */
  canSee(session: Session, e: EscalationDoc): boolean {
    if (hasRole(session, ['supervisor'])) return true;
    if (e.status === 'queued') return true;
    return e.participants.some((p) => String(p) === session.operatorId);
  }

  async canSeeConversation(session: Session, conversationId: string): Promise<boolean> {
    if (hasRole(session, ['supervisor'])) return true;
    if (!isValidObjectId(conversationId)) return false;
    const oid = new Types.ObjectId(session.operatorId);
    return !!(await this.escalations.exists({
      conversationId,
      $or: [{ status: 'queued' }, { participants: oid }],
    }));
  }

  async claim(id: string, session: Session): Promise<EscalationDoc> {
    const existing = await this.get(id);
    const oid = new Types.ObjectId(session.operatorId);
    const now = new Date();
    const claimed = await this.exclusive(existing._id, () =>
      this.escalations
        .findOneAndUpdate(
          { _id: existing._id, status: 'queued' },
          { $set: { status: 'assigned', operatorId: oid, assignedAt: now }, $addToSet: { participants: oid } },
          { returnDocument: 'after' },
        )
        .lean<EscalationDoc>(),
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
    let update: Record<string, unknown>;
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
    const moved = await this.exclusive(e._id, () =>
      this.escalations.findOneAndUpdate({ _id: e._id, status: 'assigned', operatorId: from }, update, { returnDocument: 'after' }).lean<EscalationDoc>(),
    );
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
    const done = await this.exclusive(e._id, () =>
      this.escalations
        .findOneAndUpdate(
          { _id: e._id, status: { $in: ['queued', 'assigned'] } },
          { $set: { status: 'resolved', resolvedAt: new Date(), disposition } },
          { returnDocument: 'after' },
        )
        .lean<EscalationDoc>(),
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
    const done = await this.exclusive(id, () =>
      this.escalations
        .findOneAndUpdate({ _id: id, status: 'queued' }, { $set: { status: 'abandoned', resolvedAt: new Date(), disposition: 'abandoned' } }, { returnDocument: 'after' })
        .lean<EscalationDoc>(),
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
    const done = await this.exclusive(id, async () => {
      const e = await this.escalations.findOne({ _id: id, status: 'assigned', operatorId: from }).lean<EscalationDoc>();
      if (!e) return null;
      const transfer = { from, fromName: operatorName, toOperator: null, toName: '', toQueue: e.queue, at: new Date(), note: note.slice(0, 1000) };
      return this.escalations
        .findOneAndUpdate(
          { _id: id, status: 'assigned', operatorId: from },
          { $set: { status: 'queued', operatorId: null }, $unset: { assignedAt: 1 }, $push: { transfers: transfer } },
          { returnDocument: 'after' },
        )
        .lean<EscalationDoc>();
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
    const e = await this.escalations.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<EscalationDoc>();
    if (e) await this.announce(e);
  }

  /** One state change of an escalation at a time, across processes (see infra/locks.ts). */
  private exclusive<T>(id: Types.ObjectId | string, fn: () => Promise<T>): Promise<T> {
    return this.deps.locks.with(`esc:${id}`, fn);
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
