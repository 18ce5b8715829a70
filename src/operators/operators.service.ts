// Operators: accounts, password checks and session tokens. Passwords are
// bcrypt-hashed; sessions are short-lived signed bearer tokens (HS256).
import bcrypt from 'bcryptjs';
import jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject, randomUUID } from 'node:crypto';
import { Types, isValidObjectId } from 'mongoose';
import type { OperatorDoc, Role } from '../store/models/operator.model';
import type { Store } from '../store';
import type { Bus } from '../infra/bus';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../infra/errors';
import { assertPasswordAcceptable } from './password-policy';
import { revokedEntry, revokedUntil, SessionChecker, SessionClaims } from './sessions';

export type { OperatorDoc, Role };

export interface NewOperator {
  name: string;
  email: string;
  password: string;
  roles: Role[];
  skills?: string[];
  phone?: string;
}

export interface Session {
  operatorId: string;
  name: string;
  roles: Role[];
}

/** A verified token: who, and which session (see sessions.ts). */
export type SignedSession = Session & SessionClaims;

/** What an admin may change on an operator (PATCH /api/operators/:id). */
export interface OperatorPatch {
  active?: boolean;
  roles?: Role[];
  skills?: string[];
  name?: string;
}

export interface OperatorsOptions {
  /** Session changes are announced here, so every web instance drops its cached check at once. */
  bus?: Bus;
  /** How long a process trusts its last read of an operator's sessions (at most 5 s). */
  sessionCacheMs?: number;
}

/** Revoked session ids kept per operator; past this a logout ends all of the operator's sessions instead. */
const MAX_REVOKED = 200;

export interface PublicOperator {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  skills: string[];
  presence: string;
  active: boolean;
}

const BCRYPT_ROUNDS = 10;
// Compared against when the email is unknown, so both paths cost the same.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_ROUNDS);

export function toPublic(o: OperatorDoc): PublicOperator {
  return { id: String(o._id), name: o.name, email: o.email, roles: o.roles as Role[], skills: o.skills, presence: o.presence, active: o.active };
}

