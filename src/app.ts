// The composition root: connects the infrastructure, builds each module's
// service with its dependencies, and composes the Express app and the
// WebSocket routes. server.ts and worker.ts start processes from these
// pieces; tests build the same pieces against their own database and prefix.
import express, { Express, Request, Response, NextFunction } from 'express';
import helmet from 'helmet';
import path from 'node:path';
import type { Server } from 'node:http';
import pinoHttp from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Config } from './config';
import { connectMongo, pingMongo } from './infra/mongo';
import { createRedis, pingRedis, Redis } from './infra/redis';
import { Bus } from './infra/bus';
import { createQueue, QUEUE_NAMES, BullQueue } from './infra/queues';
import { createMetrics, Metrics } from './infra/metrics';
import { Heartbeats } from './infra/heartbeat';
import { errorHandler, NotFoundError } from './infra/errors';
import type { Logger } from './infra/logger';
import { attachSockets } from './infra/sockets';
import { createStore, Store } from './store';
import { ConversationsService } from './conversations/conversations.service';
import { conversationsRoutes } from './conversations/conversations.routes';
import { OperatorsService } from './operators/operators.service';
import { operatorsRoutes } from './operators/operators.routes';
import { authenticate, hasRole } from './operators/auth';
import { LoginThrottle, loginLimitsFrom } from './operators/login-throttle';
import { metricsGuard } from './infra/metrics-guard';
import { DisplayNames } from './operators/display-names';
import { consoleSocket } from './operators/console.socket';
import { HandoffService } from './handoff/handoff.service';
import { handoffRoutes } from './handoff/handoff.routes';
import { OutboundService, OutboundJob } from './outbound/outbound.service';
import { loadKb } from './faq/kb';
import { FaqService } from './faq/faq.service';
import { faqLlmFromConfig } from './faq/llm';
import { Prompts } from './flows/prompts';
import { loadFlows } from './flows/loader';
import { FlowEngine } from './flows/engine';
import { CasesService } from './cases/cases.service';
import { casesRoutes } from './cases/cases.routes';
import { caseActions } from './cases/flow-actions';
import { createBotRuntime, BotRuntime } from './bot/runtime';
import { DirectLineTokens } from './channels/webchat/tokens';
import { directLineRoutes } from './channels/webchat/directline.routes';
import { sessionRoutes } from './channels/webchat/session.routes';
import { directLineStream } from './channels/webchat/stream';
import { messagingApi, messagingWebhooks, registerMessagingGuard } from './channels/messaging';
import { createEmailChannel, emailApiRoutes, emailInboundRoutes } from './channels/email';
import { voiceApiRoutes, voiceWebhooks, mediaStreamRoute } from './channels/voice';
import type { TranscribeJob } from './transcription/jobs';

export const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export interface Infra {
  config: Config;
  logger: Logger;
  conn: Connection;
  redis: Redis;
  /** Every read and write of the store, and the one concurrency primitive (src/store). */
  store: Store;
  bus: Bus;
  outboundQueue: BullQueue<OutboundJob>;
  /** Post-call transcription (src/transcription): the web process adds, the worker processes. */
  transcribeQueue: BullQueue<TranscribeJob>;
  /** Workers say they are alive here; /metrics counts them. */
  heartbeats: Heartbeats;
  close(): Promise<void>;
}

export interface Services {
  conversations: ConversationsService;
  operators: OperatorsService;
  handoff: HandoffService;
  outbound: OutboundService;
  faq: FaqService;
  prompts: Prompts;
  engine: FlowEngine;
  cases: CasesService;
  bot: BotRuntime;
  tokens: DirectLineTokens;
  metrics: Metrics;
  /** Which display names a customer may take (not the company's, the bot's or an operator's). */
  displayNames: DisplayNames;
}

