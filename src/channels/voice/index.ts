// The voice channel's pieces, built by the composition root: the signed
// webhooks (and the bus listener that connects claimed calls), the console
// API, the media-stream socket, the outbound sender. Sandbox: without
// TWILIO_AUTH_TOKEN, outside production, webhooks are signed with
// VOICE_SANDBOX_AUTH_TOKEN (what `npm run call` signs with).
import type { Infra, Services } from '../../app';
import { mediaStreamSocket } from '../../transcription/media-stream';
import { createDeepgram } from '../../transcription/deepgram';
import { CallsService } from './calls.service';
import { VoiceConnector } from './connect';
import type { VoiceDeps } from './deps';
import { VoiceInbound } from './inbound';
import { voiceMetrics } from './metrics';
import { VoiceQueue } from './queue';
import { voiceApiRoutes as apiRoutes } from './api.routes';
import { createVoiceApi } from './twilio-voice';
import { voiceRoutes } from './voice.routes';
import { voiceSender } from './sender';

export { CallsService, voiceSender };

/** The token voice webhooks are signed with: Twilio's, else (outside production) the sandbox one; null refuses all. */
export function voiceAuthToken(config: Infra['config']): string | null {
  if (config.TWILIO_AUTH_TOKEN) return config.TWILIO_AUTH_TOKEN;
  return config.isProduction ? null : config.VOICE_SANDBOX_AUTH_TOKEN;
}

export function createVoiceDeps(infra: Infra, s: Services): VoiceDeps {
  return {
    config: infra.config,
    logger: infra.logger.child({ channel: 'voice' }),
    redis: infra.redis,
    bus: infra.bus,
    calls: new CallsService(infra.store),
    api: createVoiceApi(infra.config, infra.logger),
    conversations: s.conversations,
    bot: s.bot,
    handoff: s.handoff,
    operators: s.operators,
    outbound: s.outbound,
    prompts: s.prompts,
    metrics: voiceMetrics(s.metrics.registry),
    transcribeQueue: infra.transcribeQueue,
  };
}

interface VoiceParts {
  deps: VoiceDeps;
  inbound: VoiceInbound;
  queue: VoiceQueue;
  connector: VoiceConnector;
}

// One set of parts per app instance (tests start several in one process).
const parts = new WeakMap<Services, VoiceParts>();

function partsOf(infra: Infra, s: Services): VoiceParts {
  let p = parts.get(s);
  if (!p) {
    const deps = createVoiceDeps(infra, s);
    const token = voiceAuthToken(infra.config);
    const inbound = new VoiceInbound(deps, token ?? '');
    p = { deps, inbound, queue: new VoiceQueue(deps), connector: new VoiceConnector(deps, (sid, brief) => inbound.callPath(sid, brief)) };
    parts.set(s, p);
  }
  return p;
}

/** The /twilio/voice router; also starts listening for claimed calls to connect. */
export function voiceWebhooks(infra: Infra, s: Services) {
  const p = partsOf(infra, s);
  const authToken = voiceAuthToken(infra.config);
  // config.ts refuses production without the token; kept so a hand-built config still refuses rather than accepts.
  if (!authToken) infra.logger.error('voice webhooks refused: set TWILIO_AUTH_TOKEN (or VOICE_ENABLED=false)');
  p.connector.listen();
  return voiceRoutes({ deps: p.deps, inbound: p.inbound, queue: p.queue, connector: p.connector, authToken, logger: p.deps.logger });
}

export function voiceApiRoutes(infra: Infra, s: Services) {
  const p = partsOf(infra, s);
  return apiRoutes(p.deps, p.connector);
}

/** WS /twilio/media-stream: live call audio to Deepgram, transcript segments to the console. */
export function mediaStreamRoute(infra: Infra, s: Services) {
  const p = partsOf(infra, s);
  return mediaStreamSocket({
    calls: p.deps.calls,
    bus: infra.bus,
    logger: p.deps.logger,
    metrics: p.deps.metrics,
    deepgram: createDeepgram(infra.config),
    model: infra.config.DEEPGRAM_LIVE_MODEL,
    secret: voiceAuthToken(infra.config) ?? '',
    startTimeoutMs: infra.config.VOICE_MEDIA_START_TIMEOUT_MS,
  });
}
