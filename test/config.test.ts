import { loadConfig, ConfigError } from '../src/config';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/x', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('configuration', () => {
  it('when nothing optional is set in development, then safe defaults apply', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ NODE_ENV: 'development', PORT: 3000, PUBLIC_BASE_URL: 'http://localhost:3000', SEED_DEMO: true });
  });

  it('when production starts without secrets or an admin, then it refuses and names what is missing', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/DIRECTLINE_SECRET[\s\S]*SESSION_SECRET[\s\S]*ADMIN_EMAIL/);
  });

  it('when production has its secrets and an admin, then it starts without demo accounts', () => {
    const c = loadConfig({
      ...base,
      NODE_ENV: 'production',
      DIRECTLINE_SECRET: 'p'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      ADMIN_EMAIL: 'admin@vala.example',
      ADMIN_PASSWORD: 'a-very-long-password',
      PUBLIC_BASE_URL: 'https://gateway.vala.example/',
    });
    expect(c.SEED_DEMO).toBe(false);
    expect(c.PUBLIC_BASE_URL).toBe('https://gateway.vala.example');
  });

  describe('voice in production', () => {
    const production = {
      ...base,
      NODE_ENV: 'production',
      DIRECTLINE_SECRET: 'p'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      ADMIN_EMAIL: 'admin@vala.example',
      ADMIN_PASSWORD: 'a-very-long-password',
      PUBLIC_BASE_URL: 'https://gateway.vala.example',
    };

    it('when voice is on without TWILIO_AUTH_TOKEN, then it refuses to start and says how to fix it (no webhook could be verified)', () => {
      expect(() => loadConfig({ ...production, VOICE_ENABLED: 'true' })).toThrow(ConfigError);
      expect(() => loadConfig({ ...production, VOICE_ENABLED: 'true' })).toThrow(/TWILIO_AUTH_TOKEN must be set to verify Twilio voice webhooks \(or set VOICE_ENABLED=false\)/);
      // Messaging explicitly off does not hide the voice problem.
      expect(() => loadConfig({ ...production, VOICE_ENABLED: 'true', TWILIO_MESSAGING_ENABLED: 'false' })).toThrow(/voice webhooks/);
    });

    it('when voice is turned off, or the token is set, then it starts; with no Twilio at all, voice is off', () => {
      expect(loadConfig({ ...production, VOICE_ENABLED: 'false' }).VOICE_ENABLED).toBe(false);
      expect(loadConfig({ ...production, TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'x'.repeat(32) }).VOICE_ENABLED).toBe(true);
      expect(loadConfig(production).VOICE_ENABLED).toBe(false);
      expect(loadConfig(base).VOICE_ENABLED).toBe(true);
    });
  });

  it('when a value is malformed, then the error names the variable', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ...base, ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig({ REDIS_URL: base.REDIS_URL })).toThrow(/MONGODB_URI/);
  });
});
