// npm run bench:voice [-- --calls 100 --seconds 15 --streams 100 --stream-seconds 10]
// Two loads against a gateway process (web, sandbox Twilio, real store and Redis):
//   gather  – N concurrent calls, each answering its last <Gather> as soon as
//             the TwiML arrives (speech questions and menu keys): TwiML per
//             second and latency, beside a bare Express app returning fixed
//             TwiML to the same client in the same run;
//   streams – M concurrent Media Streams at real time (50 frames/s each) through
//             the gateway to a local fake Deepgram: added forwarding latency
//             (gateway path minus the same client sending to the fake directly),
//             the gateway's CPU share and memory per stream.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import mongoose from 'mongoose';
import twilio from 'twilio';
import WebSocket from 'ws';
import { ensureLocalServices } from '../scripts/local-services';
import { freePort, pct, startNode as start, waitHttp } from './lib';
import { startFakeDeepgram, FakeDeepgram } from '../test/fakes/deepgram';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const CALLS = Number(args.get('calls') ?? 100);
const SECONDS = Number(args.get('seconds') ?? 15);
const STREAMS = Number(args.get('streams') ?? 100);
const STREAM_SECONDS = Number(args.get('stream-seconds') ?? 10);
const TOKEN = 'bench-voice-sandbox-token';
const ANSWERS = ['what are your opening hours', '1', 'how can I pay my bill', '4', 'how much does roaming cost in Italy', 'main menu', 'my internet is very slow', '2'];

