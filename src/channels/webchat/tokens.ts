// Direct Line tokens: signed (HS256 with the site secret), short-lived and
// bound to one conversation. The `user` claim lets Web Chat know its user id.
import jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../../infra/errors';

export interface DirectLineGrant {
  conversationId: string;
  userId: string;
}

export interface AttachmentGrant {
  conversationId: string;
  attachmentId: string;
}

export class DirectLineTokens {
  /** The signing key, made once: jsonwebtoken would otherwise make a key object from the string on every call. */
  private readonly key: KeyObject;

  constructor(
    private readonly secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret));
  }

  issue(grant: DirectLineGrant): string {
    return jwt.sign({ conv: grant.conversationId, user: grant.userId, kind: 'dl' }, this.key, {
      expiresIn: this.ttlSeconds,
      algorithm: 'HS256',
    });
  }

  verify(token: string): DirectLineGrant {
    try {
      const p = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (p.kind !== 'dl' || typeof p.conv !== 'string' || typeof p.user !== 'string') throw new Error('not a Direct Line token');
      return { conversationId: p.conv, userId: p.user };
    } catch {
      throw new ForbiddenError('invalid or expired token');
    }
  }

  /** A read grant for one uploaded file of one conversation, for URLs (`?t=`) where no header can be sent. */
  issueAttachment(grant: AttachmentGrant): string {
    return jwt.sign({ conv: grant.conversationId, att: grant.attachmentId, kind: 'dla' }, this.key, { expiresIn: this.ttlSeconds, algorithm: 'HS256' });
  }

  verifyAttachment(token: string): AttachmentGrant {
    try {
      const p = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (p.kind !== 'dla' || typeof p.conv !== 'string' || typeof p.att !== 'string') throw new Error('not an attachment grant');
      return { conversationId: p.conv, attachmentId: p.att };
    } catch {
      throw new ForbiddenError('invalid or expired link');
    }
  }

  isSecret(candidate: string): boolean {
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Who is calling: the site (secret) or a client holding a token for one conversation. */
export type DirectLineCaller = { kind: 'secret' } | ({ kind: 'token' } & DirectLineGrant);

export function bearer(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) throw new UnauthorizedError('missing bearer token');
  return m[1].trim();
}
