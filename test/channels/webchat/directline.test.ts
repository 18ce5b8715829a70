// Direct Line 3.0 semantics at the HTTP level: tokens, isolation,
// watermarks, streams across two web instances, and bad input.
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { startGateway, Gateway, DL_SECRET, eventually } from '../../helpers/gateway';
import { DirectLineTestClient, DlActivity } from '../../helpers/directline';

const secret = { Authorization: `Bearer ${DL_SECRET}` };

function openStream(streamUrl: string) {
  const frames: { activities: DlActivity[]; watermark: string }[] = [];
  const ws = new WebSocket(streamUrl);
  ws.on('message', (raw) => {
    const text = String(raw);
    if (text) frames.push(JSON.parse(text));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const texts = () => frames.flatMap((f) => f.activities.map((a) => a.text));
  return { ws, frames, opened, texts };
}

describe('Direct Line API', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('dl');
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the recent messages kept in Redis are lost, then a poll still returns the whole conversation, from the store', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    await c.say('what are your opening hours');
    await c.waitForBot(/09:00/);
    const poll = () => gw.http.get(`/v3/directline/conversations/${c.conversationId}/activities`).set({ Authorization: `Bearer ${c.token}` }).expect(200);
    const cached = (await poll()).body as { activities: DlActivity[]; watermark: string };
    await gw.infra.redis.del(`${gw.config.QUEUE_PREFIX}:recent:${c.conversationId}`);
    const stored = (await poll()).body as { activities: DlActivity[]; watermark: string };
    expect(stored.watermark).toBe(cached.watermark);
    expect(stored.activities.map((a) => a.text)).toEqual(cached.activities.map((a) => a.text));
    expect(stored.activities.some((a) => /09:00/.test(a.text ?? ''))).toBe(true);
  });

  it('when a token is for conversation A, then it can neither read nor post to conversation B', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const b = await DirectLineTestClient.start(gw.url);
    const asA = { Authorization: `Bearer ${a.token}` };
    await gw.http.get(`/v3/directline/conversations/${b.conversationId}/activities`).set(asA).expect(403);
    await gw.http.post(`/v3/directline/conversations/${b.conversationId}/activities`).set(asA).send({ type: 'message', from: { id: 'x' }, text: 'hi' }).expect(403);
    await gw.http.get(`/v3/directline/conversations/${b.conversationId}`).set(asA).expect(403);
    const s = openStream(`${gw.url.replace('http', 'ws')}/v3/directline/conversations/${b.conversationId}/stream?t=${a.token}`);
    await expect(s.opened).rejects.toThrow(/403/);
  });

  it('when tokens are forged, expired or missing, then requests are refused with 401/403', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const path = `/v3/directline/conversations/${a.conversationId}/activities`;
    const forged = jwt.sign({ conv: a.conversationId, user: 'u', kind: 'dl' }, 'some-other-secret-000000000');
    const expired = jwt.sign({ conv: a.conversationId, user: 'u', kind: 'dl', exp: Math.floor(Date.now() / 1000) - 10 }, DL_SECRET);
    await gw.http.get(path).expect(401);
    await gw.http.get(path).set('Authorization', `Bearer ${forged}`).expect(403);
    await gw.http.get(path).set('Authorization', `Bearer ${expired}`).expect(403);
    await gw.http.get(path).set('Authorization', 'Bearer not-a-token').expect(403);
    // A conversation token cannot mint tokens for new conversations.
    await gw.http.post('/v3/directline/tokens/generate').set('Authorization', `Bearer ${a.token}`).expect(403);
  });

  it('when a token is refreshed, then the new one works for the same conversation', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const r = await gw.http.post('/v3/directline/tokens/refresh').set('Authorization', `Bearer ${a.token}`).expect(200);
    expect(r.body.conversationId).toBe(a.conversationId);
    expect(r.body.expires_in).toBeGreaterThan(0);
    await gw.http.get(`/v3/directline/conversations/${a.conversationId}/activities`).set('Authorization', `Bearer ${r.body.token}`).expect(200);
  });

  it('when polling with a watermark, then only newer activities come back and the watermark advances', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const first = await a.poll();
    expect(first.map((x) => x.text)).toEqual([expect.stringMatching(/Hello/), expect.stringMatching(/How can I help/)]);
    const w1 = a.watermark;
    expect(await a.poll()).toEqual([]);
    expect(a.watermark).toBe(w1);
    await a.say('how much is roaming in Italy');
    const next = await eventually(async () => {
      const got = await a.poll();
      return got.length ? got : undefined;
    });
    expect(next[0].text).toBe('how much is roaming in Italy');
    expect(a.watermark).toBeGreaterThan(w1);
    // Re-reading from an older watermark returns the same activities again (a reconnecting client).
    const again = await gw.http.get(`/v3/directline/conversations/${a.conversationId}/activities?watermark=${w1}`).set('Authorization', `Bearer ${a.token}`).expect(200);
    expect(again.body.activities[0].id).toBe(next[0].id);
  });

  it('when a message is posted to one web instance, then a stream held by another instance receives it', async () => {
    const other = await startGateway('dl2', { worker: false, env: { MONGODB_URI: gw.config.MONGODB_URI, QUEUE_PREFIX: gw.config.QUEUE_PREFIX } });
    try {
      const start = await gw.http.post('/v3/directline/conversations').set(secret).expect(201);
      const { conversationId, token } = start.body;
      // The stream is on instance 2; the message goes to instance 1.
      const s = openStream(`${other.url.replace('http', 'ws')}/v3/directline/conversations/${conversationId}/stream?t=${token}`);
      await s.opened;
      await eventually(async () => s.texts().some((t) => /How can I help/.test(t)));
      await gw.http
        .post(`/v3/directline/conversations/${conversationId}/activities`)
        .set('Authorization', `Bearer ${token}`)
        .send({ type: 'message', from: { id: 'u' }, text: 'what are your opening hours' })
        .expect(200);
      await eventually(async () => s.texts().some((t) => /Monday to Saturday/.test(t)), 3000);
      const watermarks = s.frames.map((f) => Number(f.watermark));
      expect([...watermarks].sort((x, y) => x - y)).toEqual(watermarks);
      s.ws.close();
    } finally {
      await other.close();
    }
  });

  it('when the body is malformed, oversized or carries operators, then it is refused with 400/413 and nothing is stored', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const path = `/v3/directline/conversations/${a.conversationId}/activities`;
    const auth = { Authorization: `Bearer ${a.token}` };
    const bad = await gw.http.post(path).set(auth).set('Content-Type', 'application/json').send('{"type": "message", ').expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    await gw.http.post(path).set(auth).send({ type: 'message', from: { id: 'u' }, text: 'x'.repeat(200 * 1024) }).expect(413);
    await gw.http.post(path).set(auth).send({ type: 'message', from: { id: 'u' }, text: { $gt: '' } }).expect(400);
    await gw.http.post(path).set(auth).send({ type: 'message', from: { id: { $ne: null } }, text: 'hi' }).expect(400);
    await gw.http.post(path).set(auth).send({ type: 'bogus', from: { id: 'u' } }).expect(400);
    await gw.http.get(`/v3/directline/conversations/${'f'.repeat(24)}/activities`).set(secret).expect(404);
    await gw.http.get('/v3/directline/conversations/not-an-id/activities').set(secret).expect(404);
    const after = await a.poll();
    expect(after.filter((x) => x.from.role === 'user')).toHaveLength(0);
    // And the gateway still answers.
    await gw.http.get('/healthz').expect(200);
  });

  it('when a customer writes unicode, emoji or injection-looking text, then it is stored verbatim and answered', async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const text = 'Përshëndetje 👋 {"$where": "sleep(1000)"} \'; DROP TABLE messages; --';
    await a.say(text);
    await eventually(async () => {
      await a.poll();
      return a.seen.some((x) => x.text === text) && a.seen.some((x) => x.from.role === 'bot' && x.text !== undefined && a.seen.indexOf(x) > a.seen.findIndex((y) => y.text === text));
    });
  });
});

