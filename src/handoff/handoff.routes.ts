// The operator queue API: list, claim, transfer, resolve.
import { Router } from 'express';
import { z } from 'zod';
import { ESCALATION_STATUSES, EscalationDoc } from './escalation.model';
import type { HandoffService } from './handoff.service';
import { requireRole, session } from '../operators/auth';
import { ForbiddenError, NotFoundError } from '../infra/errors';
import type { OperatorsService } from '../operators/operators.service';

const listSchema = z.object({
  status: z.enum(ESCALATION_STATUSES).default('queued'),
  queue: z.string().max(50).optional(),
  mine: z.enum(['true', 'false']).optional(),
});
const transferSchema = z
  .object({ operatorId: z.string().max(50).optional(), queue: z.string().trim().min(1).max(50).optional(), note: z.string().max(1000).optional() })
  .refine((b) => !!b.operatorId !== !!b.queue, 'give either operatorId or queue');
const resolveSchema = z.object({ disposition: z.string().trim().max(200).default('resolved') });

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

  r.post('/escalations/:id/transfer', guard, async (req, res) => {
    const body = transferSchema.parse(req.body);
    if (body.operatorId && !(await operators.get(body.operatorId))) throw new NotFoundError('operator not found');
    res.json(toJson(await handoff.transfer(String(req.params.id), session(req), body)));
  });

  r.post('/escalations/:id/resolve', guard, async (req, res) => {
    const { disposition } = resolveSchema.parse(req.body ?? {});
    res.json(toJson(await handoff.resolve(String(req.params.id), session(req), disposition)));
  });

  return r;
}
