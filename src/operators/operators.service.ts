// Operators: accounts, password checks and session tokens. Passwords are
// bcrypt-hashed; sessions are short-lived signed bearer tokens (HS256).
import bcrypt from 'bcryptjs';
import jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject } from 'node:crypto';
import { Types, isValidObjectId } from 'mongoose';
import type { OperatorDoc, Role } from '../store/models/operator.model';
import type { Store } from '../store';
import { ConflictError, UnauthorizedError } from '../infra/errors';

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

export interface PublicOperator {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  skills: string[];
  presence: string;
}

const BCRYPT_ROUNDS = 10;
// Compared against when the email is unknown, so both paths cost the same.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_ROUNDS);

export function toPublic(o: OperatorDoc): PublicOperator {
  return { id: String(o._id), name: o.name, email: o.email, roles: o.roles as Role[], skills: o.skills, presence: o.presence };
}

export class OperatorsService {
  private readonly operators;
  /** The signing key, made once: jsonwebtoken would otherwise make a key object from the string on every call. */
  private readonly secret: KeyObject;

  constructor(
    private readonly store: Store,
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.operators = store.operators;
    this.secret = createSecretKey(Buffer.from(secret));
  }

  async create(input: NewOperator): Promise<OperatorDoc> {
    const passwordHash = await bcrypt.hash(input.password, BCRYPT_ROUNDS);
    try {
      const doc = await this.operators.create({ ...input, email: input.email.toLowerCase(), passwordHash });
      return doc.toObject() as OperatorDoc;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ConflictError('an operator with that email exists');
      throw err;
    }
  }

  /** Creates the operator unless one with that email exists; true when created. */
  async ensure(input: NewOperator): Promise<boolean> {
    if (await this.operators.exists({ email: input.email.toLowerCase() })) return false;
    try {
      await this.create(input);
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
    return jwt.sign({ name: op.name, roles: op.roles, kind: 'op' }, this.secret, {
      subject: String(op._id),
      expiresIn: this.ttlSeconds,
      algorithm: 'HS256',
    });
  }

  verify(token: string): Session {
    try {
      const p = jwt.verify(token, this.secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (p.kind !== 'op' || typeof p.sub !== 'string') throw new Error('not a session token');
      return { operatorId: p.sub, name: String(p.name), roles: p.roles as Role[] };
    } catch {
      throw new UnauthorizedError('invalid or expired session');
    }
  }
}
