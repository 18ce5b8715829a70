// Starts a whole gateway for a test file: web app on a loopback port with its
// sockets, and (optionally) the outbound worker, against real FerretDB/MongoDB
// and Redis, in a database and queue prefix of its own. Nothing is mocked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { loadConfig, Config } from '../../src/config';
import { createLogger } from '../../src/infra/logger';
import { attachRealtime, createApp, createInfra, createServices, Infra, ServiceOptions, Services } from '../../src/app';
import { startWorker } from '../../src/outbound/worker';
import type { ChannelSender } from '../../src/outbound/outbound.processor';
import type { Role } from '../../src/operators/operators.service';

export const DL_SECRET = 'test-directline-secret-0123456789';

export function testServiceUrls(): { mongo: string; redis: string } {
  const mongo = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  const redis = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (!mongo || !redis) throw new Error('run the tests with `npm test` (it starts the local store and Redis)');
  return { mongo: mongo.replace(/\/[^/]*$/, ''), redis };
}

export interface Gateway {
  url: string;
  config: Config;
  infra: Infra;
  services: Services;
  server: http.Server;
  http: ReturnType<typeof request>;
  /** Creates an operator and returns a session token for it. */
  login(roles?: Role[], name?: string): Promise<{ token: string; id: string; email: string; password: string }>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  worker?: boolean;
  env?: Record<string, string>;
  senders?: Record<string, ChannelSender>;
  /** Seams such as the clock the flows read business hours from. */
  services?: ServiceOptions;
}

export async function startGateway(name: string, opts: GatewayOptions = {}): Promise<Gateway> {
  const { mongo, redis } = testServiceUrls();
  const id = `${name.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: `${mongo}/t_${id}`,
    REDIS_URL: redis,
    QUEUE_PREFIX: `t_${id}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DIRECTLINE_SECRET: DL_SECRET,
    SESSION_SECRET: 'test-session-secret-0123456789',
    SEED_DEMO: 'false',
    // Tests speak as clients behind a local proxy (X-Forwarded-For from loopback); the default trusts none.
    TRUST_PROXY: 'loopback',
    ...opts.env,
  });
  const logger = createLogger(config.LOG_LEVEL, 'test');
  const infra = await createInfra(config, logger);
  const services = createServices(infra, opts.services);
  const app = createApp(infra, services);
  const server = http.createServer(app);
  const wss = attachRealtime(server, infra, services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const worker = opts.worker !== false ? startWorker(infra, services, opts.senders) : null;
  let n = 0;
  return {
    url,
    config,
    infra,
    services,
    server,
    http: request(url),
    async login(roles: Role[] = ['operator'], opName?: string) {
      n++;
      const email = `op${n}_${randomBytes(3).toString('hex')}@test.example`;
      const password = `pw-${randomBytes(8).toString('hex')}`;
      const op = await services.operators.create({ name: opName ?? `Operator ${n}`, email, password, roles });
      return { token: services.operators.issue(op), id: String(op._id), email, password };
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await infra.conn.dropDatabase().catch(() => undefined);
      await worker?.stop();
      await infra.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
