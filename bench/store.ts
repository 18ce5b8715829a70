// npm run bench:store [-- --sizes 1000,50000 --ms 2000 --clients 1]
// The store's hot operations (src/store) at each size, in one run: every
// collection an operation reads is filled to that many documents first
// (insertMany batches; the next size adds to the last). Baseline, same run,
// same sizes: the conversation lookup by a filter other than `_id`, which
// FerretDB answers by scanning the collection.
// Each operation runs for --ms (at most 2,000 times; a slow one at least 3
// times) after a warm-up of 0.5 s, from --clients concurrent callers; what a step
// needs that is not the operation (deleting a Redis copy, building a message)
// is done outside the timing. ops/s = clients / mean latency.
// Own database (bench_store_<random>) and Redis prefix, dropped at the end.
import { randomBytes, randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { ensureLocalServices } from '../scripts/local-services';
import { exeName, pct, storePids } from './lib';
import { dropBenchData, insertBatches, openStore, shaped, slotOf, webchatMessage } from './fill';
import type { Store } from '../src/store';
import type { MessageDoc } from '../src/store/models/message.model';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const SIZES = (args.get('sizes') ?? '1000,50000').split(',').map(Number);
const MS = Number(args.get('ms') ?? 2000);
const CLIENTS = Number(args.get('clients') ?? 1);
const MAX_OPS = 2000;
const MIN_OPS = 3;
const WARM_MS = 500;
const MAX_WARM = 300;
/** Slots per conversation in the timeline: enough for last(20) to read a full page. */
const SLOTS = 20;
const COUNTER_TTL_S = 3600;

interface Figure {
  n: number;
  opsPerS: number;
  p50: number;
  p99: number;
}

interface Op {
  name: string;
  /** Untimed preparation of step `i`; what it returns is handed to `run`. */
  prepare?: (i: number) => Promise<unknown> | unknown;
  run: (i: number, prepared: unknown) => Promise<void>;
}

/** Runs `op` for MS (bounded in count and time) from CLIENTS callers after a warm-up; latencies of `run` alone. */
async function measure(op: Op): Promise<Figure> {
  let next = 0;
  const step = async (lat?: number[]) => {
    const i = next++;
    const prepared = op.prepare ? await op.prepare(i) : undefined;
    const t = performance.now();
    await op.run(i, prepared);
    lat?.push(performance.now() - t);
  };
  // Warm-up (JIT, connection pool, SQLite's caches): a first size measured without one reads ~2x slower.
  for (const until = performance.now() + WARM_MS, start = next; next - start < MAX_WARM && (performance.now() < until || next === start); ) await step();
  const lat: number[] = [];
  const until = performance.now() + MS;
  const hardStop = performance.now() + 4 * MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (lat.length < MAX_OPS && (performance.now() < until || lat.length < MIN_OPS) && performance.now() < hardStop) await step(lat);
    }),
  );
  const sorted = [...lat].sort((a, b) => a - b);
  const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
  return { n: lat.length, opsPerS: (CLIENTS * 1000) / mean, p50: pct(sorted, 50), p99: pct(sorted, 99) };
}

/** What the fill made, for the operations to pick from. */
interface Filled {
  conversations: Types.ObjectId[];
  timeline: string[];
  size: number;
}

const pick = <T>(list: T[], i: number): T => list[(i * 7919 + 13) % list.length];
const webKey = (i: number) => `identity:web:bs_${i}`;
const stateId = (i: number) => `webchat/conversations/bs_${i}`;

