// Cases: create (numbered once each), find by id or number, list, change
// status with history; and satisfaction scores with their report. Only this
// module touches cases, their counter and satisfaction scores; numbering and
// status changes go through the store's one primitive, and a case is found
// by its number through a key document (by `_id`).
import { Types, isValidObjectId } from 'mongoose';
import type { CaseDoc } from '../store/models/case.model';
import { isDuplicateKey, Store } from '../store';
import { CASE_STATUSES, FINAL_STATUSES, type CaseFieldValue, type CaseStatus, type CaseType } from './case.types';
import { ConflictError, NotFoundError, ValidationError } from '../infra/errors';

export type { CaseDoc };

type NewCaseDoc = Record<string, unknown> & { number?: number };

/** Numbers start above this, so even the first case has a number that reads like one. */
const FIRST_NUMBER = 1000;
const FIELD_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_NUMBER_ATTEMPTS = 50;

export interface NewCase {
  type: CaseType;
  fields?: Record<string, CaseFieldValue>;
  summary?: string;
  conversationId?: Types.ObjectId | string | null;
  customerId?: Types.ObjectId | string | null;
  channel?: string;
  language?: string;
  source: 'bot' | 'operator';
  by?: { operatorId: string; name: string };
}

export interface CaseFilter {
  type?: CaseType;
  status?: CaseStatus;
  conversationId?: string;
  customerId?: string;
  number?: number;
}

export interface SatisfactionReport {
  count: number;
  average: number | null;
  byScore: Record<'1' | '2' | '3' | '4' | '5', number>;
}

function oid(v: Types.ObjectId | string | null | undefined): Types.ObjectId | null {
  if (!v) return null;
  if (!isValidObjectId(v)) throw new ValidationError(`not a valid id: ${String(v)}`);
  return new Types.ObjectId(String(v));
}

const numberKey = (n: number) => `case-number:${n}`;

export class CasesService {
  private readonly cases;
  private readonly counters;
  private readonly satisfaction;

  constructor(private readonly store: Store) {
    this.cases = store.cases;
    this.counters = store.caseCounters;
    this.satisfaction = store.satisfaction;
  }

  /** The next number, from a counter document changed under the counter's lease. */
  private async nextNumber(): Promise<number> {
    return this.store.exclusive.run('case-counter', async (lease) => {
      const c = await this.counters.findOne({ _id: 'case' }).lean();
      const seq = (c?.seq ?? 0) + 1;
      await lease.confirm();
      await this.counters.updateOne({ _id: 'case' }, { $set: { seq } }, { upsert: true });
      return FIRST_NUMBER + seq;
    });
  }

  async create(input: NewCase): Promise<CaseDoc> {
    const fields = input.fields ?? {};
    for (const k of Object.keys(fields)) if (!FIELD_KEY.test(k)) throw new ValidationError(`field name "${k}" must be lowercase letters, digits and _`);
    const by = input.by ? oid(input.by.operatorId) : null;
    const doc = await this.insertNumbered({
      type: input.type,
      status: 'new',
      summary: (input.summary ?? '').slice(0, 2000),
      fields,
      conversationId: oid(input.conversationId),
      customerId: oid(input.customerId),
      channel: input.channel ?? '',
      language: input.language ?? 'en',
      source: input.source,
      createdBy: by,
      history: [{ status: 'new', at: new Date(), by, byName: input.by?.name ?? '', note: '' }],
    });
    return doc;
  }

