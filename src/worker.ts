// The worker process: bull processors (outbound delivery today). Finishes
// the jobs in hand before stopping on SIGTERM/SIGINT.
import { loadConfig } from './config';
import { createLogger, exitOnCrash } from './infra/logger';
import { createInfra, createServices } from './app';
import { startWorker } from './outbound/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  exitOnCrash(logger);
  const infra = await createInfra(config, logger);
  const services = createServices(infra);
  const worker = startWorker(infra, services);
  logger.info('worker running');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker shutting down');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await worker.stop();
    await infra.close(); // bull's close waits for active jobs
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  createLogger('error', 'worker').fatal({ err }, 'worker failed to start');
  process.exit(1);
});
