// The messaging channel's pieces, built from the infrastructure and services
// by the composition root: webhook routes for the web process, senders for
// the worker, the operator-API guard, the sandbox outbox.
import type { Infra, Services } from '../../app';
import { createTwilioClient } from '../twilio/client';
import { SenderRateLimiter, parseSenderRates } from '../twilio/rate-limit';
import { MessagingInbound } from './inbound';
import { messagingApiRoutes, messagingRoutes } from './messaging.routes';
import { messagingGuard } from './policy';
import { messagingSenders } from './sender';

export function messagingWebhooks(infra: Infra, s: Services) {
  const { config, logger, redis } = infra;
  // Only outside production (config.ts refuses it there): lets a developer curl the webhook.
  if (!config.TWILIO_AUTH_TOKEN) logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio messaging webhooks are accepted unsigned (sandbox)');
  const inbound = new MessagingInbound({
    conversations: s.conversations,
    bot: s.bot,
    prompts: s.prompts,
    redis,
    logger,
    prefix: config.QUEUE_PREFIX,
    company: config.COMPANY_NAME,
  });
  return messagingRoutes({
    inbound,
    conversations: s.conversations,
    logger,
    authToken: config.TWILIO_AUTH_TOKEN,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    bodyLimit: config.MESSAGING_BODY_LIMIT,
    displayName: (name) => s.displayNames.safe(name),
  });
}

export function messagingApi(infra: Infra, s: Pick<Services, 'handoff'>) {
  return messagingApiRoutes({ outbox: infra.store.outbox, canSee: (who, conversationId) => s.handoff.canSeeConversation(who, conversationId) });
}

export function registerMessagingGuard(infra: Infra, s: Pick<Services, 'conversations' | 'outbound'>): void {
  s.outbound.addGuard(messagingGuard({ conversations: s.conversations, windowSeconds: infra.config.WHATSAPP_WINDOW_SECONDS }));
}

export function createMessagingSenders(infra: Infra, s: Services) {
  const { config } = infra;
  return messagingSenders({
    config,
    conversations: s.conversations,
    redis: infra.redis,
    logger: infra.logger,
    client: createTwilioClient(config),
    limiter: new SenderRateLimiter(infra.redis, { prefix: config.QUEUE_PREFIX, defaultRate: config.MESSAGING_RATE_PER_SECOND, rates: parseSenderRates(config.MESSAGING_SENDER_RATES) }),
    outbox: infra.store.outbox,
    prompts: s.prompts,
    company: config.COMPANY_NAME,
  });
}