/** Fills conversations, keys, timeline and botstate from `from.size` documents each up to `size`. */
async function fill(store: Store, from: Filled, size: number): Promise<Filled> {
  const add = size - from.size;
  const conversations = [...from.conversations, ...Array.from({ length: add }, () => new Types.ObjectId())];
  const at = new Date();
  await insertBatches(store.conversations.collection, add, (k) => {
    const i = from.size + k;
    return shaped(store.conversations, { _id: conversations[i], customerId: new Types.ObjectId(), channel: 'webchat', address: `bs_${i}`, createdAt: at, updatedAt: at });
  });
  await insertBatches(store.conn.collection('keys'), add, (k) => ({ _id: webKey(from.size + k), ref: String(new Types.ObjectId()), at }));
  await insertBatches(store.botState.collection, add, (k) =>
    shaped(store.botState, { _id: stateId(from.size + k), state: JSON.stringify({ dialogState: { step: k % 7 }, language: 'en' }), eTag: randomUUID(), createdAt: at, updatedAt: at }),
  );
  // Timeline: SLOTS numbered slots per conversation, and the counters the repository reads first.
  const timeline = [...from.timeline, ...Array.from({ length: Math.ceil(add / SLOTS) }, () => String(new Types.ObjectId()))];
  const first = from.timeline.length;
  await insertBatches(store.conn.collection('timeline'), add, async (k) => {
    const conv = timeline[first + Math.floor(k / SLOTS)];
    const m = await webchatMessage(store, new Types.ObjectId(conv), `bs_${conv}`, (k % SLOTS) + 1, at);
    return slotOf(m);
  });
  const counters = store.redis.pipeline();
  for (const conv of timeline.slice(first)) counters.set(store.redisKeys.seq(conv), SLOTS, 'EX', COUNTER_TTL_S);
  await counters.exec();
  return { conversations, timeline, size };
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench:store: ${what}`);
}

/** The operations at one size, in the order they are printed. */
function operations(store: Store, f: Filled): Op[] {
  const hot = stateId(0);
  const putConversation = new Types.ObjectId();
  const coldKeys: string[] = [];
  const scanRow = (i: number) => `bs_${(i * 7919 + 13) % f.size}`;
  return [
    {
      name: 'conversations.findOne {_id}',
      run: async (i) => expect((await store.conversations.findOne({ _id: pick(f.conversations, i) }).lean()) !== null, 'conversation by _id not found'),
    },
    {
      name: 'baseline: findOne {channel, address} (scan)',
      run: async (i) => expect((await store.conversations.findOne({ channel: 'webchat', address: scanRow(i) }).lean()) !== null, 'conversation by address not found'),
    },
    {
      name: 'refs.get, cold (Redis copy deleted)',
      prepare: async (i) => {
        const key = webKey((i * 7919 + 13) % f.size);
        await store.redis.del(store.redisKeys.ref(key));
        coldKeys.push(key);
        return key;
      },
      run: async (_i, key) => expect((await store.refs.get(key as string)) !== null, 'key not found'),
    },
    {
      name: 'refs.get, warm (Redis copy)',
      run: async (i) => expect((await store.refs.get(pick(coldKeys, i))) !== null, 'key not found'),
    },
    {
      name: 'refs.claim, new key',
      prepare: () => `claim:${randomBytes(8).toString('hex')}`,
      run: async (_i, key) => void (await store.refs.claim(key as string, 'bench')),
    },
    {
      name: 'refs.claim, key taken',
      run: async (i) => expect((await store.refs.claim(webKey((i * 7919 + 13) % f.size), 'bench')) !== 'bench', 'a taken key was claimed again'),
    },
    {
      name: 'timeline.put',
      prepare: (i) => webchatMessage(store, putConversation, 'bs_put', i + 1, new Date()),
      run: async (_i, m) => store.timeline.put(m as MessageDoc),
    },
    {
      name: 'timeline.since, nothing new',
      run: async (i) => expect((await store.timeline.since(pick(f.timeline, i), SLOTS)).messages.length === 0, 'a poll at the top found messages'),
    },
    {
      name: 'timeline.since, 5 new',
      run: async (i) => expect((await store.timeline.since(pick(f.timeline, i), SLOTS - 5)).messages.length === 5, 'a poll 5 behind did not find 5'),
    },
    {
      name: 'timeline.last(20)',
      run: async (i) => expect((await store.timeline.last(pick(f.timeline, i), 20)).length === 20, 'last(20) did not find 20'),
    },
    {
      name: 'exclusive.change (botState, one doc)',
      run: async (i) => {
        const r = await store.exclusive.change(store.botState, 'botstate', hot, () => ({ $set: { state: JSON.stringify({ turn: i }), eTag: randomUUID() } }));
        expect(r !== null, 'the hot document was not changed');
      },
    },
  ];
}

function table(results: Map<string, Figure[]>): string[] {
  const col = (s: string) => s.padStart(9);
  const head = SIZES.map((n) => `${`${n.toLocaleString('en')} documents`.padStart(36)}`).join('   ');
  const sub = SIZES.map(() => [col('n'), col('ops/s'), col('p50 ms'), col('p99 ms')].join('')).join('   ');
  const out = [`${''.padEnd(46)}${head}`, `${'operation'.padEnd(46)}${sub}`];
  for (const [name, figs] of results) {
    const cells = figs.map((f) => [col(String(f.n)), col(f.opsPerS.toFixed(f.opsPerS < 10 ? 1 : 0)), col(f.p50.toFixed(2)), col(f.p99.toFixed(2))].join('')).join('   ');
    out.push(`${name.padEnd(46)}${cells}`);
  }
  return out;
}

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const db = `bench_store_${randomBytes(4).toString('hex')}`;
  const store = storePids().map(exeName).join(', ') || 'store process not found';
  console.log(`bench:store  ${CLIENTS} caller(s), ${MS / 1000} s per operation (at most ${MAX_OPS}), database ${db}, store: ${store}\n`);
  const { store: s, close } = await openStore(mongoUri, redisUrl, db);
  const results = new Map<string, Figure[]>();
  try {
    let filled: Filled = { conversations: [], timeline: [], size: 0 };
    for (const size of SIZES) {
      const t = performance.now();
      filled = await fill(s, filled, size);
      console.log(`filled conversations, keys, timeline and botstate to ${size.toLocaleString('en')} documents each in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const ops = operations(s, filled);
      // A first pass of the cheapest read, thrown away: the bench process's JIT and connections take ~2 s to settle.
      if (size === SIZES[0]) await measure(ops[0]);
      for (const op of ops) {
        const fig = await measure(op);
        results.set(op.name, [...(results.get(op.name) ?? []), fig]);
      }
    }
    console.log('');
    for (const l of table(results)) console.log(l);
    const byId = results.get('conversations.findOne {_id}') ?? [];
    const scan = results.get('baseline: findOne {channel, address} (scan)') ?? [];
    console.log(`\nscan vs {_id} (p50): ${SIZES.map((n, i) => `${(scan[i].p50 / byId[i].p50).toFixed(0)}× at ${n.toLocaleString('en')}`).join(', ')}`);
  } finally {
    await close();
    await dropBenchData(mongoUri, redisUrl, [db]);
  }
}

main().catch((err: Error) => {
  console.error(`bench:store: ${err.stack ?? err.message}`);
  process.exit(1);
});
