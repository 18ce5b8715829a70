// Brute-force protection on POST /api/auth/login: failures counted per account
// and per client address in Redis, shared by every web instance.
import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import pino from 'pino';
import { startGateway, Gateway } from '../helpers/gateway';
import { LoginThrottle } from '../../src/operators/login-throttle';

/** Each test speaks from an address of its own (the gateway trusts X-Forwarded-For from loopback). */
let hosts = 0;
const anAddress = () => `203.0.113.${++hosts}`;

describe('sign-in throttle', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('loginthrottle', { worker: false, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_IP: '8', LOGIN_FAILURE_WINDOW_SECONDS: '900' } });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await gw.close();
  });

  const login = (g: Gateway, ip: string, email: string, password: string) => g.http.post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  const fail = async (g: Gateway, ip: string, email: string, times: number) => {
    for (let i = 0; i < times; i++) await login(g, ip, email, `wrong-password-${i}`).expect(401);
  };

  it('when an account has had 5 wrong passwords, then the 6th attempt is refused with 429 and Retry-After, even with the right password', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 5);
    const res = await login(gw, ip, op.email, op.password).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(res.body.token).toBeUndefined();
    const wait = Number(res.headers['retry-after']);
    expect(Number.isInteger(wait)).toBe(true);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(900);
    // The email's case does not open a second counter.
    await login(gw, ip, op.email.toUpperCase(), op.password).expect(429);
    // Nor does another address: the account itself is locked.
    await login(gw, anAddress(), op.email, op.password).expect(429);
  });

  it('when the account is locked, then the password is not even compared', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 5);
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      await login(gw, ip, op.email, op.password).expect(429);
      expect(compare).not.toHaveBeenCalled();
    } finally {
      compare.mockRestore();
    }
  });

  it('when one account is locked, then another account from the same address still signs in, until the address reaches its own limit', async () => {
    const ip = anAddress();
    const [a, b, c, d] = [await gw.login(), await gw.login(), await gw.login(), await gw.login()];
    await fail(gw, ip, a.email, 5);
    await login(gw, ip, a.email, a.password).expect(429);
    await fail(gw, ip, b.email, 1);
    await login(gw, ip, b.email, b.password).expect(200);
    // Failures from this address: 5 (a) + 1 (b) + 2 (c) = 8, the address limit here.
    await fail(gw, ip, c.email, 2);
    const res = await login(gw, ip, d.email, d.password).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Elsewhere d is not locked.
    await login(gw, anAddress(), d.email, d.password).expect(200);
  });

  it('when a login succeeds, then the failures counted for the account start over', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 4);
    await login(gw, ip, op.email, op.password).expect(200);
    await fail(gw, anAddress(), op.email, 4);
    await login(gw, anAddress(), op.email, op.password).expect(200);
  });

  it('when the email is unknown, then the answer is the one a wrong password gets, the password is still hashed, and it is locked the same way', async () => {
    const ip = anAddress();
    const op = await gw.login();
    const unknown = `nobody_${Date.now()}@test.example`;
    const compare = jest.spyOn(bcrypt, 'compare');
    let wrong, missing;
    try {
      wrong = await login(gw, ip, op.email, 'wrong-password').expect(401);
      missing = await login(gw, ip, unknown, 'wrong-password').expect(401);
      // Both paths pay for one bcrypt comparison (a dummy hash for the unknown email).
      expect(compare).toHaveBeenCalledTimes(2);
    } finally {
      compare.mockRestore();
    }
    expect(missing.headers['content-type']).toBe(wrong.headers['content-type']);
    expect(missing.body).toEqual(wrong.body);

    await fail(gw, ip, op.email, 4);
    await fail(gw, anAddress(), unknown, 4);
    const lockedKnown = await login(gw, anAddress(), op.email, 'anything').expect(429);
    const lockedUnknown = await login(gw, anAddress(), unknown, 'anything').expect(429);
    expect(lockedUnknown.body).toEqual(lockedKnown.body);
  });

  it('when a lockout begins, then one warning is logged with the email masked and no password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const throttle = new LoginThrottle(gw.infra.redis, `${gw.config.QUEUE_PREFIX}_log`, { perAccount: 3, perIp: 100, windowSeconds: 60 }, pino({ level: 'info' }, sink));
    const email = 'Ana.Hoxha@Test.Example';
    for (let i = 0; i < 6; i++) {
      const d = await throttle.begin(email, '192.0.2.7');
      if (d.allowed) await d.attempt.failed();
    }
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; account?: string }).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].account).toBe('an***@test.example');
    expect(lines.join('\n')).not.toMatch(/ana\.hoxha/i);
  });

  // Last: closing a second gateway on the same database drops that database.
  it('when two web instances share Redis, then failures on one count on the other', async () => {
    const other = await startGateway('loginthrottle2', {
      worker: false,
      env: { MONGODB_URI: gw.config.MONGODB_URI, QUEUE_PREFIX: gw.config.QUEUE_PREFIX, LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_IP: '8' },
    });
    try {
      const ip = anAddress();
      const op = await gw.login();
      await fail(gw, ip, op.email, 3);
      await fail(other, ip, op.email, 2);
      await login(gw, ip, op.email, op.password).expect(429);
      await login(other, ip, op.email, op.password).expect(429);
    } finally {
      await other.close();
    }
  });
});
