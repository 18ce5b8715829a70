// `npm start`'s supervision: a child that dies comes back after a back-off
// and the others keep running; stopping ends them all and brings none back.
import { EventEmitter } from 'node:events';
import { Supervisor } from '../../scripts/supervisor';

class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  killed: string[] = [];
  kill(signal?: NodeJS.Signals | number): boolean {
    this.killed.push(String(signal));
    this.die(null, 'SIGTERM');
    return true;
  }
  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code ?? 1;
    this.emit('exit', code, signal);
  }
}

function harness() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const spawned: { name: string; child: FakeChild }[] = [];
  const supervisor = new Supervisor({
    spawn: (name) => {
      const child = new FakeChild();
      spawned.push({ name, child });
      return child as never;
    },
    now: () => now,
    setTimer: (fn, ms) => timers.push({ at: now + ms, fn }),
  });
  /** Moves the clock on, running the timers that fall due. */
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.splice(0).sort((a, b) => a.at - b.at)) {
      if (t.at <= now) t.fn();
      else timers.push(t);
    }
  };
  const live = (name: string) => spawned.filter((s) => s.name === name).at(-1)?.child;
  return { supervisor, spawned, advance, live };
}

describe('npm start supervises its processes', () => {
  it('when the worker is killed, then the web process keeps running and the worker comes back after a second', () => {
    const h = harness();
    h.supervisor.start('web');
    h.supervisor.start('worker');
    const web = h.live('web');
    h.live('worker')?.die(null, 'SIGKILL');
    expect(h.spawned).toHaveLength(2);
    h.advance(999);
    expect(h.spawned).toHaveLength(2);
    h.advance(1);
    expect(h.spawned.map((s) => s.name)).toEqual(['web', 'worker', 'worker']);
    expect(h.live('web')).toBe(web);
    expect(web?.exitCode).toBeNull();
  });

  it('when a child keeps crashing, then it waits longer each time, up to 30 s, and a minute up resets the wait', () => {
    const h = harness();
    h.supervisor.start('worker');
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = h.spawned.length;
      h.live('worker')?.die(1);
      let waited = 0;
      while (h.spawned.length === before) {
        h.advance(500);
        waited += 500;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    h.advance(60000);
    const before = h.spawned.length;
    h.live('worker')?.die(1);
    h.advance(1000);
    expect(h.spawned.length).toBe(before + 1);
    expect(h.supervisor.restarts('worker')).toBe(8);
  });

  it('when the supervisor stops, then every child gets SIGTERM and none is started again', () => {
    const h = harness();
    h.supervisor.start('web');
    h.supervisor.start('worker');
    h.supervisor.stop();
    h.advance(120000);
    expect(h.spawned).toHaveLength(2);
    expect(h.spawned.every((s) => s.child.killed.includes('SIGTERM'))).toBe(true);
  });
});