export async function createInfra(config: Config, logger: Logger): Promise<Infra> {
  const conn = await connectMongo(config.MONGODB_URI);
  await conn.syncIndexes().catch((err: unknown) => logger.warn({ err }, 'index sync failed'));
  const redis = createRedis(config.REDIS_URL);
  const sub = createRedis(config.REDIS_URL);
  const bus = new Bus(redis, sub, config.QUEUE_PREFIX, logger);
  await bus.start();
  const store = createStore(conn, redis, config.QUEUE_PREFIX);
  const outboundQueue = createQueue<OutboundJob>(QUEUE_NAMES.outbound, config.REDIS_URL, config.QUEUE_PREFIX);
  const transcribeQueue = createQueue<TranscribeJob>(QUEUE_NAMES.transcribe, config.REDIS_URL, config.QUEUE_PREFIX);
  let closed = false;
  return {
    config,
    logger,
    conn,
    redis,
    store,
    bus,
    outboundQueue,
    transcribeQueue,
    heartbeats: new Heartbeats(redis, store.redisKeys.workers(), config.WORKER_HEARTBEAT_MS),
    async close() {
      if (closed) return;
      closed = true;
      await bus.close();
      await outboundQueue.close().catch(() => undefined);
      await transcribeQueue.close().catch(() => undefined);
      sub.disconnect();
      await redis.quit().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

/** Loads flows, prompts and the knowledge base; throws (naming file and line) when any is invalid. */
export function loadContent(config: Config): { prompts: Prompts; faq: FaqService; flows: ReturnType<typeof loadFlows> } {
  const prompts = Prompts.load(path.resolve(ROOT, config.PROMPTS_DIR));
  const flows = loadFlows(path.resolve(ROOT, config.FLOWS_DIR), prompts);
  const llm = faqLlmFromConfig(config, path.resolve(ROOT, config.PROMPTS_DIR));
  const faq = new FaqService(loadKb(path.resolve(ROOT, config.FLOWS_DIR, 'faq', 'kb.yaml')), config.FAQ_MIN_CONFIDENCE, { llm });
  return { prompts, faq, flows };
}

/** Seams for tests: the clock flows read business hours from. */
export interface ServiceOptions {
  clock?: () => Date;
}

export function createServices(infra: Infra, options: ServiceOptions = {}): Services {
  const { config, bus, logger } = infra;
  const { prompts, faq, flows } = loadContent(config);
  const conversations = new ConversationsService(infra.store, bus);
  const operators = new OperatorsService(infra.store, config.SESSION_SECRET, config.SESSION_TTL_SECONDS, { bus, sessionCacheMs: config.SESSION_CHECK_CACHE_MS });
  const outbound = new OutboundService(infra.outboundQueue, conversations, config.OUTBOUND_ATTEMPTS);
  registerMessagingGuard(infra, { conversations, outbound });
  const handoff: HandoffService = new HandoffService(infra.store, {
    conversations,
    bus,
    queueNames: () => flows.hours.queueNames(),
    notify: {
      operatorJoined: async (c, name) => void (await outbound.send(c, { author: 'system', text: prompts.t(c.language, 'operator_joined', { name }) })),
      resolved: async (c) => void (await outbound.send(c, { author: 'system', text: prompts.t(c.language, 'resolved') })),
    },
  });
  const metrics = createMetrics(
    () => handoff.depthByQueue(),
    () => infra.heartbeats.alive(),
  );
  const engine = new FlowEngine(flows, prompts, faq, { company: config.COMPANY_NAME }, options.clock);
  const cases = new CasesService(infra.store);
  const bot = createBotRuntime(infra.store, outbound, {
    engine,
    conversations,
    handoff,
    prompts,
    metrics,
    logger,
    companyName: config.COMPANY_NAME,
    flowActions: (c) => caseActions(cases, c),
  });
  const tokens = new DirectLineTokens(config.DIRECTLINE_SECRET, config.DIRECTLINE_TOKEN_TTL_SECONDS);
  const displayNames = new DisplayNames(operators, [config.COMPANY_NAME]);
  operators.onChange(() => displayNames.refresh());
  return { conversations, operators, handoff, outbound, faq, prompts, engine, cases, bot, tokens, metrics, displayNames };
}

function routeLabel(req: Request): string {
  const r = req.route as { path?: string } | undefined;
  return r?.path ? `${req.baseUrl}${r.path}` : 'unmatched';
}

export function createApp(infra: Infra, s: Services): Express {
  const { config, logger } = infra;
  const app = express();
  app.disable('x-powered-by');
  // Only the proxies TRUST_PROXY names may set the client address (X-Forwarded-For); by default none may.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          fontSrc: ["'self'", 'data:'],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 100) : randomUUID()),
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/([?&](?:t|secret)=)[^&]+/g, '$1[redacted]') }) },
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = s.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: routeLabel(req), status: String(res.statusCode) }));
    next();
  });

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const [mongo, redis] = await Promise.all([pingMongo(infra.conn), pingRedis(infra.redis)]);
    res.status(mongo && redis ? 200 : 503).json({ mongo, redis });
  });
  app.get('/metrics', metricsGuard(config), async (_req, res) => {
    res.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
  });

  const json = express.json({ limit: config.BODY_LIMIT });
  // Email: SendGrid Inbound Parse (multipart, its own body parser); the SMTP listener is started by server.ts.
  // Its attachment store also keeps web chat uploads (one store, one operator route: /api/attachments/:id).
  const email = createEmailChannel(infra, s);
  app.use(
    '/v3/directline',
    json,
    directLineRoutes({
      conversations: s.conversations,
      bot: s.bot,
      tokens: s.tokens,
      botName: config.COMPANY_NAME,
      attachments: email.store,
      uploadLimits: { fileBytes: config.WEBCHAT_UPLOAD_MAX_FILE_BYTES, totalBytes: config.WEBCHAT_UPLOAD_MAX_TOTAL_BYTES, maxFiles: config.WEBCHAT_UPLOAD_MAX_FILES },
      publicBaseUrl: config.PUBLIC_BASE_URL,
      displayName: (name) => s.displayNames.safe(name),
      operatorMaySee: async (token, conversationId) => {
        let operator;
        try {
          operator = await s.operators.authenticate(token);
        } catch {
          return false;
        }
        return hasRole(operator, ['operator', 'supervisor']) && s.handoff.canSeeConversation(operator, conversationId);
      },
    }),
  );
  app.use(
    '/webchat',
    json,
    sessionRoutes({
      conversations: s.conversations,
      tokens: s.tokens,
      redis: infra.redis,
      prefix: config.QUEUE_PREFIX,
      perMinute: config.WEBCHAT_SESSIONS_PER_MINUTE,
      languages: s.prompts.languages(),
    }),
  );

  app.use('/email', emailInboundRoutes({ email: email.service, settings: email.settings, secret: config.EMAIL_INBOUND_SECRET }));

  // Twilio Messaging (SMS, WhatsApp): form-encoded, signed webhooks answered with TwiML.
  if (config.TWILIO_MESSAGING_ENABLED) app.use('/twilio/messaging', messagingWebhooks(infra, s));

  // Twilio Voice: signed webhooks answered with TwiML (IVR, queue, conference, recordings).
  if (config.VOICE_ENABLED) app.use('/twilio/voice', voiceWebhooks(infra, s));

  const api = express.Router();
  api.use(json);
  const loginThrottle = new LoginThrottle(infra.redis, config.QUEUE_PREFIX, loginLimitsFrom(config), logger);
  api.use(operatorsRoutes(s.operators, loginThrottle));
  api.use(authenticate(s.operators));
  api.use(handoffRoutes(s.handoff, s.operators));
  api.use(conversationsRoutes({ conversations: s.conversations, handoff: s.handoff, outbound: s.outbound }));
  api.use(casesRoutes({ cases: s.cases, handoff: s.handoff, conversations: s.conversations }));
  api.use(emailApiRoutes({ store: email.store, handoff: s.handoff }));
  api.use(messagingApi(infra, s));
  if (config.VOICE_ENABLED) api.use(voiceApiRoutes(infra, s));
  app.use('/api', api);

  // Web Chat's browser bundle is served from the installed package, by path.
  const webchatBundle = path.join(ROOT, 'node_modules', 'botframework-webchat', 'dist', 'webchat.js');
  app.get('/vendor/webchat.js', (_req, res) => res.sendFile(webchatBundle, { maxAge: '1d' }));
  app.use(express.static(path.join(ROOT, 'public'), { index: 'index.html', maxAge: config.isProduction ? '1h' : 0 }));

  app.use((req: Request, _res: Response, next: NextFunction) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(logger));
  return app;
}

export function attachRealtime(server: Server, infra: Infra, s: Services) {
  const { bus, logger, config } = infra;
  return attachSockets(
    server,
    [
      directLineStream({ conversations: s.conversations, bus, tokens: s.tokens, botName: config.COMPANY_NAME, logger, publicBaseUrl: config.PUBLIC_BASE_URL }),
      consoleSocket({ operators: s.operators, handoff: s.handoff, conversations: s.conversations, bus, logger, redis: infra.redis, prefix: config.QUEUE_PREFIX }),
      ...(config.VOICE_ENABLED ? [mediaStreamRoute(infra, s)] : []),
    ],
    logger,
    { heartbeatMs: config.WS_HEARTBEAT_MS },
  );
}
