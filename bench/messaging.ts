// npm run bench:messaging [-- --seconds 6 --levels 10,50,100 --pace-ms 2000 --messages 10000 --rate 5]
// Inbound: signed Twilio webhooks from N concurrent senders (each its own
// phone number) against the FAQ bot, which stores the inbound and its replies
// and answers TwiML. Two loads per level: paced (each sender texts every
// ~2 s: latency as customers see it) and closed (each sender texts again as
// soon as it has its answer: the maximum rate). Baseline, same run, same
// client, same levels: a bare Express app that checks the signature and
// returns fixed TwiML, under the closed load.
// Outbound: 10,000 proactive messages through the queue and the worker to the
// fake Twilio (messages/s), then the per-sender rate limiter's accuracy at a
// low rate with two workers (sends in any 10 s window vs the configured rate).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { ensureLocalServices } from '../scripts/local-services';
import { freePort, peakRssMb, pct, startNode as start, stopChild as stop, waitHttp } from './lib';
import { startFakeTwilio, FakeTwilio } from '../test/fakes/twilio';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/infra/logger';
import { createInfra, createServices, type Infra } from '../src/app';
import type { ConversationDoc } from '../src/conversations/conversations.service';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const SECONDS = Number(args.get('seconds') ?? 6);
const LEVELS = (args.get('levels') ?? '10,50,100').split(',').map(Number);
const PACE_MS = Number(args.get('pace-ms') ?? 2000);
const MESSAGES = Number(args.get('messages') ?? 10000);
const LOW_RATE = Number(args.get('rate') ?? 5);
const LOW_SECONDS = Number(args.get('rate-seconds') ?? 20);
/** The outbound throughput run stops here even when not all messages are out (the store bounds it). */
const OUTBOUND_SECONDS = Number(args.get('outbound-seconds') ?? 90);
const PUBLIC = 'https://gateway.example';
const OUR_NUMBER = '+35542200100';
const QUESTIONS = ['what are your opening hours', 'how much does roaming cost in Italy', 'how can I pay my bill', 'what mobile plans do you have', 'my internet is slow', 'how do I get an esim'];

async function waitFor(check: () => boolean, ms: number, progress?: () => string): Promise<void> {
  let shown = Date.now();
  for (const until = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > until) throw new Error(`timed out${progress ? `: ${progress()}` : ''}`);
    if (progress && Date.now() - shown > 15000) {
      shown = Date.now();
      console.log(`  … ${progress()}`);
    }
  }
}

interface Load {
  count: number;
  errors: number;
  empty: number;
  seconds: number;
  latencies: number[];
}

/**
 * N senders, each posting its next signed webhook when the answer to the last one has come (and `paceMs` ± 50% later),
 * for `seconds` or until each has sent `perSender` messages.
 */
async function inboundLoad(base: string, token: string, senders: number, seconds: number, tag: string, paceMs = 0, perSender = Infinity): Promise<Load> {
  const r: Load = { count: 0, errors: 0, empty: 0, seconds, latencies: [] };
  const url = `${PUBLIC}/twilio/messaging`;
  const t0 = Date.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      const from = `+3556${7 + (s % 3)}${tag}${String(s).padStart(3, '0')}`;
      if (paceMs) await new Promise((r) => setTimeout(r, Math.random() * paceMs));
      for (let i = s; Date.now() < until && i - s < perSender; i++) {
        const params: Record<string, string> = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: 'AC0', From: from, To: OUR_NUMBER, Body: QUESTIONS[i % QUESTIONS.length], NumMedia: '0' };
        const started = performance.now();
        try {
          const res = await fetch(`${base}/twilio/messaging`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params) },
            body: new URLSearchParams(params).toString(),
          });
          const xml = await res.text();
          if (res.status !== 200) throw new Error(String(res.status));
          r.latencies.push(performance.now() - started);
          r.count++;
          if (!xml.includes('<Message>')) r.empty++;
        } catch {
          r.errors++;
        }
        if (paceMs) await new Promise((r) => setTimeout(r, paceMs * (0.5 + Math.random())));
      }
    }),
  );
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

