// Environment → typed, validated configuration. Every variable the gateway
// reads is read here, once; .env.example documents each one. Production
// refuses to start with the development defaults for secrets.
import { z } from 'zod';

const DEV_DIRECTLINE_SECRET = 'dev-directline-secret-change-me';
const DEV_SESSION_SECRET = 'dev-session-secret-change-me';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  MONGODB_URI: z.string().min(1, 'MONGODB_URI is required (npm start sets a local one)'),
  REDIS_URL: z.string().min(1, 'REDIS_URL is required (npm start sets a local one)'),
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('sb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DIRECTLINE_SECRET: z.string().min(16).default(DEV_DIRECTLINE_SECRET),
  DIRECTLINE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(1800),
  SESSION_SECRET: z.string().min(16).default(DEV_SESSION_SECRET),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(12 * 3600),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'ADMIN_PASSWORD needs at least 10 characters').optional(),
  SEED_DEMO: bool.optional(),
  BODY_LIMIT: z.string().default('100kb'),
  FLOWS_DIR: z.string().default('flows'),
  PROMPTS_DIR: z.string().default('prompts'),
  FAQ_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  COMPANY_NAME: z.string().default('Vala Telecom'),
  OUTBOUND_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_API_URL: z.url().optional(),
  DEEPGRAM_API_KEY: z.string().optional(),
  DEEPGRAM_API_URL: z.url().optional(),
  LLM_BASE_URL: z.url().optional(),
  LLM_API_KEY: z.string().optional(),
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SUPPORT_EMAIL: z.string().optional(),
  EMAIL_INBOUND_SECRET: z.string().optional(),
});

export type Env = z.infer<typeof schema>;

export interface Config extends Env {
  PUBLIC_BASE_URL: string;
  SEED_DEMO: boolean;
  isProduction: boolean;
}

export class ConfigError extends Error {}

/** Parse and check an environment. Pure: tests pass their own object. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const isProduction = c.NODE_ENV === 'production';
  if (isProduction) {
    const problems: string[] = [];
    if (c.DIRECTLINE_SECRET === DEV_DIRECTLINE_SECRET) problems.push('DIRECTLINE_SECRET must be set');
    if (c.SESSION_SECRET === DEV_SESSION_SECRET) problems.push('SESSION_SECRET must be set');
    if (!c.ADMIN_EMAIL || !c.ADMIN_PASSWORD) problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set');
    if (!c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL must be set');
    if (c.TWILIO_ACCOUNT_SID && !c.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN must be set with TWILIO_ACCOUNT_SID');
    if (problems.length) throw new ConfigError(`refusing to start in production:\n  ${problems.join('\n  ')}`);
  }
  return {
    ...c,
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    SEED_DEMO: c.SEED_DEMO ?? c.NODE_ENV === 'development',
    isProduction,
  };
}
