// `npm start`: makes sure local services run (unless MONGODB_URI/REDIS_URL
// are set), then runs the web and worker processes with demo content.
// Ctrl-C stops both. Production runs the Procfile's processes instead.
import { spawn, ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureLocalServices } from './local-services';

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
  const children: ChildProcess[] = ['src/server.ts', 'src/worker.ts'].map((entry) =>
    spawn(tsx, [entry], { cwd: ROOT, env, stdio: 'inherit' }),
  );
  let exiting = false;
  const stopAll = (code: number) => {
    if (exiting) return;
    exiting = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 500).unref();
  };
  for (const c of children) c.on('exit', (code) => stopAll(code ?? 0));
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  const port = process.env.PORT ?? '3000';
  console.log(`\nSwitchboard: web chat demo http://localhost:${port}/  operator console http://localhost:${port}/console/\n`);
}

main().catch((err: Error) => {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
});
