// Every Redis key name the gateway uses for the store's sake, built in one
// place: leases, caches of keyed documents, sequence counters and the queue
// indexes; and the workers' heartbeats. All of them start with the deployment's prefix, so two gateways
// (or two test files) share a Redis without seeing each other.
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The lease on one object (see exclusive.ts). */
  lease(key: string): string {
    return `${this.prefix}:lease:${key}`;
  }

  /** A cached copy of a keyed document's reference (see keys.ts). */
  ref(key: string): string {
    return `${this.prefix}:ref:${key}`;
  }

  /** A conversation's next sequence number (see timeline.ts). */
  seq(conversationId: string): string {
    return `${this.prefix}:seq:${conversationId}`;
  }

  /** A queue's waiting escalations, scored by priority and age (see queue-index.ts). */
  queue(name: string): string {
    return `${this.prefix}:queue:${name}`;
  }

  /** The names of the queues that have an index, and the mark that the indexes were rebuilt. */
  queueNames(): string {
    return `${this.prefix}:queues`;
  }

  queuesBuilt(): string {
    return `${this.prefix}:queues:built`;
  }

  /** The workers' heartbeats (infra/heartbeat.ts). */
  workers(): string {
    return `${this.prefix}:workers`;
  }

  /** Where an escalation sits in the queue indexes: its queue name. */
  queued(escalationId: string): string {
    return `${this.prefix}:queued:${escalationId}`;
  }
}
