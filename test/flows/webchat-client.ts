// A conversation over the real web chat (Direct Line) for flow tests: each
// `send` posts the customer's message and returns what the bot said back,
// in order. `moveTo` continues the same conversation on another gateway
// instance (same database), as after a restart.
import request from 'supertest';
import { DL_SECRET, eventually } from '../helpers/gateway';

interface Activity {
  type: string;
  text: string;
  from: { role: string; name?: string };
  suggestedActions?: { actions: { title: string }[] };
}

export interface BotTurn {
  texts: string[];
  text: string;
  choices: string[];
}

export class WebChatConversation {
  private watermark = 0;
  private n = 0;

  private constructor(
    private url: string,
    readonly conversationId: string,
    private readonly token: string,
  ) {}

  /** Opens a conversation; resolves with the greeting. */
  static async open(url: string, locale?: string): Promise<{ chat: WebChatConversation; greeting: BotTurn }> {
    const req = request(url).post('/v3/directline/conversations').set('Authorization', `Bearer ${DL_SECRET}`);
    if (locale) req.set('Accept-Language', locale);
    const res = await req.expect(201);
    const chat = new WebChatConversation(url, res.body.conversationId, res.body.token);
    return { chat, greeting: await chat.collect() };
  }

  moveTo(url: string): void {
    this.url = url;
  }

  /** Bot messages since the last call (the turn is answered within the POST; the poll only reads them). */
  private async collect(): Promise<BotTurn> {
    const bot: Activity[] = await eventually(async () => {
      const res = await request(this.url)
        .get(`/v3/directline/conversations/${this.conversationId}/activities?watermark=${this.watermark}`)
        .set('Authorization', `Bearer ${this.token}`)
        .expect(200);
      this.watermark = Number(res.body.watermark);
      const mine = (res.body.activities as Activity[]).filter((a) => a.from.role === 'bot');
      return mine.length ? mine : undefined;
    });
    const last = [...bot].reverse().find((a) => a.suggestedActions);
    return { texts: bot.map((a) => a.text), text: bot.map((a) => a.text).join('\n'), choices: (last?.suggestedActions?.actions ?? []).map((a) => a.title) };
  }

  async send(text: string): Promise<BotTurn> {
    await request(this.url)
      .post(`/v3/directline/conversations/${this.conversationId}/activities`)
      .set('Authorization', `Bearer ${this.token}`)
      .send({ type: 'message', id: `m${++this.n}`, from: { id: 'customer', name: 'Customer' }, text })
      .expect(200);
    return this.collect();
  }
}
