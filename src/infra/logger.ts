// Structured logs (pino), one event per line. Secrets, passwords and tokens
// are redacted by path so a careless log call cannot leak them.
import pino, { Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'headers.authorization',
];

export function createLogger(level: string, name = 'switchboard'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

/**
 * A process that meets an error nobody handled logs it and exits, so its
 * supervisor (`npm start`, the platform running the Procfile) starts a clean
 * one instead of leaving it running in an unknown state.
 */
export function exitOnCrash(logger: Logger): void {
  const crash = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}: the process exits`);
    process.exit(1);
  };
  process.on('unhandledRejection', crash('unhandled rejection'));
  process.on('uncaughtException', crash('uncaught exception'));
}
