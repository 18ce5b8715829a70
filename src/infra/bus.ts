// Realtime bus: events published on one Redis channel per prefix, fanned out
// in each web instance to whoever listens locally (Direct Line streams,
// console sockets). Events are pokes with small payloads; listeners re-read
// the store, so a lost or duplicated event costs nothing but latency.
import { EventEmitter } from 'node:events';
import type { Redis } from './redis';
import type { Logger } from './logger';
import type { MessageDoc } from '../store/models/message.model';

export type BusEvent =
  /** `message` is the stored message as JSON (ids and dates arrive as strings). */
  | { type: 'message'; conversationId: string; messageId: string; message?: MessageDoc }
  | { type: 'message.status'; conversationId: string; messageId: string; status: string }
  | { type: 'conversation'; conversationId: string; mode: string }
  | { type: 'escalation'; escalationId: string; conversationId: string; status: string; operatorId?: string }
  /** A live transcript segment of a phone call (interim ones are replaced by the final one with the same start). */
  | { type: 'transcript'; conversationId: string; callSid: string; speaker: string; text: string; final: boolean; start: number; end: number }
  /** An operator's sessions changed (logout, disabled, roles or password changed): drop cached checks, re-check open consoles. */
  | { type: 'operator.sessions'; operatorId: string };

export class Bus {
  private readonly local = new EventEmitter();
  private readonly channel: string;
  private started = false;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = `${prefix}:events`;
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      try {
        const event = JSON.parse(raw) as BusEvent;
        this.local.emit('event', event);
        if ('conversationId' in event) this.local.emit(`conv:${event.conversationId}`, event);
      } catch (err) {
        this.logger.warn({ err }, 'bus: unreadable event');
      }
    });
    await this.sub.subscribe(this.channel);
  }

  async publish(event: BusEvent): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify(event));
  }

  /** Every event; returns an unsubscribe function. */
  onAny(fn: (e: BusEvent) => void): () => void {
    this.local.on('event', fn);
    return () => this.local.off('event', fn);
  }

  /** Events of one conversation; returns an unsubscribe function. */
  onConversation(conversationId: string, fn: (e: BusEvent) => void): () => void {
    const key = `conv:${conversationId}`;
    this.local.on(key, fn);
    return () => this.local.off(key, fn);
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    if (this.started) await this.sub.unsubscribe(this.channel).catch(() => undefined);
  }
}
