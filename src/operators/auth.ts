// Bearer-token authentication and role checks for every /api route.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../infra/errors';
import type { OperatorsService, Role, Session, SignedSession } from './operators.service';

declare module 'express-serve-static-core' {
  interface Request {
    session?: SignedSession;
  }
}

/** A bearer token whose session still stands (signed, unexpired, not logged out, not superseded); else 401. */
export function authenticate(operators: OperatorsService): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (req.session) return next();
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m) return next(new UnauthorizedError());
    try {
      req.session = await operators.authenticate(m[1]);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function hasRole(session: Session | undefined, roles: Role[]): boolean {
  return !!session && (session.roles.includes('admin') || roles.some((r) => session.roles.includes(r)));
}

/** Admin passes every check; otherwise one of `roles` is needed. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.session) return next(new UnauthorizedError());
    if (!hasRole(req.session, roles)) return next(new ForbiddenError(`needs role ${roles.join(' or ')}`));
    next();
  };
}

export function session(req: Request): SignedSession {
  if (!req.session) throw new UnauthorizedError();
  return req.session;
}
