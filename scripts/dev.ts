// `npm start`: makes sure local services run (unless MONGODB_URI/REDIS_URL
// are set), then runs the web and worker processes with demo content, each
// started again if it dies (supervisor.ts). Ctrl-C stops both. Production
// runs the Procfile's processes under its own supervisor instead.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureLocalServices } from './local-services';
import { Supervisor } from './supervisor';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const env = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    MONGODB_URI: process.env.MONGODB_URI ?? `${mongoUri.replace(/\/$/, '')}/switchboard`,
    REDIS_URL: redisUrl,
  };
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const supervisor = new Supervisor({
    spawn: (entry) => spawn(tsx, [entry], { cwd: ROOT, env, stdio: 'inherit' }),
    log: (line) => console.error(`npm start: ${line}`),
  });
  for (const entry of ['src/server.ts', 'src/worker.ts']) supervisor.start(entry);
  const stopAll = () => {
    supervisor.stop();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  const port = process.env.PORT ?? '3000';
  console.log(`\nSwitchboard: web chat demo http://localhost:${port}/  operator console http://localhost:${port}/console/\n`);
}

main().catch((err: Error) => {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
});
