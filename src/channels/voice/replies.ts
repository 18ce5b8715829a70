// The TwiML each answered webhook got, kept by CallSid:step for a day, so a
// repeat of the webhook (Twilio retries; the bot turn stored nothing the
// second time) gets the very same answer, waiting for it while the first runs.
import type { Redis } from '../../infra/redis';

const REPLY_TTL_SECONDS = 24 * 3600;
const REPEAT_WAIT_MS = 10_000;

export class ReplyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(key: string): string {
    return `${this.prefix}:voice:twiml:${key}`;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  async keep(key: string, twiml: string): Promise<void> {
    await this.redis.set(this.key(key), twiml, 'EX', REPLY_TTL_SECONDS);
  }

  /** The first delivery's answer, or null when it never came. */
  async waitFor(key: string): Promise<string | null> {
    const until = Date.now() + REPEAT_WAIT_MS;
    for (;;) {
      const twiml = await this.get(key);
      if (twiml !== null || Date.now() > until) return twiml;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