function line(name: string, r: Load): string {
  const s = [...r.latencies].sort((a, b) => a - b);
  return `${name.padEnd(36)} ${(r.count / r.seconds).toFixed(0).padStart(6)} req/s   p50 ${pct(s, 50).toFixed(1).padStart(6)} ms   p99 ${pct(s, 99).toFixed(1).padStart(7)} ms   errors ${r.errors}${r.empty ? `   empty ${r.empty}` : ''}`;
}

/** The most sends any `windowMs` window holds, from sorted times. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const fake: FakeTwilio = await startFakeTwilio();
  const [gwPort, barePort] = await Promise.all([freePort(), freePort()]);
  const db = `bench_messaging_${Date.now()}`;
  const env = {
    NODE_ENV: 'test',
    MONGODB_URI: `${mongoUri.replace(/\/$/, '')}/${db}`,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: db,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    PUBLIC_BASE_URL: PUBLIC,
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_URL: fake.url,
  };
  const children: ChildProcess[] = [];
  const gateway = start('src/server.ts', { ...env, PORT: String(gwPort) });
  const bare = start('bench/messaging-baseline.ts', { PORT: String(barePort), TWILIO_AUTH_TOKEN: fake.authToken, PUBLIC_BASE_URL: PUBLIC });
  children.push(gateway, bare);
  const stores: Store[] = [];
  try {
    await Promise.all([waitHttp(`http://127.0.0.1:${gwPort}/readyz`), waitHttp(`http://127.0.0.1:${barePort}/healthz`)]);
    console.log(`bench:messaging  ${SECONDS} s per level, 2-core machine shared with other work; client, servers, FerretDB and Redis on one host\n`);
    console.log('Inbound: signed webhooks; paced = each sender texts every ~2 s; closed = again as soon as its TwiML is back');
    await inboundLoad(`http://127.0.0.1:${gwPort}`, fake.authToken, 10, 2, '9999'); // warm-up
    const results: { level: number; paced: Load; closed: Load; base: Load }[] = [];
    for (const level of LEVELS) {
      const tag = String(level).padStart(4, '0');
      const base = await inboundLoad(`http://127.0.0.1:${barePort}`, fake.authToken, level, SECONDS, tag);
      // Each sender's first text makes a customer and a conversation; measured on its own, then the steady state.
      const first = await inboundLoad(`http://127.0.0.1:${gwPort}`, fake.authToken, level, 60, tag, PACE_MS, 1);
      const paced = await inboundLoad(`http://127.0.0.1:${gwPort}`, fake.authToken, level, SECONDS, tag, PACE_MS);
      const closed = await inboundLoad(`http://127.0.0.1:${gwPort}`, fake.authToken, level, SECONDS, tag);
      results.push({ level, paced, closed, base });
      console.log(line(`  ${String(level).padStart(3)} senders  baseline, closed`, base));
      console.log(line(`  ${String(level).padStart(3)} senders  gateway, first texts`, first));
      console.log(line(`  ${String(level).padStart(3)} senders  gateway, paced ${PACE_MS / 1000}s`, paced));
      console.log(line(`  ${String(level).padStart(3)} senders  gateway, closed`, closed));
    }
    const top = results.find((x) => x.level === 100) ?? results[results.length - 1];
    const ratio = top.closed.count / top.closed.seconds / (top.base.count / top.base.seconds);
    const p99 = pct([...top.paced.latencies].sort((a, b) => a - b), 99);
    console.log(`  at ${top.level} senders: paced p99 ${p99.toFixed(1)} ms (target < 60 ms); closed throughput ${(ratio * 100).toFixed(1)}% of baseline (target >= 30%)`);
    console.log(`  web process peak RSS ${peakRssMb(gateway.pid).toFixed(0)} MB, baseline ${peakRssMb(bare.pid).toFixed(0)} MB\n`);
    bare.kill('SIGTERM');

    // Outbound: queue everything first (no worker yet), then let one worker drain it.
    const main = await openStore(env, db, OUR_NUMBER);
    stores.push(main);
    const t = performance.now();
    await main.enqueue(MESSAGES, 'notice');
    const queuedIn = (performance.now() - t) / 1000;
    console.log(`Outbound: ${MESSAGES} proactive messages queued in ${queuedIn.toFixed(1)} s (${(MESSAGES / queuedIn).toFixed(0)}/s: stored, then a bull job each)`);
    fake.reset();
    const worker = start('src/worker.ts', { ...env, MESSAGING_SENDER_RATES: `${OUR_NUMBER}=10000` });
    children.push(worker);
    await waitFor(() => fake.creates().length >= MESSAGES, OUTBOUND_SECONDS * 1000, () => `${fake.creates().length}/${MESSAGES} delivered`).catch(() => undefined);
    const creates = fake.creates();
    const span = (creates[creates.length - 1].at - creates[0].at) / 1000;
    console.log(`  delivered to the fake Twilio: ${creates.length}${creates.length < MESSAGES ? ` of ${MESSAGES} (stopped after ${OUTBOUND_SECONDS} s)` : ''} in ${span.toFixed(1)} s = ${(creates.length / span).toFixed(1)} messages/s (1 worker, concurrency 20, limiter at 10,000/s)`);
    console.log(`  worker peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB`);
    await stop(worker);

    // Limiter accuracy: a low rate for one sender, two workers at once, on a store of its own
    // (so that the store's speed with 10,000 messages in it does not hold the workers below the rate).
    const paced = await openStore(env, `${db}_rl`, '+35542200300');
    stores.push(paced);
    const pacedEnv = { ...paced.env, MESSAGING_SENDER_RATES: `+35542200300=${LOW_RATE}` };
    fake.reset();
    const n = LOW_RATE * LOW_SECONDS;
    await paced.enqueue(n, 'paced');
    children.push(start('src/worker.ts', pacedEnv), start('src/worker.ts', pacedEnv));
    await waitFor(() => fake.creates().length >= n, (LOW_SECONDS + 60) * 1000, () => `${fake.creates().length}/${n} delivered`);
    const times = fake.creates().map((r) => r.at).sort((x, y) => x - y);
    const allowed = LOW_RATE * 10;
    const worst = maxInWindow(times, 10000);
    const achieved = (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
    console.log(`Limiter: ${n} messages for one sender at ${LOW_RATE}/s through 2 workers: achieved ${achieved.toFixed(2)}/s;`);
    console.log(`  worst 10 s window ${worst} sends vs ${allowed} allowed = ${(((worst - allowed) / allowed) * 100).toFixed(1)}% over (target <= 5%); worst 1 s window ${maxInWindow(times, 1000)} (rate ${LOW_RATE})`);
  } finally {
    // Every process that writes to a bench database is gone before it is dropped.
    await Promise.all(children.map(stop));
    for (const st of stores) await st.cleanup();
    if (!stores.some((st) => st.name === db)) await wipe(await createInfra(loadConfig(env), createLogger('warn', 'bench')), db);
    await fake.close();
  }
}

interface Store {
  name: string;
  env: Record<string, string>;
  enqueue(n: number, label: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A database and queue prefix with 100 SMS conversations whose replies go out from `from`. */
