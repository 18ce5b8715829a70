// What the last question in a conversation offered, by digit, so that a
// customer's "2" is read as that choice. Written by whatever asked (a bot
// turn's TwiML, a proactive message with choices); a message without choices
// clears it. Kept in Redis for a week.
import type { Redis } from '../../infra/redis';
import { choiceFromDigit } from './parse';
import type { NumberedChoice } from './render';

const TTL_SECONDS = 7 * 24 * 3600;

export class OfferedChoices {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:choices:${conversationId}`;
  }

  async offer(conversationId: string, choices: NumberedChoice[]): Promise<void> {
    if (choices.length) await this.redis.set(this.key(conversationId), JSON.stringify(choices), 'EX', TTL_SECONDS);
    else await this.redis.del(this.key(conversationId));
  }

  /** The title of the choice the digit answers, or null (not a digit, nothing offered). */
  async answer(conversationId: string, text: string): Promise<string | null> {
    if (!/^\s*\d{1,2}\s*[.)]?\s*$/.test(text)) return null;
    const raw = await this.redis.get(this.key(conversationId));
    if (!raw) return null;
    try {
      return choiceFromDigit(text, JSON.parse(raw) as NumberedChoice[]);
    } catch {
      return null;
    }
  }
}
