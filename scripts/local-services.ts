// Makes sure a MongoDB-compatible store and Redis run on this machine when
// MONGODB_URI / REDIS_URL are not set, and prints their URLs.
//   store: FerretDB v1.24.2 with its SQLite backend, data under .data/
//   redis: the one on 127.0.0.1:6379 if it answers, else Debian's redis-server
// Idempotent and quick when both already run. `npm run services` runs it alone.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, '.data');
const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const MONGO_PORT = Number(process.env.FERRETDB_PORT ?? 27017);
const REDIS_PORT = 6379;

export interface LocalServices {
  mongoUri: string;
  redisUrl: string;
}

function log(msg: string): void {
  console.log(`[services] ${msg}`);
}

function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Sends a RESP PING and expects +PONG: something on the port that is not Redis does not count. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    s.once('error', () => done(false));
  });
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runsOk(bin: string): boolean {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10000 });
  return r.status === 0 && r.stdout.includes('version');
}

/**
 * Our build of FerretDB differs from the released module in two lines, applied
 * to the module source downloaded from the Go module proxy:
 * - build/version/version.txt is added (the module lacks it and a plain
 *   `go install` build panics at start-up);
 * - the SQLite backend's `_id` expression is written the way its `_id` index
 *   is (`->"_id"`, not `->'$._id'`), so SQLite uses the index for a lookup or
 *   update by `_id` instead of scanning the table (0.6 ms against 145 ms at
 *   50,000 documents).
 * BUILD names the patch level: a binary of an older build is rebuilt, and a
 * FerretDB we started from one is restarted.
 */
const BUILD = `${FERRETDB_VERSION}-sb1`;
const FERRETDB_BIN = path.join(DATA, 'bin', `ferretdb-${BUILD}`);
const ID_COLUMN_RELEASED = `IDColumn = DefaultColumn + "->'$._id'"`;
const ID_COLUMN_INDEXED = 'IDColumn = DefaultColumn + `->"_id"`';

/** Applies our two changes to a copy of the module source; fails loudly when the source is not what we expect. */
function patchFerretDbSource(src: string): void {
  fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  const file = path.join(src, 'internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(ID_COLUMN_RELEASED)) throw new Error(`${file}: the _id expression to patch was not found`);
  fs.writeFileSync(file, text.replace(ID_COLUMN_RELEASED, ID_COLUMN_INDEXED));
}

function buildFerretDb(): string {
  const out = FERRETDB_BIN;
  if (!which('go')) throw new Error('FerretDB is not built and Go is missing: install Go, or set MONGODB_URI to a MongoDB server');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const attempts: NodeJS.ProcessEnv[] = [{}, { GOTOOLCHAIN: 'go1.24.3' }];
  let lastError = '';
  for (const extra of attempts) {
    const env = { ...process.env, ...extra, GOFLAGS: '-mod=mod' };
    const label = extra.GOTOOLCHAIN ? ` with GOTOOLCHAIN=${extra.GOTOOLCHAIN}` : '';
    log(`building FerretDB ${BUILD}${label} (first run only; a few minutes)…`);
    try {
      const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { env, encoding: 'utf8' })) as { Dir: string };
      const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-src-'));
      fs.cpSync(info.Dir, src, { recursive: true });
      execFileSync('chmod', ['-R', 'u+w', src]);
      patchFerretDbSource(src);
      execFileSync('go', ['build', '-o', `${out}.tmp`, './cmd/ferretdb'], { cwd: src, env, stdio: ['ignore', 'inherit', 'inherit'] });
      fs.rmSync(src, { recursive: true, force: true });
      fs.renameSync(`${out}.tmp`, out);
      if (runsOk(out)) {
        removeOlderBuilds();
        return out;
      }
      lastError = `${out} was built but does not run`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    log(`build failed${label}: ${lastError.split('\n')[0]}`);
  }
  throw new Error(`could not build FerretDB: ${lastError}`);
}

function removeOlderBuilds(): void {
  const dir = path.dirname(FERRETDB_BIN);
  for (const f of fs.readdirSync(dir)) if (f.startsWith('ferretdb') && path.join(dir, f) !== FERRETDB_BIN) fs.rmSync(path.join(dir, f), { force: true });
}

/** The local store's binary, built first when it is missing or an older build. */
export function ferretDbBinary(): string {
  return fs.existsSync(FERRETDB_BIN) && runsOk(FERRETDB_BIN) ? FERRETDB_BIN : buildFerretDb();
}