async function openStore(base: Record<string, string>, name: string, from: string): Promise<Store> {
  const env = { ...base, MONGODB_URI: base.MONGODB_URI.replace(/[^/]+$/, name), QUEUE_PREFIX: name };
  const infra = await createInfra(loadConfig(env), createLogger('warn', 'bench'));
  const services = createServices(infra);
  const targets: ConversationDoc[] = [];
  for (let i = 0; i < 100; i++) {
    const address = `+3556900${String(i).padStart(5, '0')}`;
    const customer = await services.conversations.findOrCreateCustomer({ kind: 'phone', value: address });
    targets.push(await services.conversations.open({ customerId: customer._id, channel: 'sms', address, botAddress: from }));
  }
  return {
    name,
    env,
    async enqueue(n, label) {
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          for (let i = next++; i < n; i = next++) await services.outbound.send(targets[i % targets.length], { author: 'system', text: `${label} ${i}` });
        }),
      );
    },
    cleanup: () => wipe(infra, name),
  };
}

/** Drops the bench database, its queue and every Redis key under its prefix. */
async function wipe(infra: Infra, name: string): Promise<void> {
  await infra.conn.dropDatabase().catch(() => undefined);
  await infra.outboundQueue.obliterate({ force: true }).catch(() => undefined);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await infra.redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
    if (keys.length) await infra.redis.del(...keys);
    if ((cursor = next) === '0') break;
  }
  await infra.close();
}

main().catch((err: Error) => {
  console.error(`bench:messaging: ${err.stack ?? err.message}`);
  process.exit(1);
});
