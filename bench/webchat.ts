// npm run bench:webchat [-- --conversations 200 --seconds 20 --preload 100000]
// N concurrent Direct Line conversations talk to the FAQ bot over HTTP +
// the WebSocket stream. Two loads:
//   paced   – each conversation sends a question every ~2 s (a fast typist):
//             turn latency under a realistic load;
//   closed  – each conversation sends its next question as soon as the answer
//             arrives: the gateway's maximum message rate.
// Baseline, same run, same client: a bare Express endpoint returning fixed JSON
// under the closed load. Turn latency = POST of the question until the bot's
// answer arrives on the stream. Peak RSS is the gateway process's VmHWM.
// Each load starts once all N conversations are open (start-ups are not in its
// time nor in its CPU figures).
// CPU per turn: the process's utime + stime (/proc/<pid>/stat) over the closed
// load, divided by the turns answered;
// the store's likewise, for every FerretDB process found by name (so it counts
// whatever else uses that FerretDB meanwhile).
// --preload N: a second gateway, on a store first filled with N delivered
// messages over N/10 web chat conversations (bulk inserts straight into its
// database), runs the same loads; both are printed side by side. Each gateway
// has a fresh database, dropped at the end with its Redis keys.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ensureLocalServices } from '../scripts/local-services';
import { cpuMs, cpuMsOf, freePort, peakRssMb, pct, startNode as start, stopChild, storePids, waitHttp } from './lib';
import { databaseUri, dropBenchData, openStore, preloadWebchat } from './fill';
const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const N = Number(args.get('conversations') ?? 200);
const SECONDS = Number(args.get('seconds') ?? 20);
const PACE_MS = Number(args.get('pace-ms') ?? 2000);
/** Messages in the second gateway's store; `--preload` alone means 100,000. */
const PRELOAD = !args.has('preload') ? 0 : /^\d+$/.test(args.get('preload') ?? '') ? Number(args.get('preload')) : 100_000;
const SECRET = 'bench-directline-secret-0123456789';

const QUESTIONS = [
  'what are your opening hours',
  'how much does roaming cost in Italy',
  'how can I pay my bill',
  'what mobile plans do you have',
  'my internet is very slow in the evening',
  'how do I get an esim',
  'what is my PUK code',
  'how do I top up my prepaid card',
];

interface Result {
  count: number;
  errors: number;
  /** Why turns failed, counted by reason. */
  reasons: Map<string, number>;
  seconds: number;
  latencies: number[];
}

function summary(name: string, r: Result): string {
  const s = [...r.latencies].sort((a, b) => a - b);
  const why = r.errors ? ` (${[...r.reasons].map(([k, n]) => `${n}× ${k}`).join(', ')})` : '';
  return `${name.padEnd(34)} ${String(r.count).padStart(7)} msgs ${(r.count / r.seconds).toFixed(0).padStart(7)} msg/s   p50 ${pct(s, 50).toFixed(1).padStart(6)} ms   p99 ${pct(s, 99).toFixed(1).padStart(7)} ms   errors ${r.errors}${why}`;
}

/** One Direct Line conversation, started, its stream open and its greeting in: ready to talk. */
async function open(base: string) {
  const auth = { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' };
  const started = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: auth });
  if (!started.ok) throw new Error(`start ${started.status}`);
  const { conversationId, token, streamUrl } = (await started.json()) as { conversationId: string; token: string; streamUrl: string };
  const ws = new WebSocket(streamUrl);
  let waiting: ((text: string) => void) | null = null;
  ws.on('message', (raw) => {
    const frame = String(raw);
    if (!frame) return;
    for (const a of (JSON.parse(frame) as { activities: { from: { role: string }; text: string }[] }).activities) {
      if (a.from.role === 'bot' && waiting) waiting(a.text);
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 200)); // the greeting
  return {
    ws,
    url: `${base}/v3/directline/conversations/${conversationId}/activities`,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    /** Resolves when the bot's next message arrives. */
    answer: () =>
      new Promise<void>((resolve) => {
        waiting = () => {
          waiting = null;
          resolve();
        };
      }),
    forget: () => {
      waiting = null;
    },
  };
}

