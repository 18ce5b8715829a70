// Operator API of the email channel (behind bearer authentication): stored
// attachments (only to operators who may see the conversation), the full
// original mails of a conversation (headers, full text, sanitised HTML),
// and the sandbox outbox.
import { Router } from 'express';
import type { HandoffService } from '../../handoff/handoff.service';
import { requireRole, session } from '../../operators/auth';
import { ForbiddenError, NotFoundError } from '../../infra/errors';
import type { EmailStore, MailBodyDoc, MailMessageDoc } from '../../store/email.repo';

/** Types a browser may render inline from our origin; anything else downloads as a file. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']);

function mailJson(m: MailBodyDoc, index: MailMessageDoc | null, full: boolean) {
  return {
    messageId: m._id,
    direction: m.direction,
    conversationId: m.conversationId ? String(m.conversationId) : null,
    from: m.from,
    to: m.to,
    cc: m.cc,
    subject: m.subject,
    date: m.date,
    text: m.visibleText,
    spamScore: m.spamScore,
    noise: index?.noise || undefined,
    action: index?.action || undefined,
    status: index?.status || undefined,
    transport: m.transport || undefined,
    attachments: m.attachments.map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size, stored: a.stored, url: a.stored ? `/api/attachments/${a.id}` : null })),
    createdAt: m.createdAt,
    ...(full ? { fullText: m.text, html: m.html, headers: m.headers, inReplyTo: m.inReplyTo, references: m.references } : {}),
  };
}

export function emailApiRoutes(deps: { store: EmailStore; handoff: HandoffService }): Router {
  const { store, handoff } = deps;
  const r = Router();
  const guard = requireRole('operator', 'supervisor');

  r.get('/attachments/:id', guard, async (req, res) => {
    const found = await store.attachment(String(req.params.id));
    if (!found) throw new NotFoundError('attachment not found');
    if (!found.meta.conversationId || !(await handoff.canSeeConversation(session(req), found.meta.conversationId))) {
      throw new ForbiddenError('not your conversation');
    }
    const { meta } = found;
    const inline = req.query.inline === '1' && INLINE_TYPES.has(meta.contentType.toLowerCase());
    res.setHeader('Content-Type', inline ? meta.contentType : 'application/octet-stream');
    res.setHeader('Content-Length', String(found.data.length));
    res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(meta.filename)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Attachment-Type', meta.contentType);
    res.end(found.data);
  });

  r.get('/email/conversations/:id', guard, async (req, res) => {
    const id = String(req.params.id);
    if (!(await handoff.canSeeConversation(session(req), id))) throw new ForbiddenError('not your conversation');
    const [thread, mails] = await Promise.all([store.threadOf(id), store.mailsOf(id)]);
    if (!thread) throw new NotFoundError('no email thread for this conversation');
    res.json({ ticket: thread.ticket, subject: thread.subject, address: thread.address, mails: mails.map(({ body, index }) => mailJson(body, index, true)) });
  });

  r.get('/email/outbox', requireRole('supervisor'), async (_req, res) => {
    res.json((await store.outbox()).map((m) => mailJson(m, null, true)));
  });

  return r;
}
