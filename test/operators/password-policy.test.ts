// Passwords an operator may have: at least 12 characters, not among the
// 10,000 most common, not a few characters repeated, not the email's local part.
import { startGateway, Gateway } from '../helpers/gateway';
import { loadConfig } from '../../src/config';
import { passwordProblem } from '../../src/operators/password-policy';

describe('password policy', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('pwpolicy', { worker: false });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when an admin adds an operator with a weak password, then it is refused with 400 saying why; a strong one is taken', async () => {
    const admin = await gw.login(['admin']);
    const add = (email: string, password: string) => gw.http.post('/api/operators').set('Authorization', `Bearer ${admin.token}`).send({ name: 'New', email, password, roles: ['operator'] });
    for (const weak of ['aaaaaaaaaa', '1234567890', 'password12', 'aaaaaaaaaaaa', '121212121212', 'qwerty123456', 'QWERTY123456', '1qaz2wsx3edc']) {
      const res = await add(`weak.${weak.length}@test.example`, weak).expect(400);
      expect(JSON.stringify(res.body)).toMatch(/12 characters|most common|too few characters/);
    }
    const own = await add('besnik.hoxha@test.example', 'Besnik.Hoxha-2024!').expect(400);
    expect(own.body.detail).toMatch(/email/);
    await add('besnik.hoxha@test.example', 'tram-lantern-otter-57').expect(201);
  });

  it('when an operator changes their password to a common one, then it is refused and the old one still works', async () => {
    const op = await gw.login();
    await gw.http.post(`/api/operators/${op.id}/password`).set('Authorization', `Bearer ${op.token}`).send({ password: 'qwertyqwerty', currentPassword: op.password }).expect(400);
    await gw.http.post('/api/auth/login').send({ email: op.email, password: op.password }).expect(200);
  });

  it('when production is configured with a weak admin password, then it refuses to start; development still may', () => {
    const production = {
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:1',
      DIRECTLINE_SECRET: 'p'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      ADMIN_EMAIL: 'admin@vala.example',
      PUBLIC_BASE_URL: 'https://gateway.vala.example',
      TWILIO_MESSAGING_ENABLED: 'false',
      VOICE_ENABLED: 'false',
    };
    expect(() => loadConfig({ ...production, ADMIN_PASSWORD: 'qwertyqwerty' })).toThrow(/ADMIN_PASSWORD is refused: the password is one of the most common/);
    expect(() => loadConfig({ ...production, ADMIN_PASSWORD: 'admin-at-vala-1' })).toThrow(/must not contain the email/);
    expect(loadConfig({ ...production, ADMIN_PASSWORD: 'tram-lantern-otter-57' }).isProduction).toBe(true);
    expect(loadConfig({ ...production, NODE_ENV: 'development', ADMIN_PASSWORD: 'qwertyqwerty' }).isProduction).toBe(false);
  });

  it('when a password is checked, then case does not hide a common one and short local parts do not count', () => {
    expect(passwordProblem('QwErTy123456', 'x@y.z')).toMatch(/most common/);
    expect(passwordProblem('al-river-stone-9', 'al@vala.example')).toBeNull();
  });
});
