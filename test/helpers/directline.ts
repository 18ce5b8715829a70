// A small Direct Line test client over plain HTTP (the official client is
// exercised in test/channels/webchat/directlinejs.test.ts).
import request from 'supertest';
import { DL_SECRET, eventually } from './gateway';

export interface DlActivity {
  id: string;
  type: string;
  text: string;
  from: { id: string; role: string; name?: string };
  suggestedActions?: { actions: { title: string; value: string }[] };
  channelData?: { clientActivityID?: string; author?: string };
}

export class DirectLineTestClient {
  watermark = 0;
  readonly seen: DlActivity[] = [];

  private constructor(
    private readonly url: string,
    readonly conversationId: string,
    readonly token: string,
  ) {}

  static async start(url: string): Promise<DirectLineTestClient> {
    const res = await request(url).post('/v3/directline/conversations').set('Authorization', `Bearer ${DL_SECRET}`).expect(201);
    return new DirectLineTestClient(url, res.body.conversationId, res.body.token);
  }

  async say(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await request(this.url)
      .post(`/v3/directline/conversations/${this.conversationId}/activities`)
      .set('Authorization', `Bearer ${this.token}`)
      .send({ type: 'message', from: { id: 'customer-1', name: 'Test Customer' }, text, ...extra })
      .expect(200);
    return res.body.id as string;
  }

  /** New activities since the last poll. */
  async poll(): Promise<DlActivity[]> {
    const res = await request(this.url)
      .get(`/v3/directline/conversations/${this.conversationId}/activities?watermark=${this.watermark}`)
      .set('Authorization', `Bearer ${this.token}`)
      .expect(200);
    this.watermark = Number(res.body.watermark);
    this.seen.push(...res.body.activities);
    return res.body.activities as DlActivity[];
  }

  /** Waits for a bot-side activity whose text matches. */
  async waitForBot(match: RegExp, timeoutMs = 5000): Promise<DlActivity> {
    return eventually(async () => {
      await this.poll();
      return this.seen.find((a) => a.from.role === 'bot' && match.test(a.text));
    }, timeoutMs);
  }
}
