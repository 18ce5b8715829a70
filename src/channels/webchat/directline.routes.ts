// Bot Framework Direct Line 3.0, enough for Microsoft's Web Chat and the
// botframework-directlinejs client: tokens, conversations, activities with
// watermarks (polling) and the stream URL (WebSocket, see stream.ts).
import { Router, Request } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { BotRuntime } from '../../bot/runtime';
import type { ConversationDoc, ConversationsService } from '../../conversations/conversations.service';
import { ForbiddenError, NotFoundError, ValidationError } from '../../infra/errors';
import { bearer, DirectLineCaller, DirectLineGrant, DirectLineTokens } from './tokens';
import { postedActivitySchema, toActivity as parseActivity } from './parse';
import { BOT_ID, toActivity } from './render';
import { AttachmentStore, attachmentLinker, attachmentPath, readUpload, sendAttachment, UploadLimits } from './upload';

export interface DirectLineDeps {
  conversations: ConversationsService;
  bot: BotRuntime;
  tokens: DirectLineTokens;
  botName: string;
  /** Where uploaded files are kept (and read back from). */
  attachments: AttachmentStore;
  uploadLimits: UploadLimits;
  /** The public URL browsers use: attachment links handed to clients are absolute on it. */
  publicBaseUrl: string;
  /** Whether a bearer token is an operator session that may see the conversation (operators read uploads too). */
  operatorMaySee?: (token: string, conversationId: string) => Promise<boolean>;
  /** The name a customer may show as ('' when it is the company's, the bot's or an operator's). */
  displayName?: (name: string) => Promise<string>;
}

const userSchema = z.object({ user: z.object({ id: z.string().min(1).max(200).regex(/^[\w.:@-]+$/), name: z.string().max(200).optional() }).optional() }).optional();

export function streamUrl(req: Request, conversationId: string, token: string, watermark?: number): string {
  const proto = req.protocol === 'https' ? 'wss' : 'ws';
  const w = watermark !== undefined ? `&watermark=${watermark}` : '';
  return `${proto}://${req.get('host')}/v3/directline/conversations/${conversationId}/stream?t=${encodeURIComponent(token)}${w}`;
}

