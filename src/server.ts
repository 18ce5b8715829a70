// The web process: channel webhooks, Direct Line, the operator API and
// console, realtime sockets. Stops gracefully on SIGTERM/SIGINT.
import http from 'node:http';
import { loadConfig } from './config';
import { createLogger, exitOnCrash } from './infra/logger';
import { attachRealtime, createApp, createInfra, createServices } from './app';
import { seedAccounts } from './operators/seed';
import { startEmailListener } from './channels/email';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'web');
  exitOnCrash(logger);
  const infra = await createInfra(config, logger);
  const services = createServices(infra);
  const seeded = await seedAccounts(config, services.operators);
  const app = createApp(infra, services);
  const server = http.createServer(app);
  const wss = attachRealtime(server, infra, services);
  server.keepAliveTimeout = 65000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, resolve);
  });
  logger.info({ port: config.PORT, publicUrl: config.PUBLIC_BASE_URL }, 'web listening');
  // The inbound SMTP listener runs in the web process when SMTP_PORT is set.
  const smtp = config.SMTP_PORT !== undefined ? await startEmailListener(infra, services) : null;
  for (const a of seeded) logger.info({ email: a.email, roles: a.roles }, 'demo operator created');
  if (seeded.length) {
    // Shown once, on the terminal of whoever ran `npm start`; never logged.
    process.stdout.write(
      `\nDemo accounts (shown once; passwords are stored hashed):\n${seeded.map((a) => `  ${a.roles.join(',').padEnd(11)} ${a.email}  ${a.password}`).join('\n')}\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    for (const ws of wss.clients) ws.close(1001, 'server restarting');
    // Keep-alive sockets would hold close() open: answer what is in flight, then hang up.
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.setHeader('Connection', 'close'));
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearInterval(idle);
    await smtp?.close();
    await infra.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  createLogger('error', 'web').fatal({ err }, 'web failed to start');
  process.exit(1);
});
