// One live transcription: one track of a call's audio (μ-law, 8 kHz) to
// Deepgram's streaming API, its results back as transcript segments. Audio
// that arrives while the socket opens waits in a short buffer; when Deepgram
// is unreachable or fails, the track goes quiet (the call itself goes on).
import type { Deepgram } from './deepgram';
import type { Logger } from '../infra/logger';

export interface Segment {
  speaker: string;
  text: string;
  final: boolean;
  start: number;
  end: number;
}

export interface LiveTrackOptions {
  deepgram: Deepgram;
  model: string;
  speaker: string;
  logger: Logger;
  onSegment(seg: Segment): void;
  onFailure(reason: string): void;
  connectTimeoutMs?: number;
}

type LiveSocket = Awaited<ReturnType<Deepgram['listen']['v1']['connect']>>;

/** 5 s of 20 ms frames: what may wait for the socket to open. */
const MAX_PENDING = 250;
const KEEPALIVE_MS = 5000;

export class LiveTrack {
  private socket: LiveSocket | null = null;
  private state: 'connecting' | 'open' | 'closing' | 'failed' | 'closed' = 'connecting';
  private pending: Buffer[] = [];
  private lastAudio = Date.now();
  private keepAlive: NodeJS.Timeout | null = null;

  constructor(private readonly o: LiveTrackOptions) {}

  async start(): Promise<void> {
    const timeoutMs = this.o.connectTimeoutMs ?? 5000;
    try {
      const socket = await this.o.deepgram.listen.v1.connect({
        model: this.o.model,
        encoding: 'mulaw',
        sample_rate: 8000,
        channels: 1,
        interim_results: 'true',
        punctuate: 'true',
        // A failed stream is given up, not retried: the call goes on without it.
        reconnectAttempts: 0,
        connectionTimeoutInSeconds: Math.ceil(timeoutMs / 1000),
      });
      this.socket = socket;
      socket.on('message', (m) => this.onMessage(m));
      socket.on('error', (err) => this.fail('error', err));
      socket.on('close', () => {
        if (this.state === 'connecting' || this.state === 'closing' || this.state === 'open') this.fail('closed by Deepgram');
      });
      socket.connect();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        socket.waitForOpen(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('Deepgram did not answer in time')), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (this.state !== 'connecting' && this.state !== 'closing') return;
      for (const frame of this.pending) socket.sendMedia(frame);
      this.pending = [];
      if (this.state === 'closing') {
        // The stream ended while we connected: what it sent is transcribed, then we let go.
        this.state = 'open';
        this.finish();
        return;
      }
      this.state = 'open';
      this.keepAlive = setInterval(() => {
        if (this.state === 'open' && Date.now() - this.lastAudio >= KEEPALIVE_MS) this.socket?.sendKeepAlive({ type: 'KeepAlive' });
      }, KEEPALIVE_MS);
      this.keepAlive.unref();
    } catch (err) {
      this.fail('unreachable', err);
    }
  }

  /** One frame of audio; dropped when the track has failed. */
  send(frame: Buffer): void {
    this.lastAudio = Date.now();
    if (this.state === 'open') this.socket?.sendMedia(frame);
    else if (this.state === 'connecting' || this.state === 'closing') {
      this.pending.push(frame);
      if (this.pending.length > MAX_PENDING) this.pending.shift();
    }
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** The stream ended: ask Deepgram for the last results, then let go. */
  finish(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.state === 'connecting') {
      this.state = 'closing';
      return;
    }
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.pending = [];
    if (!this.socket) return;
    const socket = this.socket;
    try {
      if (wasOpen) socket.sendCloseStream({ type: 'CloseStream' });
    } catch {
      /* already gone */
    }
    // Deepgram sends its final results and closes; close it ourselves if it does not.
    setTimeout(() => socket.close(), wasOpen ? 2000 : 0).unref();
  }

  private fail(reason: string, err?: unknown): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.pending = [];
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.o.logger.warn({ err, speaker: this.o.speaker, reason }, 'live transcription unavailable; the call goes on without it');
    this.o.onFailure(reason);
    try {
      this.socket?.close();
    } catch {
      /* nothing to close */
    }
  }

  private onMessage(m: unknown): void {
    const msg = m as { type?: string; is_final?: boolean; start?: number; duration?: number; channel?: { alternatives?: { transcript?: string }[] } };
    if (msg?.type !== 'Results') return;
    const text = (msg.channel?.alternatives?.[0]?.transcript ?? '').trim();
    if (!text) return;
    const start = Number(msg.start) || 0;
    this.o.onSegment({ speaker: this.o.speaker, text: text.slice(0, 2000), final: msg.is_final === true, start, end: start + (Number(msg.duration) || 0) });
  }
}