type Conversation = Awaited<ReturnType<typeof open>>;

function failed(out: Result, err: unknown): void {
  out.errors++;
  const reason = (err as Error).message;
  out.reasons.set(reason, (out.reasons.get(reason) ?? 0) + 1);
}

/** Asks questions until `until`, timing each answer. */
async function talk(c: Conversation, until: number, paceMs: number, out: Result): Promise<void> {
  let i = Math.floor(Math.random() * QUESTIONS.length);
  while (Date.now() < until) {
    const text = QUESTIONS[i++ % QUESTIONS.length];
    const t0 = performance.now();
    const answered = c.answer();
    try {
      const res = await fetch(c.url, { method: 'POST', headers: c.headers, body: JSON.stringify({ type: 'message', from: { id: 'bench' }, text }) });
      if (!res.ok) throw new Error(String(res.status));
      await res.arrayBuffer();
      await Promise.race([answered, new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10000))]);
      out.latencies.push(performance.now() - t0);
      out.count++;
    } catch (err) {
      failed(out, err);
      c.forget();
    }
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs * (0.5 + Math.random())));
  }
  c.ws.close();
}

/**
 * N conversations are started first; the load (SECONDS long) begins once all are open, and `onLoad` is
 * called right then, so that what is measured over the load leaves the start-ups out.
 */
async function runConversations(base: string, paceMs: number, onLoad?: () => void): Promise<Result> {
  const r: Result = { count: 0, errors: 0, reasons: new Map(), seconds: SECONDS, latencies: [] };
  const opened = await Promise.all(Array.from({ length: N }, () => open(base).catch((err: unknown) => void failed(r, err))));
  onLoad?.();
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(opened.map((c) => c && talk(c, until, paceMs, r)));
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

async function runBaseline(base: string): Promise<Result> {
  const r: Result = { count: 0, errors: 0, reasons: new Map(), seconds: SECONDS, latencies: [] };
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: N }, async () => {
      while (Date.now() < until) {
        const s = performance.now();
        try {
          const res = await fetch(`${base}/activities`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi' }) });
          await res.arrayBuffer();
          r.latencies.push(performance.now() - s);
          r.count++;
        } catch (err) {
          r.errors++;
          const reason = (err as Error).message;
          r.reasons.set(reason, (r.reasons.get(reason) ?? 0) + 1);
        }
      }
    }),
  );
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

interface Gateway {
  label: string;
  db: string;
  base: string;
  child: ChildProcess;
}

interface Figures {
  paced: Result;
  closed: Result;
  /** CPU ms per answered turn under the closed load: the gateway's, the store's. */
  gatewayCpu: number;
  storeCpu: number;
  rssMb: number;
}

function startGateway(label: string, mongoUri: string, redisUrl: string, db: string, port: number): Gateway {
  const child = start('src/server.ts', {
    NODE_ENV: 'test',
    PORT: String(port),
    MONGODB_URI: databaseUri(mongoUri, db),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: db,
    DIRECTLINE_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
  });
  return { label, db, base: `http://127.0.0.1:${port}`, child };
}

async function measure(g: Gateway): Promise<Figures> {
  const paced = await runConversations(g.base, PACE_MS);
  console.log(summary(`${g.label}: paced ${PACE_MS / 1000}s`, paced));
  const store = storePids();
  let [gw0, st0] = [NaN, NaN];
  const closed = await runConversations(g.base, 0, () => ([gw0, st0] = [cpuMs(g.child.pid), cpuMsOf(store)]));
  const [gw1, st1] = [cpuMs(g.child.pid), cpuMsOf(store)];
  console.log(summary(`${g.label}: closed`, closed));
  const turns = Math.max(1, closed.count);
  return { paced, closed, gatewayCpu: (gw1 - gw0) / turns, storeCpu: store.length ? (st1 - st0) / turns : NaN, rssMb: peakRssMb(g.child.pid) };
}

