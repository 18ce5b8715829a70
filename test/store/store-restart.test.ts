// Nothing acknowledged is lost when the store dies mid-write: a customer's
// message that got its 200 is stored exactly once after the store comes
// back, one that got an error is stored at most once, and the gateway goes
// on by itself. The store here is a FerretDB of this test's own (same build
// as the local one, its own port and data), killed with SIGKILL while web
// chat messages are being written, and started again on the same data.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ferretDbArgs, ferretDbBinary } from '../../scripts/local-services';
import { startGateway, Gateway, DL_SECRET, eventually } from '../helpers/gateway';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('when the store is killed mid-write and comes back', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-store-restart-'));
  let port = 0;
  let store: ChildProcess;
  let gw: Gateway;

  async function startStore(): Promise<void> {
    store = spawn(ferretDbBinary(), ferretDbArgs(dataDir, port), { stdio: 'ignore' });
    await eventually(async () => (await listening(port)) || undefined, 30000, 50);
  }

  async function killStore(): Promise<void> {
    const exited = new Promise((r) => store.once('exit', r));
    store.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    await startStore();
    gw = await startGateway('storerestart', { env: { MONGODB_URI: `mongodb://127.0.0.1:${port}/t_restart` }, worker: false });
  }, 120000);
  afterAll(async () => {
    await gw?.close();
    store?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('then every acknowledged message is stored exactly once, and none is stored twice', async () => {
    const started = await request(gw.url).post('/v3/directline/conversations').set('Authorization', `Bearer ${DL_SECRET}`).expect(201);
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const send = (text: string) =>
      request(gw.url)
        .post(`/v3/directline/conversations/${conversationId}/activities`)
        .set('Authorization', `Bearer ${token}`)
        .send({ type: 'message', from: { id: 'restart-customer' }, text });

    const TOTAL = 40;
    const LANES = 4;
    const acked = new Set<string>();
    const refused = new Set<string>();
    let restarted: Promise<void> | null = null;
    let next = 0;
    const lane = async () => {
      while (next < TOTAL) {
        const text = `message ${next++}`;
        const res = await send(text).catch(() => null);
        if (res?.status === 200) acked.add(text);
        else refused.add(text);
        // The store dies once a few messages are in, with others on their way.
        if (acked.size >= 8 && !restarted) restarted = killStore().then(startStore);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await restarted;
    expect(acked.size + refused.size).toBe(TOTAL);

    // After the restart the gateway works without being restarted itself.
    await eventually(async () => ((await send('after the restart')).status === 200 ? true : undefined), 30000, 200);
    acked.add('after the restart');

    const history = await gw.services.conversations.history(conversationId);
    const inbound = history.filter((m) => m.direction === 'in').map((m) => m.text);
    for (const text of acked) expect(inbound.filter((t) => t === text)).toHaveLength(1);
    for (const text of refused) expect(inbound.filter((t) => t === text).length).toBeLessThanOrEqual(1);
    expect(new Set(inbound).size).toBe(inbound.length);
  }, 120000);
});
