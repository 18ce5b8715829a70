// Whether a signed session token is still good: its operator exists and is
// active, the token's session version is the operator's current one, and its
// session id has not been revoked by a logout. All three are read from the
// operator document by `_id` (one indexed read on FerretDB too), so they
// survive a restart and hold on every web instance. Each process caches what
// it read for at most `cacheMs` (≤ 5 s); a change publishes an
// `operator.sessions` event on the bus that drops the cached copy at once on
// every instance, so the cache only bounds the delay when an event is lost.
import type { Bus } from '../infra/bus';
import { UnauthorizedError } from '../infra/errors';
import type { OperatorDoc } from '../store/models/operator.model';

/** What a session token says, besides who it is for. */
export interface SessionClaims {
  operatorId: string;
  /** Session id: a logout revokes this one session. */
  sid: string;
  /** The operator's session version when the token was issued. */
  sv: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

interface Known {
  at: number;
  /** null: no such operator. */
  state: { active: boolean; sessionVersion: number; revoked: Set<string> } | null;
}

export const MAX_SESSION_CACHE_MS = 5000;

/** "<exp>:<sid>", as kept in `revokedSessions`. */
export function revokedEntry(sid: string, exp: number): string {
  return `${exp}:${sid}`;
}

export function revokedSid(entry: string): string {
  return entry.slice(entry.indexOf(':') + 1);
}

export function revokedUntil(entry: string): number {
  return Number(entry.slice(0, entry.indexOf(':')));
}

export class SessionChecker {
  private readonly known = new Map<string, Known>();
  private readonly cacheMs: number;

  constructor(
    private readonly read: (operatorId: string) => Promise<Pick<OperatorDoc, 'active' | 'sessionVersion' | 'revokedSessions'> | null>,
    private readonly bus: Bus | undefined,
    cacheMs = MAX_SESSION_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.cacheMs = Math.min(cacheMs, MAX_SESSION_CACHE_MS);
    bus?.onAny((e) => {
      if (e.type === 'operator.sessions') this.known.delete(e.operatorId);
    });
  }

  /** Throws UnauthorizedError when the session has ended. `fresh` skips the cache. */
  async check(claims: SessionClaims, fresh = false): Promise<void> {
    let k = this.known.get(claims.operatorId);
    if (fresh || !k || this.now() - k.at > this.cacheMs) {
      const doc = await this.read(claims.operatorId);
      k = {
        at: this.now(),
        state: doc ? { active: doc.active, sessionVersion: doc.sessionVersion ?? 0, revoked: new Set((doc.revokedSessions ?? []).map(revokedSid)) } : null,
      };
      this.known.set(claims.operatorId, k);
      this.prune();
    }
    const s = k.state;
    if (!s || !s.active || s.sessionVersion !== claims.sv || s.revoked.has(claims.sid)) throw new UnauthorizedError('the session has ended; sign in again');
  }

  /** Drops this process's copy and tells every other instance to drop theirs. */
  async changed(operatorId: string): Promise<void> {
    this.known.delete(operatorId);
    await this.bus?.publish({ type: 'operator.sessions', operatorId });
  }

  // Keeps the map from growing with operators who are no longer signed in here.
  private prune(): void {
    if (this.known.size < 1000) return;
    const old = this.now() - this.cacheMs;
    for (const [id, k] of this.known) if (k.at < old) this.known.delete(id);
  }
}