/** The gateways' figures in columns, one row per figure, with the target where there is one. */
function table(cols: { label: string; f: Figures }[], baseline: Result): string[] {
  const rate = (r: Result) => r.count / r.seconds;
  const p = (r: Result, q: number) => pct([...r.latencies].sort((a, b) => a - b), q);
  const rows: [string, (f: Figures) => string, string][] = [
    [`paced ${PACE_MS / 1000}s: msg/s`, (f) => rate(f.paced).toFixed(0), ''],
    ['paced: p50 / p99 ms', (f) => `${p(f.paced, 50).toFixed(1)} / ${p(f.paced, 99).toFixed(1)}`, 'p99 < 100 (200 conversations)'],
    ['closed: msg/s', (f) => rate(f.closed).toFixed(0), ''],
    ['closed: % of bare Express', (f) => `${((rate(f.closed) / rate(baseline)) * 100).toFixed(1)}%`, '>= 15% (20 conversations)'],
    ['closed: p50 / p99 ms', (f) => `${p(f.closed, 50).toFixed(1)} / ${p(f.closed, 99).toFixed(1)}`, ''],
    ['gateway CPU ms per turn (closed)', (f) => f.gatewayCpu.toFixed(2), '<= 2'],
    ['store CPU ms per turn (closed)', (f) => (Number.isNaN(f.storeCpu) ? 'n/a' : f.storeCpu.toFixed(2)), ''],
    ['errors (paced + closed)', (f) => String(f.paced.errors + f.closed.errors), '0'],
    ['gateway peak RSS MB', (f) => f.rssMb.toFixed(0), '< 300'],
  ];
  const w = 26;
  const out = [`${''.padEnd(34)}${cols.map((c) => c.label.padStart(w)).join('')}   target`];
  for (const [name, get, target] of rows) out.push(`${name.padEnd(34)}${cols.map((c) => get(c.f).padStart(w)).join('')}   ${target}`);
  return out;
}

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const [emptyPort, fullPort, barePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const stamp = `${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbs = [`bench_webchat_${stamp}`, ...(PRELOAD ? [`bench_webchat_${stamp}_pre`] : [])];
  const bare = start('bench/bare-express.ts', { PORT: String(barePort) });
  const gateways = [startGateway('empty store', mongoUri, redisUrl, dbs[0], emptyPort)];
  try {
    if (PRELOAD) {
      // Filled before its gateway starts, as a gateway restarting on a store in use would find it.
      const t0 = performance.now();
      const { store, close } = await openStore(mongoUri, redisUrl, dbs[1]);
      const filled = await preloadWebchat(store, PRELOAD).finally(close);
      const s = (performance.now() - t0) / 1000;
      console.log(`preloaded ${PRELOAD.toLocaleString('en')} messages over ${filled.conversations.toLocaleString('en')} conversations (${filled.documents.toLocaleString('en')} documents) in ${s.toFixed(1)} s`);
      gateways.push(startGateway(`${PRELOAD.toLocaleString('en')} msgs preloaded`, mongoUri, redisUrl, dbs[1], fullPort));
    }
    await Promise.all([...gateways.map((g) => waitHttp(`${g.base}/readyz`, 60000, g.child)), waitHttp(`http://127.0.0.1:${barePort}/healthz`, 60000, bare)]);
    const stores = storePids();
    console.log(`bench:webchat  ${N} conversations, ${SECONDS} s per load, 2-core machine, client, servers and store on one host`);
    console.log(`store processes: ${stores.length ? stores.map((pid) => `${pid}`).join(', ') : 'none found (pgrep -f ferretdb-): no store CPU figures'}\n`);
    const baseline = await runBaseline(`http://127.0.0.1:${barePort}`);
    console.log(summary('baseline: bare Express, closed', baseline));
    const cols: { label: string; f: Figures }[] = [];
    for (const g of gateways) cols.push({ label: g.label, f: await measure(g) });
    console.log('');
    for (const l of table(cols, baseline)) console.log(l);
  } finally {
    // Every process that writes to a bench database is gone before it is dropped.
    await Promise.all([bare, ...gateways.map((g) => g.child)].map(stopChild));
    await dropBenchData(mongoUri, redisUrl, dbs);
  }
}

main().catch((err: Error) => {
  console.error(`bench:webchat: ${err.message}`);
  process.exit(1);
});
