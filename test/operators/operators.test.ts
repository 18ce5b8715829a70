import WebSocket from 'ws';
import { startGateway, Gateway, eventually } from '../helpers/gateway';

describe('operators and sessions', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('ops', { worker: false });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when an operator logs in with the right password, then they get a token that opens the API', async () => {
    const op = await gw.login(['operator'], 'Ana');
    const res = await gw.http.post('/api/auth/login').send({ email: op.email.toUpperCase(), password: op.password }).expect(200);
    expect(res.body.operator).toMatchObject({ id: op.id, name: 'Ana', roles: ['operator'] });
    expect(res.body.operator.passwordHash).toBeUndefined();
    const me = await gw.http.get('/api/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
    expect(me.body.email).toBe(op.email);
  });

  it('when the password or email is wrong, then login fails with 401 and the same message', async () => {
    const op = await gw.login();
    const a = await gw.http.post('/api/auth/login').send({ email: op.email, password: 'wrong-password' }).expect(401);
    const b = await gw.http.post('/api/auth/login').send({ email: 'nobody@test.example', password: 'wrong-password' }).expect(401);
    expect(a.body.detail).toBe(b.body.detail);
  });

  it('when login carries query operators instead of strings, then it is refused with 400', async () => {
    await gw.http.post('/api/auth/login').send({ email: { $gt: '' }, password: { $gt: '' } }).expect(400);
    await gw.http.post('/api/auth/login').send({ email: 'a@b.c', password: { $ne: 'x' } }).expect(400);
  });

  it('when an admin adds an operator, then the new operator can log in; others may not add operators', async () => {
    const admin = await gw.login(['admin']);
    const sup = await gw.login(['supervisor']);
    const body = { name: 'Besnik', email: 'besnik.new@test.example', password: 'a-long-password-1', roles: ['operator'], skills: ['billing'] };
    await gw.http.post('/api/operators').set('Authorization', `Bearer ${sup.token}`).send(body).expect(403);
    await gw.http.post('/api/operators').send(body).expect(401);
    const created = await gw.http.post('/api/operators').set('Authorization', `Bearer ${admin.token}`).send(body).expect(201);
    expect(created.body.id).toMatch(/^[a-f0-9]{24}$/);
    await gw.http.post('/api/operators').set('Authorization', `Bearer ${admin.token}`).send(body).expect(409);
    await gw.http.post('/api/auth/login').send({ email: body.email, password: body.password }).expect(200);
    await gw.http.post('/api/operators').set('Authorization', `Bearer ${admin.token}`).send({ ...body, email: 'x@test.example', password: 'short' }).expect(400);
    await gw.http.post('/api/operators').set('Authorization', `Bearer ${admin.token}`).send({ ...body, email: 'y@test.example', roles: ['root'] }).expect(400);
  });

  it('when a session token is forged or for another kind, then the API refuses it', async () => {
    await gw.http.get('/api/me').set('Authorization', 'Bearer nonsense').expect(401);
    const dl = await gw.http.post('/v3/directline/tokens/generate').set('Authorization', 'Bearer test-directline-secret-0123456789').expect(200);
    await gw.http.get('/api/me').set('Authorization', `Bearer ${dl.body.token}`).expect(401);
  });

  it('when an operator opens the console, then colleagues see them available, and offline once their last console closes', async () => {
    const op = await gw.login(['operator'], 'Drita');
    const presence = async () => (await gw.services.operators.list()).find((o) => String(o._id) === op.id)?.presence;
    const openConsole = async () => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/console/socket`);
      const ready = new Promise<void>((resolve) => ws.on('message', (d) => JSON.parse(String(d)).type === 'ready' && resolve()));
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      ws.send(JSON.stringify({ type: 'auth', token: op.token }));
      await ready;
      return ws;
    };
    expect(await presence()).toBe('offline');
    const first = await openConsole();
    expect(await presence()).toBe('available');
    const second = await openConsole();
    first.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(await presence()).toBe('available');
    second.close();
    await eventually(async () => (await presence()) === 'offline');
  });

  it('when an operator sets their presence, then it is what colleagues see; only available, busy and away can be set', async () => {
    const op = await gw.login(['operator'], 'Erion');
    const asOp = { Authorization: `Bearer ${op.token}` };
    const res = await gw.http.put('/api/me/presence').set(asOp).send({ presence: 'away' }).expect(200);
    expect(res.body).toEqual({ presence: 'away' });
    expect((await gw.http.get('/api/me').set(asOp).expect(200)).body.presence).toBe('away');
    await gw.http.put('/api/me/presence').set(asOp).send({ presence: 'offline' }).expect(400);
    await gw.http.put('/api/me/presence').set(asOp).send({ presence: { $ne: 'x' } }).expect(400);
    await gw.http.put('/api/me/presence').send({ presence: 'busy' }).expect(401);
    expect((await gw.http.get('/api/me').set(asOp).expect(200)).body.presence).toBe('away');
  });
});