export class OperatorsService {
  private readonly operators;
  /** The signing key, made once: jsonwebtoken would otherwise make a key object from the string on every call. */
  private readonly secret: KeyObject;
  private readonly sessions: SessionChecker;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    secret: string,
    private readonly ttlSeconds: number,
    opts: OperatorsOptions = {},
  ) {
    this.operators = store.operators;
    this.secret = createSecretKey(Buffer.from(secret));
    this.sessions = new SessionChecker(
      (id) => (isValidObjectId(id) ? this.operators.findOne({ _id: id }, { active: 1, sessionVersion: 1, revokedSessions: 1 }).lean<OperatorDoc>() : Promise.resolve(null)),
      opts.bus,
      opts.sessionCacheMs,
    );
  }

  /** Creates an operator; the password must pass the policy (password-policy.ts). */
  async create(input: NewOperator): Promise<OperatorDoc> {
    assertPasswordAcceptable(input.password, input.email);
    return this.insert(input);
  }

  /** Called in this process after an operator is added or changed (e.g. to re-read operator names). */
  onChange(fn: () => void): void {
    this.changeListeners.push(fn);
  }

  private async insert(input: NewOperator): Promise<OperatorDoc> {
    const passwordHash = await bcrypt.hash(input.password, BCRYPT_ROUNDS);
    try {
      const doc = await this.operators.create({ ...input, email: input.email.toLowerCase(), passwordHash });
      for (const fn of this.changeListeners) fn();
      return doc.toObject() as OperatorDoc;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ConflictError('an operator with that email exists');
      throw err;
    }
  }

  /** Creates the operator unless one with that email exists; true when created. `skipPolicy`: demo accounts (generated passwords) and the development admin. */
  async ensure(input: NewOperator, opts: { skipPolicy?: boolean } = {}): Promise<boolean> {
    if (await this.operators.exists({ email: input.email.toLowerCase() })) return false;
    try {
      await (opts.skipPolicy ? this.insert(input) : this.create(input));
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false; // another instance created it first
      throw err;
    }
  }

  async get(id: string): Promise<OperatorDoc | null> {
    return isValidObjectId(id) ? this.operators.findOne({ _id: id }).lean<OperatorDoc>() : null;
  }

  async list(): Promise<OperatorDoc[]> {
    return this.operators.find({}).sort({ name: 1 }).lean<OperatorDoc[]>();
  }

  /** The phone an operator takes calls on (voice handoffs, call backs); '' removes it. */
  async setPhone(id: string, phone: string): Promise<void> {
    if (!isValidObjectId(id)) return;
    await this.store.exclusive.change<OperatorDoc>(this.operators, 'operator', new Types.ObjectId(id), () => ({ $set: { phone } }));
  }

  /** Presence as the console shows it; `away` when the gateway could not reach the operator (an unanswered phone). */
  async setPresence(id: string, presence: 'offline' | 'available' | 'busy' | 'away'): Promise<void> {
    if (!isValidObjectId(id)) return;
    await this.store.exclusive.change<OperatorDoc>(this.operators, 'operator', new Types.ObjectId(id), (o) => (o.presence === presence ? null : { $set: { presence } }));
  }

  async login(email: string, password: string): Promise<{ token: string; operator: OperatorDoc }> {
    const op = await this.operators.findOne({ email: email.toLowerCase(), active: true }).lean<OperatorDoc>();
    const ok = await bcrypt.compare(password, op?.passwordHash ?? DUMMY_HASH);
    if (!op || !ok) throw new UnauthorizedError('wrong email or password');
    return { token: this.issue(op), operator: op };
  }

  issue(op: OperatorDoc): string {
    return jwt.sign({ name: op.name, roles: op.roles, kind: 'op', sid: randomUUID(), sv: op.sessionVersion ?? 0 }, this.secret, {
      subject: String(op._id),
      expiresIn: this.ttlSeconds,
      algorithm: 'HS256',
    });
  }

  /** The token's signature and expiry only; `authenticate` also asks whether the session still stands. */
  verify(token: string): SignedSession {
    try {
      const p = jwt.verify(token, this.secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (p.kind !== 'op' || typeof p.sub !== 'string' || typeof p.sid !== 'string' || typeof p.sv !== 'number' || typeof p.exp !== 'number') throw new Error('not a session token');
      return { operatorId: p.sub, name: String(p.name), roles: p.roles as Role[], sid: p.sid, sv: p.sv, exp: p.exp };
    } catch {
      throw new UnauthorizedError('invalid or expired session');
    }
  }

  /** A token whose session still stands: signed, unexpired, not logged out, operator active, no newer session version. */
  async authenticate(token: string, opts: { fresh?: boolean } = {}): Promise<SignedSession> {
    const s = this.verify(token);
    await this.sessions.check(s, opts.fresh);
    return s;
  }

  /** Whether a session verified earlier still stands (open console sockets ask again). */
  async stillValid(s: SignedSession, opts: { fresh?: boolean } = {}): Promise<boolean> {
    try {
      await this.sessions.check(s, opts.fresh);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends one session: its id is kept on the operator until the token would have expired anyway. */
  async logout(s: SignedSession): Promise<void> {
    if (!isValidObjectId(s.operatorId)) return;
    const now = Math.floor(Date.now() / 1000);
    await this.store.exclusive.change<OperatorDoc>(this.operators, 'operator', new Types.ObjectId(s.operatorId), (o) => {
      const kept = (o.revokedSessions ?? []).filter((e) => revokedUntil(e) > now);
      // Too many at once (a script logging in and out): end them all rather than keep a growing list.
      if (kept.length >= MAX_REVOKED) return { $set: { revokedSessions: [] }, $inc: { sessionVersion: 1 } };
      return { $set: { revokedSessions: [...kept, revokedEntry(s.sid, s.exp)] } };
    });
    await this.sessions.changed(s.operatorId);
  }

  /**
   * An admin's change to an operator. Disabling or any change of roles ends the
   * operator's open sessions (their next request gets 401); an admin cannot
   * disable or demote themselves, so there is always one left to undo it.
   */
  async update(id: string, patch: OperatorPatch, actor: Session): Promise<OperatorDoc> {
    if (!isValidObjectId(id)) throw new NotFoundError('operator not found');
    if (id === actor.operatorId && (patch.active === false || (patch.roles && !patch.roles.includes('admin')))) {
      throw new ConflictError('an admin cannot disable or demote themselves');
    }
    const changed = await this.store.exclusive.change<OperatorDoc>(this.operators, 'operator', new Types.ObjectId(id), (o) => {
      const $set: Record<string, unknown> = {};
      if (patch.name !== undefined && patch.name !== o.name) $set.name = patch.name;
      if (patch.skills !== undefined) $set.skills = patch.skills;
      const rolesChanged = patch.roles !== undefined && [...patch.roles].sort().join() !== [...(o.roles as string[])].sort().join();
      if (rolesChanged) $set.roles = patch.roles;
      const disabled = patch.active === false && o.active;
      if (patch.active !== undefined && patch.active !== o.active) $set.active = patch.active;
      if (!Object.keys($set).length) return null;
      return rolesChanged || disabled ? { $set, $inc: { sessionVersion: 1 } } : { $set };
    });
    if (changed) {
      // Any change: cached checks also hold `active`, which enabling again must clear.
      await this.sessions.changed(id);
      for (const fn of this.changeListeners) fn();
      return changed.after;
    }
    const op = await this.get(id);
    if (!op) throw new NotFoundError('operator not found');
    return op;
  }

  /**
   * Sets a new password and ends every older session. An operator changing
   * their own gives the current one; an admin may set anyone else's without it.
   */
  async setPassword(id: string, password: string, actor: Session, currentPassword?: string): Promise<void> {
    const self = id === actor.operatorId;
    if (!self && !actor.roles.includes('admin')) throw new ForbiddenError('only an admin may set another operator’s password');
    const op = await this.get(id);
    if (!op) throw new NotFoundError('operator not found');
    if (self && !(await bcrypt.compare(currentPassword ?? '', op.passwordHash))) throw new ForbiddenError('the current password is wrong');
    assertPasswordAcceptable(password, op.email);
    const passwordHash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    await this.store.exclusive.change<OperatorDoc>(this.operators, 'operator', op._id, () => ({ $set: { passwordHash, revokedSessions: [] }, $inc: { sessionVersion: 1 } }));
    await this.sessions.changed(id);
  }
}
