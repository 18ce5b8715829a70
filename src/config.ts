// Environment → typed, validated configuration. Every variable the gateway
// reads is read here, once; .env.example documents each one. Production
// refuses to start with the development defaults for secrets.
import { z } from 'zod';
import { passwordProblem } from './operators/password-policy';

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
  WEBCHAT_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  // Web chat file uploads (POST /v3/directline/conversations/:id/upload): bytes per file, per upload, files per upload.
  WEBCHAT_UPLOAD_MAX_FILE_BYTES: z.coerce.number().int().min(1).default(4 * 1024 * 1024),
  WEBCHAT_UPLOAD_MAX_TOTAL_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
  WEBCHAT_UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(50).default(10),
  SESSION_SECRET: z.string().min(16).default(DEV_SESSION_SECRET),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(12 * 3600),
  /** How long a web process trusts its last check that a session still stands (logout, disable, role or password change), ms. */
  SESSION_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(5000).default(5000),
  // Sign-in throttle (src/operators/login-throttle.ts). Failures are counted per (account, address) pair: the first
  // LOGIN_FREE_FAILURES pass, then each attempt waits twice as long as the last, up to LOGIN_MAX_DELAY_SECONDS.
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).default(3),
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
  // Ceilings within the window: over them, only addresses with no failure on that account may still try.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(50),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
  /** Which proxies' X-Forwarded-For is believed: none (default), a hop count, or Express's list ("loopback", "10.0.0.0/8, 127.0.0.1"). */
  TRUST_PROXY: z.string().default('none'),
  /** Bearer token for GET /metrics; unset → open in development and test, refused (404) in production. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN needs at least 16 characters').optional(),
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
  // WebSockets (Direct Line streams, console, media streams) are pinged this often; one that missed the last ping is dropped.
  WS_HEARTBEAT_MS: z.coerce.number().int().min(100).default(30000),
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(50).default(3000),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_API_URL: z.url().optional(),
  // Twilio Messaging (src/channels/messaging): SMS and WhatsApp.
  /** Unset: on, except in production without any Twilio credentials (no webhook could be verified). */
  TWILIO_MESSAGING_ENABLED: bool.optional(),
  TWILIO_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  /** Senders for messages to customers who have not written to a number of ours (else the number they wrote to). */
  TWILIO_SMS_FROM: z.string().optional(),
  TWILIO_WHATSAPP_FROM: z.string().optional(),
  /** Messages per second per sender (a long code sends ~1/s); overrides as "+1555…=3,whatsapp:+1555…=80". */
  MESSAGING_RATE_PER_SECOND: z.coerce.number().positive().max(10000).default(1),
  MESSAGING_SENDER_RATES: z.string().optional(),
  MESSAGING_BODY_LIMIT: z.string().default('64kb'),
  WHATSAPP_WINDOW_SECONDS: z.coerce.number().int().min(1).default(24 * 3600),
  DEEPGRAM_API_KEY: z.string().optional(),
  DEEPGRAM_API_URL: z.url().optional(),
  // Voice (src/channels/voice) and transcription (src/transcription).
  /** Unset: on, except in production without any Twilio credentials (no webhook could be verified). */
  VOICE_ENABLED: bool.optional(),
  /** Signs voice webhooks outside production when TWILIO_AUTH_TOKEN is unset (`npm run call` uses it too). */
  VOICE_SANDBOX_AUTH_TOKEN: z.string().min(8).default('switchboard-voice-sandbox'),
  /** Dialled number → language, e.g. "+35542200100=sq,+35542200200=en". */
  VOICE_NUMBER_LANGUAGES: z.string().optional(),
  /** The key that switches to the other language at the greeting ("" turns it off). */
  VOICE_LANGUAGE_DIGIT: z.string().regex(/^[0-9*#]?$/).default('9'),
  VOICE_SPEECH_LANGUAGES: z.string().default('en=en-US,sq=sq-AL'),
  VOICE_SAY_VOICES: z.string().default('en=Polly.Joanna'),
  VOICE_MAX_MISSES: z.coerce.number().int().min(0).max(10).default(2),
  VOICE_NO_INPUT_ACTION: z.enum(['operator', 'voicemail']).default('operator'),
  VOICE_SAY_MAX_CHARS: z.coerce.number().int().min(50).default(600),
  /** An answer cut at VOICE_SAY_MAX_CHARS is offered in full by SMS (needs messaging on). */
  VOICE_SMS_FULL_ANSWERS: bool.default(true),
  VOICE_RECORD_CALLS: bool.default(true),
  VOICE_RECORDING_ANNOUNCEMENT: bool.default(true),
  /** Dialled numbers whose calls are neither recorded nor announced as recorded. */
  VOICE_UNRECORDED_NUMBERS: z.string().optional(),
  VOICE_VOICEMAIL_MAX_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  VOICE_QUEUE_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(600),
  VOICE_HOLD_SECONDS: z.coerce.number().int().min(1).max(120).default(30),
  VOICE_HOLD_MUSIC_URL: z.url().optional(),
  VOICE_SECONDS_PER_CALLER: z.coerce.number().int().min(1).default(120),
  /** Caller id for calls we place (operators, call backs); unset → the number the customer called. */
  VOICE_CALLER_ID: z.string().optional(),
  VOICE_CALLBACK_QUEUE: z.string().default('callbacks'),
  VOICE_LIVE_TRANSCRIPTION: bool.default(false),
  VOICE_MEDIA_STREAM_URL: z.string().regex(/^wss?:\/\//).optional(),
  VOICE_MEDIA_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  DEEPGRAM_MODEL: z.string().default('nova-3'),
  DEEPGRAM_LIVE_MODEL: z.string().default('nova-3'),
  TRANSCRIBE_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  TRANSCRIBE_BACKOFF_MS: z.coerce.number().int().min(10).default(5000),
  LLM_BASE_URL: z.url().optional(),
  LLM_API_KEY: z.string().optional(),
  // FAQ re-ranking by the optional LLM (src/faq/llm.ts): model name and how long to wait before falling back to retrieval.
  LLM_MODEL: z.string().default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(2000),
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SUPPORT_EMAIL: z.string().optional(),
  EMAIL_INBOUND_SECRET: z.string().optional(),
  // Email channel (src/channels/email). Listener: where, how big, optional STARTTLS and AUTH for relays.
  SMTP_HOST: z.string().default('0.0.0.0'),
  SMTP_TLS_KEY_FILE: z.string().optional(),
  SMTP_TLS_CERT_FILE: z.string().optional(),
  SMTP_AUTH_USER: z.string().optional(),
  SMTP_AUTH_PASSWORD: z.string().optional(),
  EMAIL_MAX_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  EMAIL_ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(0).default(5 * 1024 * 1024),
  // Outbound: smtp (nodemailer to SMTP_RELAY_URL), sendgrid (v3 mail/send API) or sandbox (the outbox); unset → chosen from what is configured.
  EMAIL_TRANSPORT: z.enum(['smtp', 'sendgrid', 'sandbox']).optional(),
  SMTP_RELAY_URL: z.string().regex(/^smtps?:\/\//, 'SMTP_RELAY_URL must be smtp:// or smtps://').optional(),
  SENDGRID_API_KEY: z.string().optional(),
  SENDGRID_API_URL: z.url().default('https://api.sendgrid.com'),
  EMAIL_MESSAGE_ID_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/i).optional(),
  // Noise control: spam score at or above which a mail is stored but not answered; auto-replies per sender per window.
  EMAIL_SPAM_THRESHOLD: z.coerce.number().default(5),
  EMAIL_AUTOREPLY_LIMIT: z.coerce.number().int().min(0).default(5),
  EMAIL_AUTOREPLY_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  EMAIL_FAQ_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.65),
});

