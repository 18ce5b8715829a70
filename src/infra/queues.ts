// bull queues. Producers and processors are separate roles: the web process
// only adds jobs; the worker process runs them. Each queue gets its own
// Redis connections as bull requires; the prefix isolates environments/tests.
import Queue from 'bull';
import type { Queue as BullQueue } from 'bull';

export type { BullQueue };

export const QUEUE_NAMES = { outbound: 'outbound', transcribe: 'transcribe' } as const;

export function createQueue<T>(name: string, redisUrl: string, prefix: string): BullQueue<T> {
  return new Queue<T>(name, redisUrl, {
    prefix: `${prefix}:bull`,
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
  });
}
