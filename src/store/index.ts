// The store: every read and write of MongoDB (or FerretDB) goes through the
// models and repositories built here, once per connection, and every
// exclusive state change through `exclusive`. Services receive a Store; none
// builds a model, a lease or a Redis key for the store's sake on its own.
// README.md beside this file says what the layer promises and why.
import type { Connection } from 'mongoose';
import type { Redis } from '../infra/redis';
import { RedisKeys } from './redis-keys';
import { Exclusive, ExclusiveOptions } from './exclusive';
import { KeyRepository } from './keys';
import { TimelineRepository } from './timeline';
import { QueueIndex, Placed } from './queue-index';
import { EmailStore } from './email.repo';
import { MessagingOutbox } from './models/outbox.model';
import { customerModel } from './models/customer.model';
import { conversationModel } from './models/conversation.model';
import { messageModel } from './models/message.model';
import { escalationModel } from './models/escalation.model';
import { operatorModel } from './models/operator.model';
import { caseModel, counterModel, satisfactionModel } from './models/case.model';
import { callModel } from './models/call.model';
import { botStateModel, BotStateDoc } from './models/bot-state.model';

export { LeaseBusyError, LeaseLostError, StaleWriteError } from './exclusive';
export type { Lease, Update } from './exclusive';
export { isDuplicateKey } from './errors';

export interface StoreOptions {
  exclusive?: ExclusiveOptions;
  /** The clock that decides when a hole in a conversation's numbering is old enough to skip. */
  now?: () => number;
}

export function createStore(conn: Connection, redis: Redis, prefix: string, opts: StoreOptions = {}) {
  const keys = new RedisKeys(prefix);
  const exclusive = new Exclusive(redis, keys, opts.exclusive);
  const escalations = escalationModel(conn);
  return {
    conn,
    redis,
    redisKeys: keys,
    exclusive,
    /** Lookups by natural key (identity, address, provider id, call sid), answered by `_id`. */
    refs: new KeyRepository(conn, redis, keys),
    timeline: new TimelineRepository(conn, redis, keys, opts.now),
    customers: customerModel(conn),
    conversations: conversationModel(conn),
    messages: messageModel(conn),
    escalations,
    /** The queues and each operator's assigned escalations, in Redis, rebuilt from `escalations`. */
    queueIndex: new QueueIndex(redis, keys, exclusive, () =>
      escalations.find({ status: { $in: ['queued', 'assigned'] } }, { status: 1, queue: 1, priority: 1, queuedAt: 1, operatorId: 1 }).lean<Placed[]>(),
    ),
    operators: operatorModel(conn),
    cases: caseModel(conn),
    caseCounters: counterModel(conn),
    satisfaction: satisfactionModel(conn),
    calls: callModel(conn),
    botState: botStateModel(conn),
    /** The same documents through the driver alone, for the read every turn makes. */
    botStateDocs: conn.collection<BotStateDoc>('botstate'),
    email: new EmailStore(conn),
    outbox: new MessagingOutbox(conn),
  };
}

export type Store = ReturnType<typeof createStore>;
