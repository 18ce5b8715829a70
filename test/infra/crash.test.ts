// A process that meets an error nobody handled says so in its log and exits
// with an error, so `npm start` (or the platform) starts a clean one.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function run(code: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['-e', code], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('exit', (status) => resolve({ status, out }));
  });
}

const PRELUDE = "import { createLogger, exitOnCrash } from './src/infra/logger'; exitOnCrash(createLogger('info', 'crash-test')); const keepAlive = setInterval(() => undefined, 1000);";

describe('a process that meets an unhandled error', () => {
  it('when a promise rejects with nobody to catch it, then the process logs it as fatal and exits with 1', async () => {
    const { status, out } = await run(`${PRELUDE} void keepAlive; void Promise.reject(new Error('boom in a forgotten promise'));`);
    expect(status).toBe(1);
    const line = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { level: number; msg: string; err?: { message: string } };
    expect(line).toMatchObject({ level: 60, msg: 'unhandled rejection: the process exits', err: { message: 'boom in a forgotten promise' } });
  }, 30000);

  it('when a callback throws, then the process logs it as fatal and exits with 1', async () => {
    const { status, out } = await run(`${PRELUDE} void keepAlive; setTimeout(() => { throw new Error('boom in a timer'); }, 10);`);
    expect(status).toBe(1);
    expect(out).toContain('uncaught exception: the process exits');
    expect(out).toContain('boom in a timer');
  }, 30000);
});
