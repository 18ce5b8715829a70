import { startGateway, Gateway, eventually, DL_SECRET } from '../../helpers/gateway';

interface Activity {
  text: string;
  from: { role: string };
}

/** Each request group speaks from an address of its own (the gateway trusts X-Forwarded-For from loopback). */
let hosts = 0;
const anAddress = () => `198.51.100.${++hosts}`;

describe('web chat sessions: POST /webchat/session for the demo page', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('wcsession', { env: { WEBCHAT_SESSIONS_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await gw.close();
  });

  const session = (ip: string, body?: object) => gw.http.post('/webchat/session').set('X-Forwarded-For', ip).send(body);
  const activities = async (conversationId: string, token: string): Promise<Activity[]> =>
    (await gw.http.get(`/v3/directline/conversations/${conversationId}/activities`).set('Authorization', `Bearer ${token}`).expect(200)).body.activities;
  const conversationCount = () => gw.infra.conn.db!.collection('conversations').countDocuments();

  it('when the page asks for a session, then it gets a token for a new conversation that Web Chat can start, greeted once', async () => {
    const res = await session(anAddress()).expect(200);
    expect(res.body).toEqual({ conversationId: expect.any(String), token: expect.any(String), expires_in: gw.config.DIRECTLINE_TOKEN_TTL_SECONDS, userId: expect.stringMatching(/^web_/) });
    expect(JSON.stringify(res.body)).not.toContain(DL_SECRET);
    expect(res.headers['cache-control']).toBe('no-store');

    const { conversationId, token } = res.body;
    for (let i = 0; i < 2; i++) {
      const started = await gw.http.post('/v3/directline/conversations').set('Authorization', `Bearer ${token}`).expect(201);
      expect(started.body.conversationId).toBe(conversationId);
    }
    const seen = await eventually(async () => {
      const list = await activities(conversationId, token);
      return list.some((a) => /virtual assistant/.test(a.text)) && list;
    });
    expect(seen.filter((a) => /virtual assistant/.test(a.text))).toHaveLength(1);
  });

  it('when the page sends an Albanian locale, then the bot greets in Albanian', async () => {
    const { conversationId, token } = (await session(anAddress(), { locale: 'sq-AL' }).expect(200)).body;
    await gw.http.post('/v3/directline/conversations').set('Authorization', `Bearer ${token}`).expect(201);
    await eventually(async () => (await activities(conversationId, token)).some((a) => /asistenti virtual/.test(a.text)));
  });

  it("when one session's token is used on another session's conversation, then it is refused", async () => {
    const a = (await session(anAddress()).expect(200)).body;
    const b = (await session(anAddress()).expect(200)).body;
    await gw.http.get(`/v3/directline/conversations/${b.conversationId}/activities`).set('Authorization', `Bearer ${a.token}`).expect(403);
  });

  it('when one address asks for more sessions than the limit in a minute, then it gets 429 with Retry-After and nothing is stored; other addresses still get sessions', async () => {
    const ip = anAddress();
    for (let i = 0; i < 3; i++) await session(ip).expect(200);
    const before = await conversationCount();
    const refused = await session(ip).expect(429);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await conversationCount()).toBe(before);
    await session(anAddress()).expect(200);
  });

  it('when the body is not what the page sends, then 400 and nothing is stored', async () => {
    const before = await conversationCount();
    await session(anAddress(), { locale: { $gt: '' } }).expect(400);
    await session(anAddress(), { locale: 'en"><script>' }).expect(400);
    await gw.http.post('/webchat/session').set('Content-Type', 'application/json').set('X-Forwarded-For', anAddress()).send('{"locale":').expect(400);
    expect(await conversationCount()).toBe(before);
  });
});