/** The FerretDB this script started earlier, if it still runs: its pid and the binary it runs. */
function ourRunningFerretDb(): { pid: number; exe: string } | null {
  try {
    const pid = Number(fs.readFileSync(path.join(DATA, 'ferretdb.pid'), 'utf8'));
    const exe = fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    return path.basename(exe).startsWith('ferretdb') ? { pid, exe } : null;
  } catch {
    return null;
  }
}

/** The arguments that start FerretDB on SQLite with its data under `dataDir` (made if missing). */
export function ferretDbArgs(dataDir: string, port: number): string[] {
  fs.mkdirSync(path.join(dataDir, 'ferretdb'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'ferretdb-state'), { recursive: true });
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${path.join(dataDir, 'ferretdb')}/?_pragma=synchronous(normal)`,
    `--state-dir=${path.join(dataDir, 'ferretdb-state')}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=127.0.0.1:0',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

async function ensureMongo(): Promise<string> {
  const uri = `mongodb://127.0.0.1:${MONGO_PORT}/`;
  const running = ourRunningFerretDb();
  if (await portOpen(MONGO_PORT)) {
    if (!running || running.exe === FERRETDB_BIN) {
      log(`store already listening on 127.0.0.1:${MONGO_PORT}`);
      return uri;
    }
    log(`restarting FerretDB: it runs an older build (${path.basename(running.exe)})`);
    process.kill(running.pid, 'SIGTERM');
    if (!(await waitFor(async () => !(await portOpen(MONGO_PORT)), 15000))) throw new Error(`the older FerretDB (pid ${running.pid}) did not stop`);
  }
  const bin = ferretDbBinary();
  const logFile = fs.openSync(path.join(DATA, 'ferretdb.log'), 'a');
  const child = spawn(bin, ferretDbArgs(DATA, MONGO_PORT), { detached: true, stdio: ['ignore', logFile, logFile] });
  child.unref();
  fs.writeFileSync(path.join(DATA, 'ferretdb.pid'), String(child.pid));
  if (!(await waitFor(() => portOpen(MONGO_PORT), 30000))) {
    throw new Error(`FerretDB did not start on 127.0.0.1:${MONGO_PORT}; see .data/ferretdb.log`);
  }
  log(`started FerretDB (SQLite, data in .data/ferretdb) on 127.0.0.1:${MONGO_PORT}`);
  return uri;
}

async function ensureRedis(): Promise<string> {
  const url = `redis://127.0.0.1:${REDIS_PORT}`;
  if (await redisAnswers(REDIS_PORT)) {
    log(`Redis already answering on 127.0.0.1:${REDIS_PORT}`);
    return url;
  }
  if (await portOpen(REDIS_PORT)) throw new Error(`something that is not Redis listens on 127.0.0.1:${REDIS_PORT}; set REDIS_URL`);
  if (!which('redis-server')) {
    log('installing redis-server from Debian packages…');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('redis-server is missing and could not be installed; install it or set REDIS_URL');
  }
  fs.mkdirSync(DATA, { recursive: true });
  const r = spawnSync(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'no', '--pidfile', path.join(DATA, 'redis.pid'), '--logfile', path.join(DATA, 'redis.log')],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || !(await waitFor(() => redisAnswers(REDIS_PORT), 10000))) {
    throw new Error('redis-server did not start; see .data/redis.log');
  }
  log(`started redis-server on 127.0.0.1:${REDIS_PORT}`);
  return url;
}

export async function ensureLocalServices(env: NodeJS.ProcessEnv = process.env): Promise<LocalServices> {
  const [mongoUri, redisUrl] = await Promise.all([
    env.MONGODB_URI ? Promise.resolve(env.MONGODB_URI) : ensureMongo(),
    env.REDIS_URL ? Promise.resolve(env.REDIS_URL) : ensureRedis(),
  ]);
  return { mongoUri, redisUrl };
}

if (require.main === module) {
  ensureLocalServices()
    .then(({ mongoUri, redisUrl }) => {
      console.log(`MONGODB_URI=${mongoUri}`);
      console.log(`REDIS_URL=${redisUrl}`);
    })
    .catch((err: Error) => {
      console.error(`[services] ${err.message}`);
      process.exit(1);
    });
}
