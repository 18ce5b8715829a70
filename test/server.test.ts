// The web process as an operator runs it: starts from the environment,
// answers, and on SIGTERM finishes what is in flight and exits cleanly.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { testServiceUrls } from './helpers/gateway';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('web process', () => {
  it('when it gets SIGTERM, then in-flight requests finish and it exits with 0', async () => {
    const { mongo, redis } = testServiceUrls();
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, NODE_ENV: 'test', PORT: String(port), MONGODB_URI: `${mongo}/t_server_${port}`, REDIS_URL: redis, QUEUE_PREFIX: `t_server_${port}`, LOG_LEVEL: 'warn', SEED_DEMO: 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const until = Date.now() + 20000;
    for (;;) {
      try {
        if ((await fetch(`${base}/readyz`)).ok) break;
      } catch {
        /* starting */
      }
      if (Date.now() > until) throw new Error(`server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const inFlight = fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: { Authorization: 'Bearer dev-directline-secret-change-me' } });
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(await exited).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 40000);
});
