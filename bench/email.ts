// npm run bench:email [-- --mails 300 --concurrency 4 --kb 50 --seconds 60]
// Mails per second through the gateway's SMTP listener into a stored
// conversation with a bot acknowledgement queued (the worker, a process of
// its own, sends them to the sandbox outbox), and latency from the end of
// DATA to stored (p50/p99, measured by the listener). Baseline in the same
// run: a bare smtp-server accepting and discarding the same mails. The
// client is nodemailer with a pool of `concurrency` connections; mails are
// ~50 KB (a short new text over quoted history, an HTML alternative and a
// photo), half of them FAQ questions, half complaints for the email queue.
import { fork, ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import nodemailer from 'nodemailer';
import { ensureLocalServices } from '../scripts/local-services';

const ROOT = path.resolve(__dirname, '..');
const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const MAILS = Number(args.get('mails') ?? 300);
const CONCURRENCY = Number(args.get('concurrency') ?? 4);
const KB = Number(args.get('kb') ?? 50);
const SECONDS = Number(args.get('seconds') ?? 60);
const SUPPORT = 'support@bench.test';

interface Stats {
  latencies: number[];
  counts: Record<string, number>;
}

const children = new Set<ChildProcess>();

function node(role: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  // stdout too: at LOG_LEVEL=warn the gateway only speaks when something fails.
  const child = fork(path.join(ROOT, 'bench', 'email-node.ts'), [role], { cwd: ROOT, env: { ...process.env, ...env }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start`)), 60000);
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    child.on('message', (m: { type: string; port?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, port: m.port ?? 0 });
      }
    });
  });
}

function ask(child: ChildProcess): Promise<Stats> {
  return new Promise((resolve) => {
    const on = (m: { type: string } & Stats) => {
      if (m.type !== 'stats') return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type: 'stats' });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.send({ type: 'stop' });
  });
}

const QUOTED =
  '> Thank you for writing to Vala Telecom. We have received your message and opened a ticket; one of our operators will reply to this email.\n' +
  '> The fibre connection drops in the evening, the router lights turn red, and restarting it does not help for long.\n';
const QUESTIONS = ['What are your opening hours?', 'How much does roaming cost in Italy?', 'How can I pay my bill?', 'How do I get an eSIM?'];

/** ~50 KB like a real support mail: a short new text over quoted history, an HTML alternative, a photo. */
function mail(i: number, from: string) {
  const target = KB * 1024;
  const faq = i % 2 === 0;
  const first = faq ? QUESTIONS[i % QUESTIONS.length] : 'Your technician did not come on Tuesday and nobody called me. I took a day off for this and I would like to know when someone will come.';
  const quoted = QUOTED.repeat(Math.ceil((target * 0.15) / QUOTED.length));
  const text = `${first}\n\nBest regards\nCustomer ${i}\n\nOn Mon, 3 Mar 2025 at 10:00, Vala Telecom <${SUPPORT}> wrote:\n${quoted}`;
  const html = `<html><body><p>${first}</p><p>Best regards<br>Customer ${i}</p><div class="gmail_quote"><blockquote>${quoted.replace(/\n/g, '<br>\n')}</blockquote></div></body></html>`;
  const attachment = randomBytes(Math.floor(target * 0.58 * 0.75));
  return {
    from,
    to: SUPPORT,
    subject: faq ? first : `Complaint ${i}: technician never came`,
    messageId: `<bench-${i}-${randomBytes(6).toString('hex')}@customer.example>`,
    text,
    html,
    attachments: [{ filename: 'photo.jpg', content: attachment, contentType: 'image/jpeg' }],
  };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

interface Run {
  sent: number;
  errors: number;
  seconds: number;
  client: number[];
  server: number[];
  counts: Record<string, number>;
  rawBytes: number;
}

async function load(port: number, child: ChildProcess, warmup = 20): Promise<Run> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: CONCURRENCY, maxMessages: Infinity });
  const senders = Array.from({ length: 50 }, (_, k) => `customer${k}-${randomBytes(3).toString('hex')}@customer.example`);
  for (let i = 0; i < warmup; i++) await client.sendMail(mail(i, senders[i % senders.length])).catch(() => undefined);
  await ask(child); // drop the warm-up latencies
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const until = Date.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MAILS && Date.now() < until) {
        const i = warmup + next++;
        const t = performance.now();
        try {
          await client.sendMail(mail(i, senders[i % senders.length]));
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  const stats = await ask(child);
  const raw = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(mail(0, senders[0]));
  return { sent: latencies.length, errors, seconds, client: latencies.sort((a, b) => a - b), server: stats.latencies.sort((a, b) => a - b), counts: stats.counts, rawBytes: (raw.message as Buffer).length };
}

function line(name: string, r: Run): string {
  const rate = r.sent / r.seconds;
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `${name.padEnd(34)} ${String(r.sent).padStart(5)} mails ${rate.toFixed(1).padStart(7)}/s  end-of-DATA→stored p50 ${f(pct(r.server, 50))} ms p99 ${f(pct(r.server, 99))} ms  client send p50 ${f(pct(r.client, 50))} ms p99 ${f(pct(r.client, 99))} ms  errors ${r.errors}`;
}

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const db = `bench_email_${randomBytes(3).toString('hex')}`;
  const env = {
    NODE_ENV: 'test',
    MONGODB_URI: `${mongoUri.replace(/\/[^/]*$/, '').replace(/\/$/, '')}/${db}`,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: db,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    SUPPORT_EMAIL: SUPPORT,
    EMAIL_TRANSPORT: 'sandbox',
    EMAIL_AUTOREPLY_LIMIT: '1000000',
  };
  const kill = setTimeout(() => {
    process.stderr.write('bench:email took too long, stopping\n');
    for (const c of children) c.kill('SIGKILL');
    process.exit(2);
  }, (SECONDS * 2 + 180) * 1000);
  kill.unref();

  const bare = await node('bare', env);
  const baseline = await load(bare.port, bare.child);
  await stop(bare.child);

  const worker = await node('worker', env);
  const web = await node('web', env);
  const gateway = await load(web.port, web.child);
  // Let the worker send the acknowledgements, then count what was stored and sent.
  let counts = gateway.counts;
  for (let i = 0; i < 60 && (counts.acknowledgementsSent ?? 0) < (counts.conversations ?? 0); i++) {
    await new Promise((r) => setTimeout(r, 500));
    counts = (await ask(web.child)).counts;
  }
  await stop(worker.child);
  await stop(web.child);
  const conn = await mongoose.createConnection(env.MONGODB_URI).asPromise();
  await conn.dropDatabase().catch(() => undefined);
  await conn.close();

  console.log(`bench:email  ${MAILS} mails of ${(gateway.rawBytes / 1024).toFixed(0)} KB, ${CONCURRENCY} SMTP connections, 2-core machine, client and servers on one host\n`);
  console.log(line('baseline: bare smtp-server', baseline));
  console.log(line('gateway: stored + acknowledgement', gateway));
  console.log(`\n  rate vs baseline: ${((100 * gateway.sent) / gateway.seconds / (baseline.sent / baseline.seconds)).toFixed(0)}%   (target ≥ 30%)`);
  console.log(`  p99 end-of-DATA→stored: ${pct(gateway.server, 99).toFixed(1)} ms   (target < 100 ms)`);
  console.log(`  stored: ${counts.mails} mails, ${counts.conversations} conversations, ${counts.acknowledgementsQueued} acknowledgements queued, ${counts.acknowledgementsSent} sent to the outbox (incl. warm-up)\n`);
}

main().catch((err: Error) => {
  console.error(`bench:email failed: ${err.stack ?? err.message}`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
