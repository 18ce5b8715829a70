// Twilio Voice webhooks under /twilio/voice: the call, the caller's answers,
// the queue's hold loop and result, the conference (and the way back to the
// queue), the SMS offer, voicemail, call status and recording status. All form-encoded and signed (403 otherwise); all
// answered with TwiML, except the status callbacks (204).
import express, { Request, Router } from 'express';
import { z } from 'zod';
import { ForbiddenError } from '../../infra/errors';
import type { Logger } from '../../infra/logger';
import { transcribeJobOptions } from '../../transcription/jobs';
import { verifyTwilioSignature } from '../twilio/signature';
import type { VoiceConnector } from './connect';
import type { VoiceDeps } from './deps';
import type { VoiceInbound } from './inbound';
import { gatherSchema, incomingSchema, queueResultSchema, queueWaitSchema, recordedSchema, recordingSchema, statusSchema, stepQuerySchema } from './parse';
import type { VoiceQueue } from './queue';

export interface VoiceRoutesDeps {
  deps: VoiceDeps;
  inbound: VoiceInbound;
  queue: VoiceQueue;
  connector: VoiceConnector;
  /** The token webhooks are signed with; null refuses every webhook (production without TWILIO_AUTH_TOKEN). */
  authToken: string | null;
  logger: Logger;
}

const FAILED_LEG = new Set(['busy', 'no-answer', 'failed', 'canceled']);
const ENDED = new Set(['completed', ...FAILED_LEG]);

export function voiceRoutes(r: VoiceRoutesDeps): Router {
  const router = Router();
  const { deps, inbound, queue, connector } = r;
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });
  const refuseAll: express.RequestHandler = (_req, _res, next) => next(new ForbiddenError('voice webhooks are not configured (TWILIO_AUTH_TOKEN)'));
  const signed = r.authToken ? verifyTwilioSignature({ authToken: r.authToken, publicBaseUrl: deps.config.PUBLIC_BASE_URL, logger: r.logger }) : refuseAll;
  const twiml = (res: express.Response, xml: string) => void res.type('text/xml').send(xml);
  const body = (req: Request) => (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  router.use(form, signed);

  router.post('/', async (req, res) => twiml(res, await inbound.incoming(incomingSchema.parse(body(req)))));

  router.post('/start', async (req, res) => twiml(res, await inbound.start(incomingSchema.parse(body(req)).CallSid)));

  router.post('/gather', async (req, res) => {
    const q = stepQuerySchema.parse(req.query);
    twiml(res, await inbound.gather(gatherSchema.parse(body(req)), q.step, q.noinput === '1'));
  });

  router.post('/sms-offer', async (req, res) => {
    const q = stepQuerySchema.parse(req.query);
    twiml(res, await inbound.smsOffer.answer(gatherSchema.parse(body(req)), q.step, q.noinput === '1'));
  });

  router.post('/recorded', async (req, res) => {
    const q = stepQuerySchema.parse(req.query);
    twiml(res, await inbound.recorded(recordedSchema.parse(body(req)), q.step));
  });

  router.post('/queue/wait', async (req, res) => twiml(res, await queue.wait(queueWaitSchema.parse(body(req)))));

  router.post('/queue/result', async (req, res) => twiml(res, await queue.result(queueResultSchema.parse(body(req)))));

  router.post('/followup', async (req, res) => {
    const b = gatherSchema.parse(body(req));
    twiml(res, await queue.followUp({ CallSid: b.CallSid, Digits: b.Digits }));
  });

  router.post('/voicemail', async (req, res) => twiml(res, await queue.voicemail(recordedSchema.parse(body(req)))));

  router.post('/conference', async (req, res) => twiml(res, await queue.conference(incomingSchema.parse(body(req)).CallSid)));

  router.post('/requeue', async (req, res) => twiml(res, await queue.requeue(incomingSchema.parse(body(req)).CallSid)));

  router.post('/status', async (req, res) => {
    const b = statusSchema.parse(body(req));
    const status = b.CallStatus.toLowerCase();
    const call = await deps.calls.get(b.CallSid);
    if (call) {
      await deps.calls.set(b.CallSid, { status });
      // The operator did not pick up: the caller goes back to the front of the queue (once, however often this comes).
      if (call.parentCallSid && FAILED_LEG.has(status)) await connector.operatorMissed(call, status);
      if (ENDED.has(status)) await queue.ended(b.CallSid, { status, duration: b.CallDuration });
    }
    res.status(204).end();
  });

  router.post('/recording', async (req, res) => {
    const b = recordingSchema.parse(body(req));
    const source = z.enum(['call', 'voicemail']).catch('call').parse(req.query.source);
    const call = await deps.calls.get(b.CallSid);
    if (!call) {
      r.logger.warn({ callSid: b.CallSid, recordingSid: b.RecordingSid }, 'recording callback for an unknown call');
      res.status(204).end();
      return;
    }
    const status = b.RecordingStatus.toLowerCase();
    const completed = status === 'completed';
    await deps.calls.upsertRecording(b.CallSid, {
      sid: b.RecordingSid,
      url: deps.api.recordingUrl(b.RecordingSid),
      status,
      source: call.recordings.find((x) => x.sid === b.RecordingSid)?.source ?? source,
      ...(b.RecordingDuration !== undefined && b.RecordingDuration >= 0 ? { duration: b.RecordingDuration } : {}),
      ...(b.RecordingChannels ? { channels: b.RecordingChannels } : {}),
      ...(completed ? { completedAt: new Date() } : {}),
    });
    if (completed && deps.config.DEEPGRAM_API_KEY && (b.RecordingDuration ?? 1) > 0) {
      await deps.calls.setTranscriptionStatus(b.CallSid, b.RecordingSid, 'pending');
      await deps.transcribeQueue.add({ callSid: b.CallSid, recordingSid: b.RecordingSid }, transcribeJobOptions(b.RecordingSid, deps.config.TRANSCRIBE_ATTEMPTS, deps.config.TRANSCRIBE_BACKOFF_MS));
    }
    r.logger.info({ callSid: b.CallSid, recordingSid: b.RecordingSid, status, channel: 'voice' }, 'recording status');
    res.status(204).end();
  });

  return router;
}
