// A process of the email benchmark (started by bench/email.ts, talks over IPC):
//   bare   – a bare smtp-server that accepts and discards every mail (the baseline);
//   web    – the gateway's SMTP listener storing mails into conversations;
//   worker – the gateway's outbound worker sending the acknowledgements (sandbox outbox).
// Each reports the time from the end of DATA to its 250 answer.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/infra/logger';
import { createInfra, createServices, Infra } from '../src/app';
import { startWorker } from '../src/outbound/worker';
import { createEmailChannel, startEmailListener } from '../src/channels/email';

type Msg = { type: 'stats' } | { type: 'stop' };

const role = process.argv[2];
const latencies: number[] = [];
let close: () => Promise<void> = async () => undefined;
let counts: () => Promise<Record<string, number>> = async () => ({});

function send(m: unknown): void {
  process.send?.(m);
}

async function bare(): Promise<number> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const t = performance.now();
        callback();
        latencies.push(performance.now() - t);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return (server.server.address() as AddressInfo).port;
}

async function gateway(withListener: boolean): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, `bench-${role}`);
  const infra: Infra = await createInfra(config, logger);
  const services = createServices(infra);
  const channel = createEmailChannel(infra, services);
  await channel.store.init();
  counts = async () => ({
    mails: await infra.conn.collection('email_messages').countDocuments({ direction: 'in' }),
    conversations: await infra.conn.collection('conversations').countDocuments({ channel: 'email' }),
    acknowledgementsQueued: await infra.conn.collection('messages').countDocuments({ channel: 'email', direction: 'out' }),
    acknowledgementsSent: await infra.conn.collection('email_messages').countDocuments({ direction: 'out', status: 'sandbox' }),
  });
  if (!withListener) {
    startWorker(infra, services);
    close = () => infra.close();
    return 0;
  }
  const listener = await startEmailListener(infra, services, { port: 0, host: '127.0.0.1', maxRecipients: 5, onStored: (ms) => latencies.push(ms) });
  close = async () => {
    await listener.close();
    await infra.conn.dropDatabase().catch(() => undefined);
    await infra.close();
  };
  return listener.port;
}

async function main(): Promise<void> {
  const port = role === 'bare' ? await bare() : await gateway(role === 'web');
  process.on('message', (m: Msg) => {
    if (m.type === 'stats') {
      void counts().then((c) => send({ type: 'stats', latencies: latencies.splice(0), counts: c }));
    } else if (m.type === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
  send({ type: 'ready', port });
}

main().catch((err: Error) => {
  process.stderr.write(`bench email-node ${role}: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
