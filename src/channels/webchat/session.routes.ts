// POST /webchat/session, for our own demo page: the server does what a site does
// with its Direct Line secret (POST /tokens/generate), so the secret never
// reaches a browser. Rate-limited per IP so a page cannot mint unlimited conversations.
import { Router, Request } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ConversationsService } from '../../conversations/conversations.service';
import type { Redis } from '../../infra/redis';
import { TooManyRequestsError } from '../../infra/errors';
import type { DirectLineTokens } from './tokens';

export interface SessionDeps {
  conversations: ConversationsService;
  tokens: DirectLineTokens;
  redis: Redis;
  /** Redis key prefix (the deployment's queue prefix), so test gateways do not share counters. */
  prefix: string;
  perMinute: number;
  /** Languages the bot speaks; a locale outside them falls back to English. */
  languages: string[];
}

const bodySchema = z.object({ locale: z.string().max(35).regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/).optional() });

const WINDOW_SECONDS = 60;

/** Counts a request from `ip` in the current minute; returns the seconds to wait when over the limit. */
async function overLimit(redis: Redis, key: string, limit: number): Promise<number> {
  // SET NX EX starts the window with its expiry in one step; INCR keeps the TTL.
  const res = await redis.multi().set(key, '0', 'EX', WINDOW_SECONDS, 'NX').incr(key).ttl(key).exec();
  const count = Number(res?.[1]?.[1] ?? 0);
  const ttl = Number(res?.[2]?.[1] ?? WINDOW_SECONDS);
  return count > limit ? Math.max(1, ttl) : 0;
}

export function sessionRoutes(deps: SessionDeps): Router {
  const { conversations, tokens, redis, prefix, perMinute, languages } = deps;
  const r = Router();

  const languageOf = (locale: string | undefined): string => {
    const lang = (locale ?? '').slice(0, 2).toLowerCase();
    return languages.includes(lang) ? lang : 'en';
  };

  r.post('/session', async (req: Request, res) => {
    const body = bodySchema.parse(req.body && Object.keys(req.body).length ? req.body : {});
    const wait = await overLimit(redis, `${prefix}:webchat:sessions:${req.ip ?? 'unknown'}`, perMinute);
    if (wait) {
      res.set('Retry-After', String(wait));
      throw new TooManyRequestsError('too many chat sessions from this address; try again in a minute');
    }
    const userId = `web_${randomBytes(8).toString('hex')}`;
    const language = languageOf(body.locale);
    const customer = await conversations.findOrCreateCustomer({ kind: 'web', value: userId }, '', language);
    const conversation = await conversations.open({ customerId: customer._id, channel: 'webchat', address: userId, language });
    const conversationId = String(conversation._id);
    res.set('Cache-Control', 'no-store');
    res.json({ conversationId, token: tokens.issue({ conversationId, userId }), expires_in: tokens.ttlSeconds, userId });
  });

  return r;
}