describe('Direct Line streams and the WebSocket heartbeat', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('dl-heartbeat', { env: { WS_HEARTBEAT_MS: '200' } });
  });
  afterAll(async () => {
    await gw.close();
  });

  const startConversation = async () => (await gw.http.post('/v3/directline/conversations').set(secret).expect(201)).body as { conversationId: string; token: string; streamUrl: string };

  it('when a stream outlives several heartbeats, then it stays open and still brings the answers', async () => {
    const { conversationId, token, streamUrl } = await startConversation();
    const stream = openStream(streamUrl);
    await stream.opened;
    let closed = false;
    stream.ws.on('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 1200));
    expect(closed).toBe(false);
    await gw.http.post(`/v3/directline/conversations/${conversationId}/activities`).set({ Authorization: `Bearer ${token}` }).send({ type: 'message', from: { id: 'u-hb' }, text: 'what are your opening hours' }).expect(200);
    await eventually(async () => stream.texts().some((t) => /open/i.test(t ?? '') && /09:00/.test(t ?? '')), 8000);
    stream.ws.close();
  });

  it('when a peer stops answering pings, then the gateway drops its stream', async () => {
    const { streamUrl } = await startConversation();
    const ws = new WebSocket(streamUrl, { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open'), 3000))]);
    expect(code).not.toBe('still open');
  });
});