export function parseWatermark(raw: unknown): number {
  const n = typeof raw === 'string' ? Number.parseInt(raw, 10) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export function directLineRoutes(deps: DirectLineDeps): Router {
  const { conversations, bot, tokens, botName, attachments, uploadLimits, publicBaseUrl, operatorMaySee, displayName } = deps;
  // The display-name rule at the edge: a customer cannot speak as the company, the bot or an operator.
  const named = async (activity: ReturnType<typeof parseActivity>) => {
    if (activity.from?.name && displayName) activity.from = { ...activity.from, name: await displayName(activity.from.name) };
    return activity;
  };
  const r = Router();

  const caller = (req: Request): DirectLineCaller => {
    const b = bearer(req.headers.authorization);
    return tokens.isSecret(b) ? { kind: 'secret' } : { kind: 'token', ...tokens.verify(b) };
  };

  /** The conversation the caller may use: a token only opens its own. */
  const conversationFor = async (req: Request): Promise<{ conversation: ConversationDoc; userId: string }> => {
    const c = caller(req);
    const id = String(req.params.id);
    if (c.kind === 'token' && c.conversationId !== id) throw new ForbiddenError('token is for another conversation');
    const conversation = await conversations.find(id);
    if (!conversation || conversation.channel !== 'webchat') throw new NotFoundError('conversation not found');
    return { conversation, userId: c.kind === 'token' ? c.userId : conversation.address };
  };

  const startConversation = async (userId: string, name = ''): Promise<ConversationDoc> => {
    const customer = await conversations.findOrCreateCustomer({ kind: 'web', value: userId }, name);
    return conversations.open({ customerId: customer._id, channel: 'webchat', address: userId, language: customer.language });
  };

  const greet = async (conversation: ConversationDoc, userId: string, locale?: string) => {
    await bot.handle({
      type: 'conversationUpdate',
      channelId: 'webchat',
      locale,
      conversation: { id: String(conversation._id), isGroup: false, conversationType: 'personal', name: '' },
      from: { id: userId, name: '', role: 'user' },
      recipient: { id: BOT_ID, name: botName, role: 'bot' },
      membersAdded: [{ id: userId, name: '' }],
    });
  };

  r.post('/tokens/generate', async (req, res) => {
    if (caller(req).kind !== 'secret') throw new ForbiddenError('tokens are generated with the site secret');
    const body = userSchema.parse(req.body && Object.keys(req.body).length ? req.body : undefined);
    const userId = body?.user?.id ?? `dl_${randomBytes(8).toString('hex')}`;
    const name = body?.user?.name && displayName ? await displayName(body.user.name) : body?.user?.name;
    const conversation = await startConversation(userId, name);
    const conversationId = String(conversation._id);
    res.json({ conversationId, token: tokens.issue({ conversationId, userId }), expires_in: tokens.ttlSeconds });
  });

  r.post('/tokens/refresh', async (req, res) => {
    const c = caller(req);
    if (c.kind !== 'token') throw new ForbiddenError('refresh takes a conversation token');
    res.json({ conversationId: c.conversationId, token: tokens.issue(c), expires_in: tokens.ttlSeconds });
  });

  r.post('/conversations', async (req, res) => {
    const c = caller(req);
    let conversation: ConversationDoc;
    let userId: string;
    if (c.kind === 'token') {
      const found = await conversations.find(c.conversationId);
      if (!found) throw new NotFoundError('conversation not found');
      conversation = found;
      userId = c.userId;
    } else {
      userId = `dl_${randomBytes(8).toString('hex')}`;
      conversation = await startConversation(userId);
    }
    const conversationId = String(conversation._id);
    const token = tokens.issue({ conversationId, userId });
    await greet(conversation, userId, typeof req.headers['accept-language'] === 'string' ? req.headers['accept-language'].slice(0, 2) : undefined);
    res.status(201).json({ conversationId, token, expires_in: tokens.ttlSeconds, streamUrl: streamUrl(req, conversationId, token) });
  });

  r.get('/conversations/:id', async (req, res) => {
    const { conversation, userId } = await conversationFor(req);
    const conversationId = String(conversation._id);
    const token = tokens.issue({ conversationId, userId });
    const w = req.query.watermark !== undefined ? parseWatermark(req.query.watermark) : undefined;
    res.json({ conversationId, token, expires_in: tokens.ttlSeconds, streamUrl: streamUrl(req, conversationId, token, w) });
  });

  r.post('/conversations/:id/activities', async (req, res) => {
    const { conversation } = await conversationFor(req);
    const posted = postedActivitySchema.parse(req.body);
    if (posted.type !== 'message') {
      // Typing indicators and client events are acknowledged, not stored.
      res.json({ id: `${conversation._id}:${posted.type}:${Date.now()}` });
      return;
    }
    const outcome = await bot.handle(await named(parseActivity(posted, String(conversation._id))), conversation);
    res.json({ id: String(outcome.inbound?._id ?? '') });
  });

  r.get('/conversations/:id/activities', async (req, res) => {
    const { conversation } = await conversationFor(req);
    const { messages, watermark } = await conversations.listSince(conversation._id, parseWatermark(req.query.watermark));
    const conversationId = String(conversation._id);
    const link = attachmentLinker(tokens, publicBaseUrl, conversationId);
    res.json({ activities: messages.map((m) => toActivity(m, conversationId, botName, link)), watermark: String(watermark) });
  });

  // Web Chat's attachments: the message activity plus its files, multipart (see upload.ts).
  r.post('/conversations/:id/upload', async (req, res) => {
    const { conversation } = await conversationFor(req);
    const upload = await readUpload(req, uploadLimits);
    const posted = postedActivitySchema.parse(upload.activity);
    if (posted.type !== 'message') throw new ValidationError('an upload carries a message activity');
    const conversationId = String(conversation._id);
    const refs = await attachments.saveAttachments(conversation._id, upload.files);
    const activity = await named(parseActivity(posted, conversationId));
    activity.attachments = refs.map((ref) => ({ contentType: ref.contentType, contentUrl: attachmentPath(conversationId, ref.id), name: ref.filename }));
    const outcome = await bot.handle(activity, conversation);
    // A retried upload (same client activity id) keeps the first copy of its files.
    if (outcome.duplicate) await attachments.deleteAttachments(refs);
    res.json({ id: String(outcome.inbound?._id ?? '') });
  });

  /** The conversation's token holder (header or the link's `?t=` grant), the site, or an operator who may see the conversation. */
  const mayReadAttachment = async (req: Request, conversationId: string, attachmentId: string): Promise<void> => {
    if (typeof req.query.t === 'string') {
      const grant = tokens.verifyAttachment(req.query.t);
      if (grant.conversationId !== conversationId || grant.attachmentId !== attachmentId) throw new ForbiddenError('the link is for another file');
      return;
    }
    const b = bearer(req.headers.authorization);
    if (tokens.isSecret(b)) return;
    let grant: DirectLineGrant | null;
    try {
      grant = tokens.verify(b);
    } catch {
      grant = null; // not a conversation token: perhaps an operator's session
    }
    if (grant) {
      if (grant.conversationId !== conversationId) throw new ForbiddenError('token is for another conversation');
      return;
    }
    if (operatorMaySee && (await operatorMaySee(b, conversationId))) return;
    throw new ForbiddenError('not allowed to read this attachment');
  };

  r.get('/conversations/:id/attachments/:attachmentId', async (req, res) => {
    const conversationId = String(req.params.id);
    const attachmentId = String(req.params.attachmentId);
    await mayReadAttachment(req, conversationId, attachmentId);
    const found = await attachments.attachment(attachmentId);
    if (!found || found.meta.conversationId !== conversationId) throw new NotFoundError('attachment not found');
    sendAttachment(res, found);
  });

  return r;
}
