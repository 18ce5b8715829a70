// Twilio Messaging webhooks: inbound SMS/WhatsApp (answered with TwiML) and
// delivery status callbacks. Both are form-encoded and signed; the form
// parser and the signature check apply to these routes only. The outbox
// (sandbox mode) is read through the operator API.
import express, { Router } from 'express';
import { z } from 'zod';
import type { ConversationsService, MessageStatus } from '../../conversations/conversations.service';
import type { Logger } from '../../infra/logger';
import { requireRole, session } from '../../operators/auth';
import type { Session } from '../../operators/operators.service';
import { verifyTwilioSignature } from '../twilio/signature';
import type { MessagingInbound } from './inbound';
import type { MessagingOutbox } from '../../store/models/outbox.model';
import { inboundSchema } from './parse';

export interface MessagingRoutesDeps {
  inbound: MessagingInbound;
  /** The ProfileName a customer may show as ('' when it is the company's, the bot's or an operator's). */
  displayName?: (name: string) => Promise<string>;
  conversations: ConversationsService;
  logger: Logger;
  authToken?: string;
  publicBaseUrl: string;
  bodyLimit: string;
}

const statusSchema = z
  .object({
    MessageSid: z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, 'MessageSid is not a Twilio message SID'),
    MessageStatus: z.string().max(40),
    ErrorCode: z.string().max(20).optional(),
    ErrorMessage: z.string().max(500).optional(),
    From: z.string().max(120).optional(),
    To: z.string().max(120).optional(),
  })
  .loose();

/** Twilio's message statuses → ours; the ones before "sent" tell us nothing new. */
const STATUS_MAP: Record<string, Exclude<MessageStatus, 'received' | 'queued'>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

export function messagingRoutes(deps: MessagingRoutesDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: deps.bodyLimit });
  const signed = verifyTwilioSignature({ authToken: deps.authToken, publicBaseUrl: deps.publicBaseUrl, logger: deps.logger });

  r.post('/', form, signed, async (req, res) => {
    const body = inboundSchema.parse(req.body ?? {});
    if (body.ProfileName && deps.displayName) body.ProfileName = await deps.displayName(body.ProfileName);
    const xml = await deps.inbound.handle(body);
    res.type('text/xml').send(xml);
  });

  r.post('/status', form, signed, async (req, res) => {
    const cb = statusSchema.parse(req.body ?? {});
    const status = STATUS_MAP[cb.MessageStatus.toLowerCase()];
    if (status) {
      const mid = typeof req.query.mid === 'string' ? req.query.mid : undefined;
      const channel = /^whatsapp:/i.test(cb.To ?? cb.From ?? '') ? 'whatsapp' : 'sms';
      const error = status === 'failed' ? `twilio ${cb.MessageStatus}${cb.ErrorCode ? ` ${cb.ErrorCode}` : ''}${cb.ErrorMessage ? `: ${cb.ErrorMessage}` : ''}` : undefined;
      const updated = await deps.conversations.updateDeliveryStatus(
        mid ? { messageId: mid } : { channel, channelMessageId: cb.MessageSid },
        status,
        { error, channelMessageId: cb.MessageSid },
      );
      deps.logger.debug({ messageSid: cb.MessageSid, status: cb.MessageStatus, applied: !!updated }, 'twilio status callback');
    }
    res.status(204).end();
  });

  return r;
}

/**
 * GET /api/messaging/outbox: what sandbox mode "sent", newest first — of the
 * conversations the caller may see (an operator: queued ones and those they
 * took part in; a supervisor: all).
 */
export function messagingApiRoutes(deps: { outbox: MessagingOutbox; canSee: (who: Session, conversationId: string) => Promise<boolean> }): Router {
  const r = Router();
  r.get('/messaging/outbox', requireRole('operator', 'supervisor'), async (req, res) => {
    const who = session(req);
    const limit = Number.parseInt(String(req.query.limit ?? '100'), 10);
    const all = await deps.outbox.list({ conversationId: typeof req.query.conversationId === 'string' ? req.query.conversationId : undefined, limit: Number.isFinite(limit) && limit > 0 ? limit : 100 });
    const seen = new Map<string, boolean>();
    const rows = [];
    for (const o of all) {
      const id = String(o.conversationId);
      if (!seen.has(id)) seen.set(id, await deps.canSee(who, id));
      if (seen.get(id)) rows.push(o);
    }
    res.json(rows.map((o) => ({ id: String(o._id), messageId: String(o.messageId), conversationId: String(o.conversationId), channel: o.channel, to: o.to, from: o.from, body: o.body, createdAt: o.createdAt })));
  });
  return r;
}
