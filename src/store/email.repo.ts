// Storage for the email channel (models in models/mail.model.ts). Every lookup on
// the way of a mail is by _id on a small collection; the bulky parts are
// insert-only there. Attachments live in a collection of their own (GridFS
// works on FerretDB, but reading a file scans every chunk of every file).
import { Connection, Types, isValidObjectId } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { emailModels, AttachmentFields, MailBodyDoc, MailMessageDoc, MailThreadDoc } from './models/mail.model';
import type { InboundAttachment } from '../channels/email/parse';
import { isDuplicateKey } from './errors';

export type { MailBodyDoc, MailMessageDoc, MailThreadDoc };

type Address = { address: string; name: string };

export interface AttachmentRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  stored: boolean;
  contentId: string;
}

/** The full mail, as written once. */
export interface MailBodyInput {
  conversationId: Types.ObjectId | null;
  chatMessageId?: Types.ObjectId | null;
  source?: string;
  from?: Address | null;
  to?: Address[];
  cc?: Address[];
  subject?: string;
  date?: Date | null;
  inReplyTo?: string[];
  references?: string[];
  headers?: { name: string; value: string }[];
  text?: string;
  visibleText?: string;
  html?: string;
  size?: number;
  spamScore?: number | null;
  attachments?: AttachmentRef[];
  transport?: string;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  conversationId: string;
}

export type ClaimKind = 'ack' | 'faq';

const THREAD_REFS = 20;
/** A worker that claimed an outbound mail and vanished gives it up after this long. */
export const SENDING_LEASE_MS = 2 * 60 * 1000;


export class EmailStore {
  private readonly m;
  private ready?: Promise<void>;

  constructor(conn: Connection) {
    this.m = emailModels(conn);
  }

  /** Indexes exist before the first mail is stored. */
  init(): Promise<void> {
    this.ready ??= Promise.all(Object.values(this.m).map((model) => model.init())).then(() => undefined);
    return this.ready;
  }

  async findMail(messageId: string): Promise<MailMessageDoc | null> {
    return this.m.mails.findById(messageId).lean<MailMessageDoc>();
  }

  async findBody(messageId: string): Promise<MailBodyDoc | null> {
    return this.m.bodies.findById(messageId).lean<MailBodyDoc>();
  }

  /** The conversation the nearest of these Message-IDs (ours or the customer's) belongs to. */
  async conversationOf(messageIds: string[]): Promise<Types.ObjectId | null> {
    // One _id lookup each (the nearest first): a `$in` would scan the collection on FerretDB.
    for (const id of messageIds.slice(0, 12)) {
      const hit = await this.findMail(id);
      if (hit?.conversationId) return hit.conversationId;
    }
    return null;
  }

  /** Tokens are "<conversation id><random>": the thread is found by _id, the random part must match. */
  async threadByToken(token: string): Promise<MailThreadDoc | null> {
    const id = token.slice(0, 24);
    if (!/^[0-9a-f]{24}$/.test(id)) return null;
    const thread = await this.threadOf(id);
    return thread && thread.token === token ? thread : null;
  }

  async threadOf(conversationId: Types.ObjectId | string): Promise<MailThreadDoc | null> {
    return isValidObjectId(conversationId) ? this.m.threads.findById(conversationId).lean<MailThreadDoc>() : null;
  }

