// npm run bench:webchat [-- --conversations 200 --seconds 20]
// N concurrent Direct Line conversations talk to the FAQ bot over HTTP +
// the WebSocket stream. Two loads:
//   paced   – each conversation sends a question every ~2 s (a fast typist):
//             turn latency under a realistic load;
//   closed  – each conversation sends its next question as soon as the answer
//             arrives: the gateway's maximum message rate.
// Baseline, same run, same client: a bare Express endpoint returning fixed JSON
// under the closed load. Turn latency = POST of the question until the bot's
// answer arrives on the stream. Peak RSS is the gateway process's VmHWM.
import WebSocket from 'ws';
import { ensureLocalServices } from '../scripts/local-services';
import { freePort, peakRssMb, pct, startNode as start, waitHttp } from './lib';
const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const N = Number(args.get('conversations') ?? 200);
const SECONDS = Number(args.get('seconds') ?? 20);
const PACE_MS = Number(args.get('pace-ms') ?? 2000);
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

/** One Direct Line conversation: start, open the stream, ask questions, time each answer. */
async function conversation(base: string, until: number, paceMs: number, out: Result): Promise<void> {
  const auth = { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' };
  const started = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: auth });
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
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  let i = Math.floor(Math.random() * QUESTIONS.length);
  while (Date.now() < until) {
    const text = QUESTIONS[i++ % QUESTIONS.length];
    const t0 = performance.now();
    const answered = new Promise<void>((resolve) => {
      waiting = () => {
        waiting = null;
        resolve();
      };
    });
    try {
      const res = await fetch(`${base}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', from: { id: 'bench' }, text }),
      });
      if (!res.ok) throw new Error(String(res.status));
      await res.arrayBuffer();
      await Promise.race([answered, new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10000))]);
      out.latencies.push(performance.now() - t0);
      out.count++;
    } catch (err) {
      out.errors++;
      const reason = (err as Error).message;
      out.reasons.set(reason, (out.reasons.get(reason) ?? 0) + 1);
      waiting = null;
    }
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs * (0.5 + Math.random())));
  }
  ws.close();
}

async function runConversations(base: string, paceMs: number): Promise<Result> {
  const r: Result = { count: 0, errors: 0, reasons: new Map(), seconds: SECONDS, latencies: [] };
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: N }, () => conversation(base, until, paceMs, r)));
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

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const [gwPort, barePort] = await Promise.all([freePort(), freePort()]);
  const db = `bench_webchat_${Date.now()}`;
  const gateway = start('src/server.ts', {
    NODE_ENV: 'test',
    PORT: String(gwPort),
    MONGODB_URI: `${mongoUri.replace(/\/$/, '')}/${db}`,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: db,
    DIRECTLINE_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
  });
  const bare = start('bench/bare-express.ts', { PORT: String(barePort) });
  try {
    await Promise.all([waitHttp(`http://127.0.0.1:${gwPort}/readyz`), waitHttp(`http://127.0.0.1:${barePort}/healthz`)]);
    console.log(`bench:webchat  ${N} conversations, ${SECONDS} s per load, 2-core machine, client and servers on one host\n`);
    const baseline = await runBaseline(`http://127.0.0.1:${barePort}`);
    console.log(summary('baseline: bare Express, closed', baseline));
    const paced = await runConversations(`http://127.0.0.1:${gwPort}`, PACE_MS);
    console.log(summary(`gateway FAQ turn, paced ${PACE_MS / 1000}s`, paced));
    const closed = await runConversations(`http://127.0.0.1:${gwPort}`, 0);
    console.log(summary('gateway FAQ turn, closed', closed));
    const rss = peakRssMb(gateway.pid ?? 0);
    const pacedP99 = pct([...paced.latencies].sort((a, b) => a - b), 99);
    const ratio = closed.count / closed.seconds / (baseline.count / baseline.seconds);
    console.log('');
    console.log(`throughput vs baseline: ${(ratio * 100).toFixed(1)}%   (target >= 30%)`);
    console.log(`paced turn p99:         ${pacedP99.toFixed(1)} ms   (target < 50 ms)`);
    console.log(`gateway peak RSS:       ${rss.toFixed(0)} MB   (target < 300 MB)`);
  } finally {
    gateway.kill('SIGTERM');
    bare.kill('SIGTERM');
  }
}

main().catch((err: Error) => {
  console.error(`bench:webchat: ${err.message}`);
  process.exit(1);
});
