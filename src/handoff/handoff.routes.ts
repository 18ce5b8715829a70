// The operator queue API: list, claim, transfer, resolve.
import { Router } from 'express';
import { z } from 'zod';
import { ESCALATION_STATUSES, EscalationDoc } from '../store/models/escalation.model';
import type { HandoffService } from './handoff.service';
import { requireRole, session } from '../operators/auth';
import { ForbiddenError, NotFoundError, ValidationError } from '../infra/errors';
import type { OperatorDoc, OperatorsService } from '../operators/operators.service';

const listSchema = z.object({
  status: z.enum(ESCALATION_STATUSES).default('queued'),
  queue: z.string().max(50).optional(),
  mine: z.enum(['true', 'false']).optional(),
});
const transferSchema = z
  .object({
    operatorId: z.string().regex(/^[0-9a-f]{24}$/i, 'operatorId is not a valid id').optional(),
    queue: z.string().trim().min(1).max(50).optional(),
    note: z.string().trim().max(1000).optional(),
  })
  .refine((b) => !!b.operatorId !== !!b.queue, 'give either operatorId or queue');
const resolveSchema = z.object({ disposition: z.string().trim().max(200).default('resolved') });

/** Who may be handed a conversation: an active account that can work the queue. */
function takesConversations(o: OperatorDoc): boolean {
  return o.active !== false && o.roles.some((r) => r === 'operator' || r === 'supervisor' || r === 'admin');
}

export function toJson(e: EscalationDoc) {
  let slots: unknown;
  try {
    slots = JSON.parse(e.context?.slots ?? '{}');
  } catch {
    slots = {};
  }
  return {
    id: String(e._id),
    conversationId: String(e.conversationId),
    channel: e.channel,
    reason: e.reason,
    trigger: e.trigger,
    queue: e.queue,
    skills: e.skills,
    priority: e.priority,
    status: e.status,
    operatorId: e.operatorId ? String(e.operatorId) : null,
    queuedAt: e.queuedAt,
    assignedAt: e.assignedAt ?? null,
    resolvedAt: e.resolvedAt ?? null,
    disposition: e.disposition,
    transfers: e.transfers.map((t) => ({ ...t, from: t.from ? String(t.from) : null, toOperator: t.toOperator ? String(t.toOperator) : null })),
    context: { ...e.context, slots },
  };
}

export function handoffRoutes(handoff: HandoffService, operators: OperatorsService): Router {
  const r = Router();
  const guard = requireRole('operator', 'supervisor');

  r.get('/escalations', guard, async (req, res) => {
    const q = listSchema.parse(req.query);
    const s = session(req);
    const rows = await handoff.list({ status: q.status, queue: q.queue, operatorId: q.mine === 'true' ? s.operatorId : undefined });
    res.json(rows.filter((e) => handoff.canSee(s, e)).map(toJson));
  });

  r.get('/escalations/:id', guard, async (req, res) => {
    const e = await handoff.get(String(req.params.id));
    if (!handoff.canSee(session(req), e)) throw new ForbiddenError('not your escalation');
    res.json({ ...toJson(e), position: await handoff.position(e) });
  });

  r.post('/escalations/:id/claim', guard, async (req, res) => {
    res.json(toJson(await handoff.claim(String(req.params.id), session(req))));
  });

  // What the console's transfer dialog offers: colleagues (with presence and skills) and queues (with how many wait).
  r.get('/escalations/:id/transfer-targets', guard, async (req, res) => {
    const e = await handoff.get(String(req.params.id));
    await handoff.assertHandling(session(req), e);
    const [all, queues] = await Promise.all([operators.list(), handoff.queues()]);
    const colleagues = all
      .filter((o) => takesConversations(o) && String(o._id) !== String(e.operatorId))
      .map((o) => ({ id: String(o._id), name: o.name, presence: o.presence, skills: o.skills }));
    res.json({ operators: colleagues, queues });
  });

  r.post('/escalations/:id/transfer', guard, async (req, res) => {
    const body = transferSchema.parse(req.body);
    const id = String(req.params.id);
    // Who holds it first: a caller who may not transfer learns nothing about the target.
    await handoff.assertHandling(session(req), await handoff.get(id));
    let toName: string | undefined;
    if (body.operatorId) {
      const target = await operators.get(body.operatorId);
      if (!target) throw new NotFoundError('operator not found');
      if (!takesConversations(target)) throw new ValidationError('that account cannot take conversations');
      toName = target.name;
    }
    res.json(toJson(await handoff.transfer(id, session(req), { ...body, toName })));
  });

  r.post('/escalations/:id/resolve', guard, async (req, res) => {
    const { disposition } = resolveSchema.parse(req.body ?? {});
    res.json(toJson(await handoff.resolve(String(req.params.id), session(req), disposition)));
  });

  return r;
}
