// Who may read GET /metrics (queue depths, traffic): with METRICS_TOKEN set,
// only a request bearing it; without one, anyone in development and test, and
// nobody in production (404, as if there were no such route).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { NotFoundError, UnauthorizedError } from './errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsGuard(config: Pick<Config, 'METRICS_TOKEN' | 'isProduction'>): RequestHandler {
  const expected = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : null;
  return (req, res, next) => {
    if (!expected) return next(config.isProduction ? new NotFoundError('no route for GET /metrics') : undefined);
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    // Compared as digests: equal lengths, and no timing hint about the token.
    if (m && timingSafeEqual(digest(m[1]), expected)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="metrics"');
    next(new UnauthorizedError('metrics need the METRICS_TOKEN bearer token'));
  };
}
