// What every benchmark needs: free loopback ports, child processes running
// TypeScript entries, waiting for a server, percentiles, peak memory and
// CPU time of a process.
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A TypeScript entry in its own Node process (one process, so its RSS is the server's).
 * BENCH_PROFILE_DIR=dir writes a V8 CPU profile of each server into dir when it stops.
 */
export function startNode(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Stops a child process and resolves once it has exited. */
export function stopChild(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()).kill('SIGTERM'));
}

/** Waits for `url` to answer 2xx; gives up at once when `child`, the server behind it, has exited. */
export async function waitHttp(url: string, ms = 60000, child?: ChildProcess): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${url}: the server exited (${child.exitCode ?? child.signalCode}) before it came up`);
  }
  throw new Error(`${url} did not come up`);
}

/** p-th percentile of an ascending array. */
export function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Peak resident memory of a process (VmHWM), MB. */
export function peakRssMb(pid?: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time a process has used so far (user + system, all its threads), ms; NaN when it is gone. */
export function cpuMs(pid?: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU time of several processes together, ms. */
export function cpuMsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** The local store's processes (our FerretDB build runs as `ferretdb-<version>`), found by name; empty when none. */
export function storePids(): number[] {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-f', 'ferretdb-'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  // pgrep -f also matches a shell whose command line names ferretdb: keep the processes that run the binary.
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0 && pid !== process.pid && exeName(pid).startsWith('ferretdb'));
}

/** The file name of the program a process runs ('' when it is gone). */
export function exeName(pid: number): string {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '';
  }
}
