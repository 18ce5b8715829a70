// Brute-force protection on POST /api/auth/login: failures counted per
// (account, address) pair with a progressive delay, and ceilings per address
// and per account that never lock out a clean address, shared by every web
// instance through Redis.
import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import pino from 'pino';
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { LoginThrottle, delaySeconds } from '../../src/operators/login-throttle';

/** Each test speaks from addresses of its own (the test gateway trusts X-Forwarded-For from loopback). */
let hosts = 0;
const anAddress = () => `203.0.113.${++hosts}`;

const LIMITS = { LOGIN_FREE_FAILURES: '3', LOGIN_MAX_DELAY_SECONDS: '900', LOGIN_MAX_FAILURES_PER_ACCOUNT: '8', LOGIN_MAX_FAILURES_PER_IP: '8', LOGIN_FAILURE_WINDOW_SECONDS: '900' };

describe('sign-in throttle', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('loginthrottle', { worker: false, env: LIMITS });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await gw.close();
  });

  const login = (g: Gateway, ip: string, email: string, password: string) => g.http.post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  const fail = async (g: Gateway, ip: string, email: string, times: number) => {
    for (let i = 0; i < times; i++) await login(g, ip, email, `wrong-password-${i}`).expect(401);
  };

  it('when an address has failed 3 times on an account, then its next attempt must wait (429, Retry-After) and each later failure doubles the wait', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 3);
    const res = await login(gw, ip, op.email, op.password).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(res.body.token).toBeUndefined();
    expect(Number(res.headers['retry-after'])).toBe(1);
    // The email's case does not open a second counter.
    await login(gw, ip, op.email.toUpperCase(), op.password).expect(429);
    // Once the wait is over, a wrong password is refused again and shuts the pair for twice as long.
    await eventually(async () => (await login(gw, ip, op.email, 'still-wrong-password')).status === 401, 5000, 100);
    const next = await login(gw, ip, op.email, op.password).expect(429);
    expect(Number(next.headers['retry-after'])).toBe(2);
    expect([3, 4, 5, 12, 13, 40].map((n) => delaySeconds(n, { freeFailures: 3, maxDelaySeconds: 900 }))).toEqual([1, 2, 4, 512, 900, 900]);
  });

  it('when an address is slowed on an account, then the owner with the right password from another address signs in at once', async () => {
    const op = await gw.login();
    await fail(gw, anAddress(), op.email, 3);
    await login(gw, anAddress(), op.email, op.password).expect(200);
  });

  it('when a pair is slowed, then the password is not even compared', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 3);
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      await login(gw, ip, op.email, op.password).expect(429);
      expect(compare).not.toHaveBeenCalled();
    } finally {
      compare.mockRestore();
    }
  });

  it('when an address passes its ceiling of failures, then it is refused for accounts it failed on, but an account with no failures from it still signs in', async () => {
    const ip = anAddress();
    const sprayed = [await gw.login(), await gw.login(), await gw.login(), await gw.login()];
    const clean = await gw.login();
    // 4 accounts × 2 failures = 8, the address ceiling here (each pair stays under its free failures).
    for (const a of sprayed) await fail(gw, ip, a.email, 2);
    const res = await login(gw, ip, sprayed[0].email, sprayed[0].password).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await login(gw, ip, clean.email, clean.password).expect(200);
  });

  it('when many addresses fail on one account past its ceiling, then they are refused, and the owner from a clean address still signs in with the right password', async () => {
    const op = await gw.login();
    const attackers = [anAddress(), anAddress(), anAddress(), anAddress()];
    for (const ip of attackers) await fail(gw, ip, op.email, 2);
    await login(gw, attackers[0], op.email, 'one-more-guess').expect(429);
    await login(gw, anAddress(), op.email, op.password).expect(200);
  });

  it('when a login succeeds, then the failures counted for that pair start over', async () => {
    const ip = anAddress();
    const op = await gw.login();
    await fail(gw, ip, op.email, 2);
    await login(gw, ip, op.email, op.password).expect(200);
    await fail(gw, ip, op.email, 3);
  });

  it('when the email is unknown, then the answer is the one a wrong password gets, the password is still hashed, and it is slowed the same way', async () => {
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

    const other = anAddress();
    await fail(gw, other, op.email, 3);
    await fail(gw, other, unknown, 3);
    const slowedKnown = await login(gw, other, op.email, 'anything').expect(429);
    const slowedUnknown = await login(gw, other, unknown, 'anything').expect(429);
    expect(slowedUnknown.body).toEqual(slowedKnown.body);
  });

  it('when an account reaches its ceiling, then one warning is logged with the email masked and no password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const limits = { freeFailures: 100, maxDelaySeconds: 60, perAccount: 3, perIp: 100, windowSeconds: 60 };
    const throttle = new LoginThrottle(gw.infra.redis, `${gw.config.QUEUE_PREFIX}_log`, limits, pino({ level: 'warn' }, sink));
    const email = 'Ana.Hoxha@Test.Example';
    for (let i = 0; i < 6; i++) {
      const d = await throttle.begin(email, `192.0.2.${i + 1}`);
      if (d.allowed) await d.attempt.failed();
    }
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; account?: string }).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].account).toBe('an***@test.example');
    expect(lines.join('\n')).not.toMatch(/ana\.hoxha/i);
  });

  it('when TRUST_PROXY is not set, then X-Forwarded-For is ignored and rotating it does not reset the count', async () => {
    const strict = await startGateway('loginthrottle-noproxy', { worker: false, env: { ...LIMITS, TRUST_PROXY: '' } });
    try {
      expect(strict.config.TRUST_PROXY).toBe(false);
      const op = await strict.login();
      for (let i = 0; i < 3; i++) await login(strict, anAddress(), op.email, `wrong-password-${i}`).expect(401);
      // Every request came from 127.0.0.1, whatever it claimed: the pair is slowed.
      await login(strict, anAddress(), op.email, op.password).expect(429);
    } finally {
      await strict.close();
    }
  });

  // Last: closing a second gateway on the same database drops that database.
  it('when two web instances share Redis, then failures on one count on the other', async () => {
    const other = await startGateway('loginthrottle2', { worker: false, env: { ...LIMITS, MONGODB_URI: gw.config.MONGODB_URI, QUEUE_PREFIX: gw.config.QUEUE_PREFIX } });
    try {
      const ip = anAddress();
      const op = await gw.login();
      await fail(gw, ip, op.email, 2);
      await fail(other, ip, op.email, 1);
      await login(gw, ip, op.email, op.password).expect(429);
      await login(other, ip, op.email, op.password).expect(429);
    } finally {
      await other.close();
    }
  });
});
