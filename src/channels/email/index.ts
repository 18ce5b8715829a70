// The email channel put together from the gateway's infrastructure and
// services: app.ts mounts its routes, server.ts starts its SMTP listener,
// the worker registers its sender. Each process builds its own instance;
// they share nothing but the store.
import type { Infra, Services } from '../../app';
import { EmailService } from './email.service';
import { EmailResponder } from './responder';
import { EmailSender } from './sender';
import { emailSettings, EmailSettings } from './settings';
import { SmtpListener, SmtpListenerOptions, startSmtpListener, tlsFromFiles } from './smtp.listener';
import { EmailStore } from '../../store/email.repo';
import { createTransport } from './transports';

export interface EmailChannel {
  settings: EmailSettings;
  store: EmailStore;
  service: EmailService;
}

export function createEmailChannel(infra: Pick<Infra, 'config' | 'store' | 'redis' | 'logger'>, s: Services): EmailChannel {
  const settings = emailSettings(infra.config);
  const store = infra.store.email;
  const responder = new EmailResponder({ settings, store, faq: s.faq, handoff: s.handoff, outbound: s.outbound, prompts: s.prompts, redis: infra.redis });
  const service = new EmailService({ settings, store, conversations: s.conversations, bot: s.bot, responder, logger: infra.logger, displayName: (name) => s.displayNames.safe(name) });
  return { settings, store, service };
}

/** The worker's email sender (SMTP relay, SendGrid API or sandbox, as configured). */
export function createEmailSender(infra: Pick<Infra, 'config' | 'store' | 'logger'>, s: Pick<Services, 'prompts'>): EmailSender {
  const settings = emailSettings(infra.config);
  return new EmailSender({ settings, store: infra.store.email, prompts: s.prompts, transport: createTransport(settings), logger: infra.logger });
}

/** Starts the SMTP listener as configured (SMTP_PORT, SMTP_HOST, TLS files, AUTH user); options override. */
export function startEmailListener(infra: Pick<Infra, 'config' | 'store' | 'redis' | 'logger'>, s: Services, overrides: Partial<SmtpListenerOptions> = {}): Promise<SmtpListener> {
  const { config } = infra;
  const channel = createEmailChannel(infra, s);
  return startSmtpListener(
    { email: channel.service, settings: channel.settings, logger: infra.logger },
    {
      port: config.SMTP_PORT ?? 0,
      host: config.SMTP_HOST,
      tls: tlsFromFiles(config.SMTP_TLS_KEY_FILE, config.SMTP_TLS_CERT_FILE),
      auth: config.SMTP_AUTH_USER && config.SMTP_AUTH_PASSWORD ? { user: config.SMTP_AUTH_USER, password: config.SMTP_AUTH_PASSWORD } : undefined,
      ...overrides,
    },
  );
}

export { emailInboundRoutes } from './inbound.routes';
export { emailApiRoutes } from './email.routes';
export { startSmtpListener };
