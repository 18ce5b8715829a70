// Revocable sessions: logout, disabling, demoting, deleting an operator and
// changing a password end older sessions, on every web instance within 5 s,
// open console sockets included; what ended them lives on the operator
// document, so it survives a restart.
import WebSocket from 'ws';
import { startGateway, Gateway, eventually } from '../helpers/gateway';

type Auth = { Authorization: string };
const bearer = (token: string): Auth => ({ Authorization: `Bearer ${token}` });

describe('operator sessions', () => {
  let gw: Gateway;
  let admin: Awaited<ReturnType<Gateway['login']>>;
  beforeAll(async () => {
    gw = await startGateway('sessions', { worker: false });
    admin = await gw.login(['admin'], 'Admin');
  });
  afterAll(async () => {
    await gw.close();
  });

  const signIn = async (g: Gateway, email: string, password: string) => (await g.http.post('/api/auth/login').send({ email, password }).expect(200)).body.token as string;

  /** A console socket that is ready; resolves `closed` with the close code and reason. */
  async function openConsole(g: Gateway, token: string) {
    const ws = new WebSocket(`${g.url.replace('http', 'ws')}/console/socket`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    const ready = new Promise<void>((resolve) => ws.on('message', (d) => JSON.parse(String(d)).type === 'ready' && resolve()));
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    ws.send(JSON.stringify({ type: 'auth', token }));
    await ready;
    return { ws, closed };
  }

  it('when an operator logs out, then that token gets 401 and their other sessions go on', async () => {
    const op = await gw.login();
    const other = await signIn(gw, op.email, op.password);
    await gw.http.get('/api/me').set(bearer(op.token)).expect(200);
    await gw.http.post('/api/auth/logout').set(bearer(op.token)).expect(204);
    await gw.http.get('/api/me').set(bearer(op.token)).expect(401);
    await gw.http.post('/api/auth/logout').set(bearer(op.token)).expect(401);
    await gw.http.get('/api/me').set(bearer(other)).expect(200);
    await gw.http.post('/api/auth/logout').expect(401);
  });

  it('when an admin disables an operator, then their token gets 401, their open console closes with 4401, and they cannot sign in until enabled again', async () => {
    const op = await gw.login(['operator'], 'Ilir');
    const console = await openConsole(gw, op.token);
    const res = await gw.http.patch(`/api/operators/${op.id}`).set(bearer(admin.token)).send({ active: false }).expect(200);
    expect(res.body).toMatchObject({ id: op.id, active: false });
    await gw.http.get('/api/me').set(bearer(op.token)).expect(401);
    expect(await console.closed).toEqual({ code: 4401, reason: 'session ended' });
    await gw.http.post('/api/auth/login').send({ email: op.email, password: op.password }).expect(401);
    await gw.http.patch(`/api/operators/${op.id}`).set(bearer(admin.token)).send({ active: true }).expect(200);
    const fresh = await signIn(gw, op.email, op.password);
    await gw.http.get('/api/me').set(bearer(fresh)).expect(200);
    // Enabling again does not bring the old session back.
    await gw.http.get('/api/me').set(bearer(op.token)).expect(401);
  });

  it('when a supervisor is demoted, then the old token (which says supervisor) gets 401 and a new sign-in has only the new role', async () => {
    const sup = await gw.login(['supervisor']);
    await gw.http.get('/api/operators').set(bearer(sup.token)).expect(200);
    const res = await gw.http.patch(`/api/operators/${sup.id}`).set(bearer(admin.token)).send({ roles: ['operator'], skills: ['billing'], name: 'Former Supervisor' }).expect(200);
    expect(res.body).toMatchObject({ roles: ['operator'], skills: ['billing'], name: 'Former Supervisor' });
    await gw.http.get('/api/operators').set(bearer(sup.token)).expect(401);
    const fresh = await signIn(gw, sup.email, sup.password);
    await gw.http.get('/api/operators').set(bearer(fresh)).expect(403);
  });

  it('when only skills or the name change, then the operator stays signed in', async () => {
    const op = await gw.login();
    await gw.http.patch(`/api/operators/${op.id}`).set(bearer(admin.token)).send({ skills: ['technical'], name: 'Renamed' }).expect(200);
    await gw.http.get('/api/me').set(bearer(op.token)).expect(200);
  });

  it('when someone other than an admin changes an operator, or the change is malformed, then it is refused; an admin cannot disable or demote themselves', async () => {
    const op = await gw.login();
    const sup = await gw.login(['supervisor']);
    await gw.http.patch(`/api/operators/${op.id}`).set(bearer(sup.token)).send({ active: false }).expect(403);
    await gw.http.patch(`/api/operators/${op.id}`).send({ active: false }).expect(401);
    await gw.http.patch(`/api/operators/${op.id}`).set(bearer(admin.token)).send({ roles: ['root'] }).expect(400);
    await gw.http.patch(`/api/operators/${op.id}`).set(bearer(admin.token)).send({ passwordHash: 'x' }).expect(400);
    await gw.http.patch('/api/operators/0123456789abcdef01234567').set(bearer(admin.token)).send({ active: false }).expect(404);
    await gw.http.patch(`/api/operators/${admin.id}`).set(bearer(admin.token)).send({ active: false }).expect(409);
    await gw.http.patch(`/api/operators/${admin.id}`).set(bearer(admin.token)).send({ roles: ['supervisor'] }).expect(409);
    await gw.http.get('/api/me').set(bearer(admin.token)).expect(200);
  });

  it('when an operator changes their own password with the current one, then older sessions end and only the new password signs in', async () => {
    const op = await gw.login();
    const next = 'Correct-Horse-Battery-7';
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(op.token)).send({ password: next }).expect(403);
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(op.token)).send({ password: next, currentPassword: 'not-the-password' }).expect(403);
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(op.token)).send({ password: 'short', currentPassword: op.password }).expect(400);
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(op.token)).send({ password: next, currentPassword: op.password }).expect(204);
    await gw.http.get('/api/me').set(bearer(op.token)).expect(401);
    await gw.http.post('/api/auth/login').send({ email: op.email, password: op.password }).expect(401);
    await signIn(gw, op.email, next);
  });

  it('when an admin sets another operator’s password, then that operator’s sessions end; an operator cannot set someone else’s', async () => {
    const op = await gw.login();
    const colleague = await gw.login();
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(colleague.token)).send({ password: 'Someone-Elses-Pass-9', currentPassword: colleague.password }).expect(403);
    await gw.http.post(`/api/operators/${op.id}/password`).set(bearer(admin.token)).send({ password: 'Reset-By-Admin-2024x' }).expect(204);
    await gw.http.get('/api/me').set(bearer(op.token)).expect(401);
    await signIn(gw, op.email, 'Reset-By-Admin-2024x');
    await gw.http.get('/api/me').set(bearer(colleague.token)).expect(200);
  });

  it('when an operator is deleted, then their token gets 401', async () => {
    const op = await gw.login();
    await gw.http.get('/api/me').set(bearer(op.token)).expect(200);
    await gw.infra.store.operators.deleteOne({ _id: op.id });
    await eventually(async () => (await gw.http.get('/api/me').set(bearer(op.token))).status === 401, 6000);
  });

  // Last: closing a second gateway on the same database drops that database.
  it('when a session ends on one web instance, then another instance refuses it within 5 s, and a restarted one refuses it too', async () => {
    const other = await startGateway('sessions2', { worker: false, env: { MONGODB_URI: gw.config.MONGODB_URI, QUEUE_PREFIX: gw.config.QUEUE_PREFIX } });
    try {
      const [a, b] = [await gw.login(), await gw.login(['supervisor'])];
      // The other instance has checked (and cached) both sessions, and b has a console open there.
      await other.http.get('/api/me').set(bearer(a.token)).expect(200);
      await other.http.get('/api/me').set(bearer(b.token)).expect(200);
      const console = await openConsole(other, b.token);
      const started = Date.now();
      await gw.http.post('/api/auth/logout').set(bearer(a.token)).expect(204);
      await gw.http.patch(`/api/operators/${b.id}`).set(bearer(admin.token)).send({ roles: ['operator'] }).expect(200);
      await eventually(async () => (await other.http.get('/api/me').set(bearer(a.token))).status === 401, 5000);
      await eventually(async () => (await other.http.get('/api/me').set(bearer(b.token))).status === 401, 5000);
      expect((await console.closed).code).toBe(4401);
      expect(Date.now() - started).toBeLessThan(5000);
      // A web instance started afterwards knows nothing in memory, and refuses them as well.
      const restarted = await startGateway('sessions3', { worker: false, env: { MONGODB_URI: gw.config.MONGODB_URI, QUEUE_PREFIX: `${gw.config.QUEUE_PREFIX}_r` } });
      try {
        await restarted.http.get('/api/me').set(bearer(a.token)).expect(401);
        await restarted.http.get('/api/me').set(bearer(b.token)).expect(401);
      } finally {
        await restarted.close().catch(() => undefined);
      }
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
