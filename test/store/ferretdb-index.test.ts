// The data layer reads by `_id` because that is the one lookup the local
// store answers from an index (FerretDB 1.24 on SQLite, patched so `{_id}`
// reaches SQLite's index); any other filter decodes every document. This
// compares the two in one run, as a ratio, so a slow machine does not matter.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../src/infra/mongo';
import { testServiceUrls } from '../helpers/gateway';

const DOCS = 20000;
const BATCH = 1000;
const BY_ID = 200;
const BY_FIELD = 5;

interface Doc {
  _id: string;
  n: number;
  code: string;
}

describe('store: the local store answers a lookup by _id from its index', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connectMongo(`${testServiceUrls().mongo}/t_store_index_${randomBytes(3).toString('hex')}`);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it(`when a collection holds ${DOCS} documents, then findOne({_id}) is far faster than findOne on another field`, async () => {
    const db = conn.db;
    if (!db) throw new Error('not connected');
    const build = await db.admin().command({ buildInfo: 1 });
    // On MongoDB there is no index on `code` either, so it scans too and the same ratio holds.
    const server = typeof build.ferretdbVersion === 'string' ? `FerretDB ${build.ferretdbVersion}` : `MongoDB ${String(build.version)}`;

    const docs = db.collection<Doc>('docs');
    for (let from = 0; from < DOCS; from += BATCH) {
      await docs.insertMany(Array.from({ length: BATCH }, (_, i) => ({ _id: `doc-${from + i}`, n: from + i, code: `code-${from + i}` })), { ordered: false });
    }
    expect(await docs.countDocuments()).toBe(DOCS);

    // Spread over the collection; the field lookups ask for the newest documents, which a scan reaches last.
    const ids = Array.from({ length: BY_ID }, (_, i) => Math.floor((i * DOCS) / BY_ID) + (i % 7));
    const codes = Array.from({ length: BY_FIELD }, (_, i) => DOCS - 1 - i);
    await docs.findOne({ _id: 'doc-0' });

    let t = performance.now();
    for (const n of ids) expect((await docs.findOne({ _id: `doc-${n}` }))?.n).toBe(n);
    const perId = (performance.now() - t) / BY_ID;

    t = performance.now();
    for (const n of codes) expect((await docs.findOne({ code: `code-${n}` }))?.n).toBe(n);
    const perScan = (performance.now() - t) / BY_FIELD;

    const ratio = perScan / perId;
    // Printed so a regression (an unpatched FerretDB scans `{_id}` too) shows its figures.
    process.stdout.write(`${server}, ${DOCS} documents: findOne({_id}) ${perId.toFixed(2)} ms, findOne({code}) ${perScan.toFixed(1)} ms, ratio ${ratio.toFixed(0)}\n`);
    expect(ratio).toBeGreaterThan(20);
  }, 120000);
});
