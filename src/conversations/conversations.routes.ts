// Conversation history for operators, and operator replies on the
// customer's own channel (through the outbound queue).
import { Router } from 'express';
import { z } from 'zod';
import type { ConversationsService, MessageDoc } from './conversations.service';
import type { HandoffService } from '../handoff/handoff.service';
import { toJson as escalationJson } from '../handoff/handoff.routes';
import type { OutboundService } from '../outbound/outbound.service';
import { requireRole, session } from '../operators/auth';
import { ConflictError, ForbiddenError } from '../infra/errors';

const replySchema = z.object({ text: z.string().trim().min(1, 'text is empty').max(4000) });

export function messageJson(m: MessageDoc) {
  return {
    id: String(m._id),
    conversationId: String(m.conversationId),
    direction: m.direction,
    author: m.author,
    authorName: m.authorName,
    text: m.text,
    choices: m.choices,
    attachments: m.attachments,
    status: m.status,
    error: m.error || undefined,
    createdAt: m.createdAt,
  };
}

export function conversationsRoutes(deps: { conversations: ConversationsService; handoff: HandoffService; outbound: OutboundService }): Router {
  const { conversations, handoff, outbound } = deps;
  const r = Router();
  const guard = requireRole('operator', 'supervisor');

  r.get('/conversations/:id', guard, async (req, res) => {
    if (!(await handoff.canSeeConversation(session(req), String(req.params.id)))) throw new ForbiddenError('not your conversation');
    const c = await conversations.get(String(req.params.id));
    const [customer, messages, escalation] = await Promise.all([conversations.getCustomer(c.customerId), conversations.history(c._id), handoff.openFor(c._id)]);
    res.json({
      id: String(c._id),
      channel: c.channel,
      address: c.address,
      mode: c.mode,
      language: c.language,
      subject: c.subject,
      createdAt: c.createdAt,
      customer: customer ? { id: String(customer._id), name: customer.name, identities: customer.identities, language: customer.language } : null,
      escalation: escalation ? escalationJson(escalation) : null,
      messages: messages.map(messageJson),
    });
  });

  // The customer's whole history across channels (SMS and WhatsApp are one customer), for whoever may see this conversation.
  r.get('/conversations/:id/customer-history', guard, async (req, res) => {
    if (!(await handoff.canSeeConversation(session(req), String(req.params.id)))) throw new ForbiddenError('not your conversation');
    const c = await conversations.get(String(req.params.id));
    const { conversations: all, messages } = await conversations.customerHistory(c.customerId);
    const channelOf = new Map(all.map((x) => [String(x._id), x.channel]));
    res.json({
      customerId: String(c.customerId),
      conversations: all.map((x) => ({ id: String(x._id), channel: x.channel, address: x.address, mode: x.mode, createdAt: x.createdAt })),
      messages: messages.map((m) => ({ ...messageJson(m), channel: channelOf.get(String(m.conversationId)) })),
    });
  });

  r.post('/conversations/:id/messages', guard, async (req, res) => {
    const { text } = replySchema.parse(req.body);
    const s = session(req);
    const c = await conversations.get(String(req.params.id));
    const e = await handoff.openFor(c._id);
    if (!e) throw new ConflictError('the conversation is with the bot: claim an escalation first');
    await handoff.assertHandling(s, e);
    const m = await outbound.send(c, { author: 'operator', authorName: s.name, operatorId: s.operatorId, text });
    res.status(201).json(messageJson(m));
  });

  return r;
}
