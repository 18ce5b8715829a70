// Prometheus metrics, one registry per app instance (tests build several).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  turns: Counter<'channel'>;
  escalations: Counter<'reason'>;
  queueDepth: Gauge<'queue'>;
  workersAlive: Gauge;
}

export function createMetrics(queueDepth?: () => Promise<Record<string, number>>, workersAlive?: () => Promise<number>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    turns: new Counter({ name: 'bot_turns_total', help: 'Bot turns run', labelNames: ['channel'], registers: [registry] }),
    escalations: new Counter({
      name: 'escalations_total',
      help: 'Conversations escalated to a person',
      labelNames: ['reason'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'escalation_queue_depth',
      help: 'Escalations waiting for an operator',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        if (!queueDepth) return;
        this.reset();
        for (const [queue, n] of Object.entries(await queueDepth())) this.set({ queue }, n);
      },
    }),
    workersAlive: new Gauge({
      name: 'switchboard_workers_alive',
      help: 'Worker processes heard from within three heartbeats',
      registers: [registry],
      async collect() {
        if (workersAlive) this.set(await workersAlive());
      },
    }),
  };
}
