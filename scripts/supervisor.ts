// Keeps `npm start`'s processes running: a child that dies is started again
// after a back-off (1 s, doubling up to 30 s, back to 1 s once it has stayed
// up for a minute), and the others go on meanwhile. Stopping the supervisor
// stops them all. The spawn function and the timers are parameters, so the
// policy is tested without real processes or real waiting.
import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  spawn: (name: string) => Pick<ChildProcess, 'on' | 'kill' | 'exitCode'>;
  log?: (line: string) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Up this long, a child counts as healthy again: its next restart waits the first delay. */
  healthyAfterMs?: number;
}

interface Supervised {
  child: Pick<ChildProcess, 'on' | 'kill' | 'exitCode'>;
  startedAt: number;
  delayMs: number;
  restarts: number;
}

export class Supervisor {
  private readonly running = new Map<string, Supervised>();
  private stopping = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly healthyAfterMs: number;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.firstDelayMs = opts.firstDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 30000;
    this.healthyAfterMs = opts.healthyAfterMs ?? 60000;
  }

  start(name: string, previous?: Supervised): void {
    if (this.stopping) return;
    const child = this.opts.spawn(name);
    const entry: Supervised = { child, startedAt: this.now(), delayMs: previous?.delayMs ?? this.firstDelayMs, restarts: previous ? previous.restarts + 1 : 0 };
    this.running.set(name, entry);
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.exited(name, entry, code, signal));
  }

  /** How often each child has been restarted. */
  restarts(name: string): number {
    return this.running.get(name)?.restarts ?? 0;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stopping = true;
    for (const { child } of this.running.values()) if (child.exitCode === null) child.kill(signal);
  }

  private exited(name: string, entry: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.running.get(name) !== entry) return;
    const healthy = this.now() - entry.startedAt >= this.healthyAfterMs;
    const delay = healthy ? this.firstDelayMs : entry.delayMs;
    this.opts.log?.(`${name} exited (${signal ?? `code ${code}`}); starting it again in ${Math.round(delay / 1000)} s`);
    this.setTimer(() => this.start(name, { ...entry, delayMs: Math.min(delay * 2, this.maxDelayMs) }), delay);
  }
}
