// The cases API for operators and supervisors: list (with filters), read,
// create, change status; a conversation's cases; the satisfaction report.
// An operator sees the cases of conversations they can see (queued or
// theirs) and cases they created; supervisors see all.
import { Router } from 'express';
import { z } from 'zod';
import type { CasesService, CaseDoc } from './cases.service';
import { CASE_STATUSES, CASE_TYPES } from './case.types';
import type { HandoffService } from '../handoff/handoff.service';
import type { ConversationsService } from '../conversations/conversations.service';
import type { Session } from '../operators/operators.service';
import { hasRole, requireRole, session } from '../operators/auth';
import { ForbiddenError } from '../infra/errors';

const fieldValue = z.union([z.string().max(2000), z.number(), z.boolean()]);
const listSchema = z.object({
  type: z.enum(CASE_TYPES).optional(),
  status: z.enum(CASE_STATUSES).optional(),
  conversationId: z.string().max(50).optional(),
  customerId: z.string().max(50).optional(),
  number: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const createSchema = z.object({
  type: z.enum(CASE_TYPES),
  summary: z.string().trim().min(1).max(2000),
  fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lowercase letters, digits and _'), fieldValue).default({}),
  conversationId: z.string().max(50).optional(),
});
const patchSchema = z.object({ status: z.enum(CASE_STATUSES), note: z.string().max(1000).optional() });
const reportSchema = z.object({ from: z.coerce.date().optional(), to: z.coerce.date().optional() });

export function caseJson(c: CaseDoc) {
  return {
    id: String(c._id),
    number: c.number,
    type: c.type,
    status: c.status,
    summary: c.summary,
    fields: (c.fields ?? {}) as Record<string, unknown>,
    conversationId: c.conversationId ? String(c.conversationId) : null,
    customerId: c.customerId ? String(c.customerId) : null,
    channel: c.channel,
    language: c.language,
    source: c.source,
    createdBy: c.createdBy ? String(c.createdBy) : null,
    history: c.history.map((h) => ({ status: h.status, at: h.at, by: h.by ? String(h.by) : null, byName: h.byName, note: h.note })),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function casesRoutes(deps: { cases: CasesService; handoff: HandoffService; conversations: ConversationsService }): Router {
  const { cases, handoff, conversations } = deps;
  const r = Router();
  const guard = requireRole('operator', 'supervisor');

  /** Visibility of many cases at once, one conversation lookup each. */
  const visibleTo = (s: Session) => {
    const seen = new Map<string, Promise<boolean>>();
    return async (c: CaseDoc): Promise<boolean> => {
      if (hasRole(s, ['supervisor'])) return true;
      if (c.createdBy && String(c.createdBy) === s.operatorId) return true;
      if (!c.conversationId) return false;
      const id = String(c.conversationId);
      if (!seen.has(id)) seen.set(id, handoff.canSeeConversation(s, id));
      return (await seen.get(id)) ?? false;
    };
  };
  const assertVisible = async (s: Session, c: CaseDoc) => {
    if (!(await visibleTo(s)(c))) throw new ForbiddenError('not a case of a conversation you can see');
  };

  r.get('/cases', guard, async (req, res) => {
    const q = listSchema.parse(req.query);
    const s = session(req);
    const rows = await cases.list(q, q.limit);
    const can = visibleTo(s);
    const visible = await Promise.all(rows.map(can));
    res.json(rows.filter((_, i) => visible[i]).map(caseJson));
  });

  r.get('/cases/:id', guard, async (req, res) => {
    const c = await cases.get(String(req.params.id));
    await assertVisible(session(req), c);
    res.json(caseJson(c));
  });

  r.post('/cases', guard, async (req, res) => {
    const body = createSchema.parse(req.body);
    const s = session(req);
    let conversation = null;
    if (body.conversationId) {
      if (!(await handoff.canSeeConversation(s, body.conversationId))) throw new ForbiddenError('not your conversation');
      conversation = await conversations.get(body.conversationId);
    }
    const c = await cases.create({
      type: body.type,
      summary: body.summary,
      fields: body.fields,
      conversationId: conversation?._id,
      customerId: conversation?.customerId,
      channel: conversation?.channel,
      language: conversation?.language,
      source: 'operator',
      by: { operatorId: s.operatorId, name: s.name },
    });
    res.status(201).json(caseJson(c));
  });

  r.patch('/cases/:id', guard, async (req, res) => {
    const body = patchSchema.parse(req.body);
    const s = session(req);
    const c = await cases.get(String(req.params.id));
    await assertVisible(s, c);
    res.json(caseJson(await cases.changeStatus(String(c._id), body, { operatorId: s.operatorId, name: s.name })));
  });

  r.get('/conversations/:id/cases', guard, async (req, res) => {
    if (!(await handoff.canSeeConversation(session(req), String(req.params.id)))) throw new ForbiddenError('not your conversation');
    res.json((await cases.forConversation(String(req.params.id))).map(caseJson));
  });

  r.get('/reports/satisfaction', requireRole('supervisor'), async (req, res) => {
    res.json(await cases.satisfactionReport(reportSchema.parse(req.query)));
  });

  return r;
}