  /**
   * Inserts with the next number. The unique index on `number` has the last
   * word (a counter restored from an older backup hands out a taken number):
   * a duplicate takes the next one.
   */
  private async insertNumbered(fields: Omit<NewCaseDoc, 'number'>): Promise<CaseDoc> {
    for (let attempt = 0; ; attempt++) {
      const number = await this.nextNumber();
      try {
        const doc = (await this.cases.create({ ...fields, number })).toObject() as CaseDoc;
        await this.store.refs.set(numberKey(number), String(doc._id));
        return doc;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= MAX_NUMBER_ATTEMPTS) throw err;
      }
    }
  }

  /** By database id or by case number. */
  async get(idOrNumber: string): Promise<CaseDoc> {
    const doc = /^\d{1,12}$/.test(idOrNumber) ? await this.findByNumber(Number(idOrNumber)) : await this.byId(idOrNumber);
    if (!doc) throw new NotFoundError('case not found');
    return doc;
  }

  private async byId(id: string): Promise<CaseDoc | null> {
    return isValidObjectId(id) ? this.cases.findOne({ _id: id }).lean<CaseDoc>() : null;
  }

  async findByNumber(number: number): Promise<CaseDoc | null> {
    const id = await this.store.refs.get(numberKey(number));
    const doc = id ? await this.byId(id) : null;
    return doc?.number === number ? doc : null;
  }

  async list(filter: CaseFilter, limit = 200): Promise<CaseDoc[]> {
    const q: Record<string, unknown> = {};
    if (filter.type) q.type = filter.type;
    if (filter.status) q.status = filter.status;
    if (filter.number !== undefined) q.number = filter.number;
    if (filter.conversationId) q.conversationId = oid(filter.conversationId);
    if (filter.customerId) q.customerId = oid(filter.customerId);
    return this.cases.find(q).sort({ updatedAt: -1 }).limit(limit).lean<CaseDoc[]>();
  }

  async forConversation(conversationId: Types.ObjectId | string): Promise<CaseDoc[]> {
    return this.cases.find({ conversationId: oid(conversationId) }).sort({ createdAt: 1 }).lean<CaseDoc[]>();
  }

  /** Moves a case to `status`, appending to its history; conditional on the status it had, so two racing changes do not lose one. */
  async changeStatus(idOrNumber: string, change: { status: CaseStatus; note?: string }, by: { operatorId: string; name: string }): Promise<CaseDoc> {
    if (!CASE_STATUSES.includes(change.status)) throw new ValidationError(`unknown status ${change.status}`);
    const current = await this.get(idOrNumber);
    if (FINAL_STATUSES.includes(current.status as CaseStatus)) throw new ConflictError(`case ${current.number} is ${current.status}`);
    if (current.status === change.status) throw new ConflictError(`case ${current.number} is already ${current.status}`);
    const entry = { status: change.status, at: new Date(), by: oid(by.operatorId), byName: by.name, note: (change.note ?? '').slice(0, 1000) };
    const updated = await this.store.exclusive.change<CaseDoc>(this.cases, 'case', current._id, (c) =>
      c.status === current.status ? { $set: { status: change.status }, $push: { history: entry } } : null,
    );
    if (!updated) throw new ConflictError(`case ${current.number} changed meanwhile`);
    return updated.after;
  }

  /** The conversation's satisfaction score (1–5); a later answer replaces an earlier one. */
  async recordSatisfaction(input: { conversationId: Types.ObjectId | string; customerId?: Types.ObjectId | string | null; channel?: string; language?: string; score: number }): Promise<void> {
    if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5) throw new ValidationError('a score is 1 to 5');
    // One score per conversation, kept under the conversation's own id: written by `_id`.
    const conversationId = oid(input.conversationId);
    await this.satisfaction.updateOne(
      { _id: conversationId },
      { $set: { conversationId, score: input.score, customerId: oid(input.customerId), channel: input.channel ?? '', language: input.language ?? 'en' } },
      { upsert: true },
    );
  }

  async satisfactionReport(range: { from?: Date; to?: Date } = {}): Promise<SatisfactionReport> {
    const match: Record<string, unknown> = {};
    if (range.from || range.to) match.updatedAt = { ...(range.from ? { $gte: range.from } : {}), ...(range.to ? { $lt: range.to } : {}) };
    // $avg is missing on FerretDB: count and sum per score, divide here.
    const rows = await this.satisfaction.aggregate<{ _id: number; n: number }>([{ $match: match }, { $group: { _id: '$score', n: { $sum: 1 } } }]);
    const byScore = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
    let count = 0;
    let sum = 0;
    for (const r of rows) {
      const k = String(r._id) as keyof typeof byScore;
      if (!(k in byScore)) continue;
      byScore[k] = r.n;
      count += r.n;
      sum += r._id * r.n;
    }
    return { count, average: count ? Math.round((sum / count) * 100) / 100 : null, byScore };
  }
}