export type Env = z.infer<typeof schema>;

export interface Config extends Omit<Env, 'TRUST_PROXY'> {
  PUBLIC_BASE_URL: string;
  /** Express's 'trust proxy' setting: false (none), a hop count, or a list of addresses and subnets. */
  TRUST_PROXY: false | number | string;
  SEED_DEMO: boolean;
  isProduction: boolean;
  TWILIO_MESSAGING_ENABLED: boolean;
  VOICE_ENABLED: boolean;
}

export class ConfigError extends Error {}

function trustProxy(v: string): false | number | string {
  const t = v.trim().toLowerCase();
  if (['', 'none', 'false', 'no', '0'].includes(t)) return false;
  if (/^\d+$/.test(t)) return Number(t);
  return v.trim();
}

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
  const messagingEnabled = c.TWILIO_MESSAGING_ENABLED ?? (!isProduction || !!c.TWILIO_ACCOUNT_SID || !!c.TWILIO_AUTH_TOKEN);
  const voiceEnabled = c.VOICE_ENABLED ?? (!isProduction || !!c.TWILIO_ACCOUNT_SID || !!c.TWILIO_AUTH_TOKEN);
  if (isProduction) {
    const problems: string[] = [];
    if (c.DIRECTLINE_SECRET === DEV_DIRECTLINE_SECRET) problems.push('DIRECTLINE_SECRET must be set');
    if (c.SESSION_SECRET === DEV_SESSION_SECRET) problems.push('SESSION_SECRET must be set');
    if (!c.ADMIN_EMAIL || !c.ADMIN_PASSWORD) problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set');
    else {
      const weak = passwordProblem(c.ADMIN_PASSWORD, c.ADMIN_EMAIL);
      if (weak) problems.push(`ADMIN_PASSWORD is refused: ${weak}`);
    }
    if (!c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL must be set');
    if (c.TWILIO_ACCOUNT_SID && !c.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN must be set with TWILIO_ACCOUNT_SID');
    // Unsigned messaging webhooks would let anyone write as any customer.
    else if (!c.TWILIO_AUTH_TOKEN) {
      if (messagingEnabled) problems.push('TWILIO_AUTH_TOKEN must be set to verify Twilio messaging webhooks (or set TWILIO_MESSAGING_ENABLED=false)');
      // Likewise voice: every call webhook would be refused (403), so callers would hear Twilio's error message.
      if (voiceEnabled) problems.push('TWILIO_AUTH_TOKEN must be set to verify Twilio voice webhooks (or set VOICE_ENABLED=false)');
    }
    if (problems.length) throw new ConfigError(`refusing to start in production:\n  ${problems.join('\n  ')}`);
  }
  return {
    ...c,
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    SEED_DEMO: c.SEED_DEMO ?? c.NODE_ENV === 'development',
    TRUST_PROXY: trustProxy(c.TRUST_PROXY),
    isProduction,
    TWILIO_MESSAGING_ENABLED: messagingEnabled,
    VOICE_ENABLED: voiceEnabled,
  };
}