  async createThread(input: { conversationId: Types.ObjectId; subject: string; address: string; rootId: string }): Promise<MailThreadDoc> {
    const counter = await this.m.counters.findOneAndUpdate({ _id: 'ticket' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
    const doc = await this.m.threads.create({
      _id: input.conversationId,
      ticket: 1000 + (counter?.seq ?? 0),
      token: `${input.conversationId.toHexString()}${randomBytes(6).toString('hex')}`,
      subject: input.subject,
      address: input.address,
      refs: [input.rootId],
      lastInbound: input.rootId,
    });
    return doc.toObject() as MailThreadDoc;
  }

  /** Add Message-IDs to the thread's references (the first and the latest ones are kept); `inbound` marks the customer's latest. */
  async addRefs(thread: MailThreadDoc, ids: string[], inbound?: string): Promise<void> {
    const merged = [...thread.refs];
    for (const id of ids) if (!merged.includes(id)) merged.push(id);
    const refs = merged.length > THREAD_REFS ? [merged[0], ...merged.slice(-(THREAD_REFS - 1))] : merged;
    await this.m.threads.updateOne({ _id: thread._id }, { $set: { refs, ...(inbound ? { lastInbound: inbound } : {}) } });
  }

  /** True exactly once per conversation and kind: whoever wins sends the acknowledgement (or the FAQ answer). */
  async claim(conversationId: Types.ObjectId, kind: ClaimKind): Promise<boolean> {
    try {
      await this.m.claims.create({ _id: `${String(conversationId)}:${kind}` });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Store a mail (index first: it claims the Message-ID); a copy already there is returned instead. */
  async insertMail(
    index: { _id: string; direction: 'in' | 'out'; conversationId: Types.ObjectId | null; noise?: string; handled?: boolean; action?: string; status?: string; transport?: string },
    body: MailBodyInput | null,
  ): Promise<{ mail: MailMessageDoc; duplicate: boolean }> {
    try {
      // Both at once: a duplicate body (same _id) is ignored, a duplicate index decides.
      const [created] = await Promise.all([
        this.m.mails.create(index),
        body ? this.m.bodies.create({ ...body, _id: index._id, direction: index.direction }).catch((err: unknown) => (isDuplicateKey(err) ? undefined : Promise.reject(err))) : undefined,
      ]);
      return { mail: created.toObject() as MailMessageDoc, duplicate: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.findMail(index._id);
      if (!existing) throw err;
      return { mail: existing, duplicate: true };
    }
  }

  async markHandled(messageId: string, action: string): Promise<void> {
    await this.m.mails.updateOne({ _id: messageId }, { $set: { handled: true, action } });
  }

  async saveAttachments(conversationId: Types.ObjectId | null, list: InboundAttachment[]): Promise<AttachmentRef[]> {
    const refs: AttachmentRef[] = list.map((a) => ({ id: '', filename: a.filename, contentType: a.contentType, size: a.size, stored: false, contentId: a.contentId ?? '' }));
    const docs = list.map((a, i) => (a.content ? { _id: new Types.ObjectId(), i, a } : null)).filter((d) => d !== null);
    if (docs.length) {
      await this.m.attachments.insertMany(
        docs.map(({ _id, a }) => ({ _id, conversationId, filename: a.filename, contentType: a.contentType, contentId: a.contentId ?? '', size: a.size, data: a.content })),
      );
      for (const d of docs) refs[d.i] = { ...refs[d.i], id: String(d._id), stored: true };
    }
    return refs;
  }

  async deleteAttachments(refs: AttachmentRef[]): Promise<void> {
    const ids = refs.filter((r) => r.stored).map((r) => new Types.ObjectId(r.id));
    if (ids.length) await this.m.attachments.deleteMany({ _id: { $in: ids } });
  }

  async attachment(id: string): Promise<{ meta: StoredAttachment; data: Buffer } | null> {
    if (!isValidObjectId(id)) return null;
    const doc = await this.m.attachments.findById(id).lean<Omit<AttachmentFields, 'data'> & { data: Buffer | { buffer: Uint8Array } }>();
    if (!doc) return null;
    // lean() hands binary back as the driver's Binary; its `buffer` holds the bytes.
    const data = Buffer.isBuffer(doc.data) ? doc.data : Buffer.from(doc.data.buffer);
    return {
      meta: { id, filename: doc.filename, contentType: doc.contentType, size: doc.size, conversationId: doc.conversationId ? String(doc.conversationId) : '' },
      data,
    };
  }

  /**
   * Claim the sending of an outbound mail. 'claimed': go ahead; 'sent': an
   * earlier attempt sent it; 'busy': another worker is sending it right now.
   */
  async claimOutbound(messageId: string, conversationId: Types.ObjectId, transport: string): Promise<'claimed' | 'sent' | 'busy'> {
    const { mail, duplicate } = await this.insertMail({ _id: messageId, direction: 'out', conversationId, status: 'sending', transport }, null);
    if (!duplicate) return 'claimed';
    if (mail.status === 'sent' || mail.status === 'sandbox') return 'sent';
    if (new Date(mail.updatedAt).getTime() > Date.now() - SENDING_LEASE_MS) return 'busy';
    const taken = await this.m.mails.updateOne({ _id: messageId, status: 'sending', updatedAt: mail.updatedAt }, { $set: { status: 'sending' } });
    return taken.modifiedCount === 1 ? 'claimed' : 'busy';
  }

  async finishOutbound(messageId: string, status: 'sent' | 'sandbox', body: MailBodyInput): Promise<void> {
    await this.m.bodies.create({ ...body, _id: messageId, direction: 'out' }).catch((err: unknown) => (isDuplicateKey(err) ? undefined : Promise.reject(err)));
    await this.m.mails.updateOne({ _id: messageId }, { $set: { status } });
  }

  async releaseOutbound(messageId: string): Promise<void> {
    await this.m.mails.deleteOne({ _id: messageId, status: 'sending' });
  }

  /** The sandbox outbox, newest first, with the full mails. */
  async outbox(limit = 100): Promise<MailBodyDoc[]> {
    const sent = await this.m.mails.find({ direction: 'out', transport: 'sandbox', status: 'sandbox' }).sort({ createdAt: -1 }).limit(limit).lean<MailMessageDoc[]>();
    const bodies = await this.m.bodies.find({ _id: { $in: sent.map((m) => m._id) } }).lean<MailBodyDoc[]>();
    const byId = new Map(bodies.map((b) => [b._id, b]));
    return sent.map((m) => byId.get(m._id)).filter((b): b is MailBodyDoc => !!b);
  }

  async mailsOf(conversationId: Types.ObjectId | string, limit = 200): Promise<{ body: MailBodyDoc; index: MailMessageDoc | null }[]> {
    const bodies = await this.m.bodies.find({ conversationId }).sort({ createdAt: 1 }).limit(limit).lean<MailBodyDoc[]>();
    const index = await this.m.mails.find({ _id: { $in: bodies.map((b) => b._id) } }).lean<MailMessageDoc[]>();
    const byId = new Map(index.map((m) => [m._id, m]));
    return bodies.map((body) => ({ body, index: byId.get(body._id) ?? null }));
  }
}