const procStat = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, seconds (USER_HZ 100)
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** A signed webhook; returns the TwiML text and the time it took. */
async function webhook(base: string, publicBase: string, p: string, params: Record<string, string>): Promise<{ xml: string; ms: number }> {
  const t = performance.now();
  const res = await fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${publicBase}${p}`, params) },
    body: new URLSearchParams(params).toString(),
  });
  const xml = await res.text();
  if (!res.ok) throw new Error(`${p}: ${res.status} ${xml.slice(0, 200)}`);
  return { xml, ms: performance.now() - t };
}

interface Load {
  count: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** N callers answering gathers back to back for SECONDS (after ringing in, which is not counted). */
async function gatherLoad(base: string, publicBase: string, n: number): Promise<Load> {
  const r: Load = { count: 0, errors: 0, seconds: 0, latencies: [] };
  const calls = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const p = { CallSid: `CA${randomBytes(16).toString('hex')}`, From: `+35569${String(1000000 + i)}`, To: '+35542200100', CallStatus: 'in-progress', Direction: 'inbound' };
      await webhook(base, publicBase, '/twilio/voice', p);
      const { xml } = await webhook(base, publicBase, '/twilio/voice/start', p);
      return { p, xml };
    }),
  );
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(
    calls.map(async (c, i) => {
      let k = i;
      while (Date.now() < until) {
        const action = /<Gather[^>]*action="([^"]+)"/.exec(c.xml)?.[1]?.replace(/&amp;/g, '&') ?? '/twilio/voice/gather?step=1';
        const answer = ANSWERS[k++ % ANSWERS.length];
        try {
          const res = await webhook(base, publicBase, action.replace(publicBase, ''), { ...c.p, ...(/^\d$/.test(answer) ? { Digits: answer } : { SpeechResult: answer, Confidence: '0.9' }) });
          c.xml = res.xml;
          r.count++;
          r.latencies.push(res.ms);
        } catch {
          r.errors++;
        }
      }
    }),
  );
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

/** M streams at 50 frames/s; each frame's first 4 bytes tag it, so the fake's arrival time gives its latency. */
async function streamLoad(url: string, fake: FakeDeepgram, starts: Record<string, unknown>[] | null, gatewayPid?: number) {
  const firstSession = fake.live.length;
  const sockets = await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const ws = new WebSocket(url, starts ? undefined : { headers: { authorization: `Token ${fake.apiKey}` } });
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      if (starts) ws.send(JSON.stringify({ event: 'start', streamSid: `MZ${i}`, start: starts[i] }));
      return ws;
    }),
  );
  // Measure from when every stream has its Deepgram socket (the gateway opens it on `start`).
  for (const until = Date.now() + 30000; fake.live.length - firstSession < STREAMS && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const rss0 = gatewayPid ? rssMb(gatewayPid) : 0;
  const cpu0 = gatewayPid ? procStat(gatewayPid) : 0;
  const sentAt = new Map<number, number>();
  let tag = 1;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (const ws of sockets) {
        const frame = Buffer.alloc(160, 0xff);
        frame.writeUInt32BE(tag, 0);
        sentAt.set(tag++, performance.now());
        ws.send(starts ? JSON.stringify({ event: 'media', media: { track: 'inbound', payload: frame.toString('base64') } }) : frame);
      }
      if (Date.now() - t0 >= STREAM_SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  await new Promise((r) => setTimeout(r, 500));
  const wall = (Date.now() - t0) / 1000;
  const cpu = gatewayPid ? (procStat(gatewayPid) - cpu0) / wall : NaN;
  const rss = gatewayPid ? rssMb(gatewayPid) : NaN;
  const latencies = fake.live.slice(firstSession).flatMap((s) => s.arrivals.map((a) => a.at - (sentAt.get(a.tag) ?? a.at))).sort((a, b) => a - b);
  for (const ws of sockets) ws.close();
  return { sent: tag - 1, received: latencies.length, latencies, cpu, rssPerStreamMb: (rss - rss0) / STREAMS, rss };
}

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const fake = await startFakeDeepgram();
  fake.trackArrivals = true;
  const [gwPort, barePort] = await Promise.all([freePort(), freePort()]);
  const db = `bench_voice_${Date.now()}`;
  const gwBase = `http://127.0.0.1:${gwPort}`;
  const gateway = start('src/server.ts', {
    NODE_ENV: 'test',
    PORT: String(gwPort),
    PUBLIC_BASE_URL: gwBase,
    MONGODB_URI: `${mongoUri.replace(/\/$/, '')}/${db}`,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: db,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    VOICE_SANDBOX_AUTH_TOKEN: TOKEN,
    VOICE_LIVE_TRANSCRIPTION: 'true',
    DEEPGRAM_API_KEY: fake.apiKey,
    DEEPGRAM_API_URL: fake.url,
  });
  const bare = start('bench/bare-twiml.ts', { PORT: String(barePort) });
  try {
    await Promise.all([waitHttp(`${gwBase}/readyz`), waitHttp(`http://127.0.0.1:${barePort}/healthz`)]);
    console.log(`bench:voice  ${CALLS} calls × ${SECONDS} s of gathers; ${STREAMS} media streams × ${STREAM_SECONDS} s; 2-core machine shared with others, client and servers on one host\n`);
    const line = (name: string, l: Load) => {
      const s = [...l.latencies].sort((a, b) => a - b);
      console.log(`${name.padEnd(34)} ${(l.count / l.seconds).toFixed(0).padStart(6)} TwiML/s   p50 ${pct(s, 50).toFixed(1).padStart(6)} ms   p99 ${pct(s, 99).toFixed(1).padStart(7)} ms   errors ${l.errors}`);
      return { rate: l.count / l.seconds, p99: pct(s, 99) };
    };
    if (CALLS > 0) {
      const baseline = line('baseline: bare Express, fixed TwiML', await gatherLoad(`http://127.0.0.1:${barePort}`, 'http://127.0.0.1', CALLS));
      const gw = line('gateway: signed gather → bot → TwiML', await gatherLoad(gwBase, gwBase, CALLS));
      console.log(`  throughput vs baseline ${((gw.rate / baseline.rate) * 100).toFixed(1)}% (target >= 30%), p99 ${gw.p99.toFixed(1)} ms (target < 50 ms)\n`);
    }

    // Streams: calls for the tokens, then the same frames straight to the fake (baseline) and through the gateway.
    const starts = await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const p = { CallSid: `CA${randomBytes(16).toString('hex')}`, From: `+35568${String(1000000 + i)}`, To: '+35542200100', CallStatus: 'ringing', Direction: 'inbound' };
        const { xml } = await webhook(gwBase, gwBase, '/twilio/voice', p);
        return { callSid: p.CallSid, customParameters: Object.fromEntries([...xml.matchAll(/<Parameter name="(\w+)" value="([^"]+)"/g)].map((m) => [m[1], m[2]])) };
      }),
    );
    const direct = await streamLoad(`${fake.url.replace('http', 'ws')}/v1/listen`, fake, null);
    const via = await streamLoad(`${gwBase.replace('http', 'ws')}/twilio/media-stream`, fake, starts, gateway.pid);
    const p = (x: number[], q: number) => pct(x, q).toFixed(1);
    console.log(`${'baseline: straight to fake Deepgram'.padEnd(34)} frames ${direct.received}/${direct.sent}   latency p50 ${p(direct.latencies, 50)} ms   p99 ${p(direct.latencies, 99)} ms`);
    console.log(`${'gateway: media stream → Deepgram'.padEnd(34)} frames ${via.received}/${via.sent}   latency p50 ${p(via.latencies, 50)} ms   p99 ${p(via.latencies, 99)} ms`);
    console.log(`  added forwarding latency p99 ${(pct(via.latencies, 99) - pct(direct.latencies, 99)).toFixed(1)} ms (target < 20 ms)`);
    const failures = [...(await (await fetch(`${gwBase}/metrics`)).text()).matchAll(/^voice_live_transcription_failures_total\{reason="([^"]+)"\} (\d+)/gm)].map((m) => `${m[1]}: ${m[2]}`);
    if (failures.length) console.log(`  streams without live transcription: ${failures.join(', ')}`);
    console.log(`  gateway CPU ${(via.cpu * 100).toFixed(0)}% of one core for ${STREAMS} streams (${((via.cpu * 100) / STREAMS).toFixed(2)}% per stream), memory ${via.rssPerStreamMb.toFixed(2)} MB per stream (RSS ${via.rss.toFixed(0)} MB)`);
  } finally {
    gateway.kill('SIGTERM');
    bare.kill('SIGTERM');
    await fake.close();
    const conn = await mongoose.createConnection(`${mongoUri.replace(/\/$/, '')}/${db}`).asPromise();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench:voice: ${err.message}`);
  process.exit(1);
});
