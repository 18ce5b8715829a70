// The console's voice API (under /api, behind operator sessions): a
// conversation's calls with their IVR path, recordings and transcripts; the
// operator's own phone number; call backs; transcribing a recording again.
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, session } from '../../operators/auth';
import { ConflictError, ForbiddenError, NotFoundError } from '../../infra/errors';
import { transcribeJobOptions } from '../../transcription/jobs';
import type { CallDoc } from './calls.service';
import type { VoiceConnector } from './connect';
import type { VoiceDeps } from './deps';

const phoneSchema = z.object({ phone: z.union([z.string().regex(/^\+[1-9]\d{6,14}$/, 'a phone number in E.164, e.g. +355691234567'), z.literal('')]) });
const callbackSchema = z.object({ conversationId: z.string().max(50), to: z.string().regex(/^\+[1-9]\d{6,14}$/).optional() });

export function callJson(c: CallDoc) {
  return {
    callSid: c.callSid,
    conversationId: c.conversationId ? String(c.conversationId) : null,
    direction: c.direction,
    from: c.from,
    to: c.to,
    status: c.status,
    phase: c.phase,
    language: c.language,
    ivrPath: c.ivrPath.map((s) => ({ step: s.step, menu: s.menu, input: s.input, key: s.key, utterance: s.utterance, confidence: s.confidence, choice: s.choice, at: s.at })),
    escalationId: c.escalationId ? String(c.escalationId) : null,
    queue: c.queue,
    conference: { ...c.conference, operatorId: c.conference.operatorId ? String(c.conference.operatorId) : null },
    followUp: c.followUp,
    recordings: c.recordings.map((r) => ({ sid: r.sid, url: r.url, duration: r.duration, channels: r.channels, status: r.status, source: r.source, transcriptionStatus: r.transcriptionStatus, transcriptionError: r.transcriptionError })),
    recordingPaused: c.recordingPaused,
    transcript: c.transcript,
    transcriptionStatus: c.transcriptionStatus,
    liveTranscript: c.liveTranscript,
    startedAt: c.startedAt,
    endedAt: c.endedAt ?? null,
    duration: c.duration,
  };
}

export function voiceApiRoutes(deps: VoiceDeps, connector: VoiceConnector): Router {
  const r = Router();
  const guard = requireRole('operator', 'supervisor');
  const { calls, handoff, conversations, operators } = deps;

  const visibleCall = async (req: Parameters<typeof session>[0], callSid: string) => {
    const call = await calls.get(callSid);
    if (!call?.conversationId) throw new NotFoundError('call not found');
    if (!(await handoff.canSeeConversation(session(req), String(call.conversationId)))) throw new ForbiddenError('not your conversation');
    return call;
  };

  /** The phone an operator takes handed-over calls and places call backs on. */
  r.put('/calls/phone', guard, async (req, res) => {
    const { phone } = phoneSchema.parse(req.body);
    await operators.setPhone(session(req).operatorId, phone);
    res.json({ phone });
  });

  r.get('/calls', guard, async (req, res) => {
    const conversationId = z.string().max(50).parse(req.query.conversationId);
    if (!(await handoff.canSeeConversation(session(req), conversationId))) throw new ForbiddenError('not your conversation');
    res.json((await calls.ofConversation(conversationId)).map(callJson));
  });

  r.get('/calls/:callSid', guard, async (req, res) => {
    res.json(callJson(await visibleCall(req, String(req.params.callSid))));
  });

  /** Call the customer back: the operator's phone rings first, then the customer's. */
  r.post('/calls/callback', guard, async (req, res) => {
    const body = callbackSchema.parse(req.body);
    const s = session(req);
    if (!(await handoff.canSeeConversation(s, body.conversationId))) throw new ForbiddenError('not your conversation');
    const conversation = await conversations.get(body.conversationId);
    const placed = await connector.callBack({ operatorId: s.operatorId, conversation, to: body.to });
    res.status(201).json(placed);
  });

  /** Transcribe a recording again (after it was marked failed, or to redo it). */
  r.post('/calls/:callSid/recordings/:recordingSid/transcribe', requireRole('supervisor'), async (req, res) => {
    const call = await visibleCall(req, String(req.params.callSid));
    const rec = call.recordings.find((x) => x.sid === req.params.recordingSid);
    if (!rec) throw new NotFoundError('recording not found');
    if (rec.status !== 'completed') throw new ConflictError(`the recording is ${rec.status}`);
    const job = await deps.transcribeQueue.getJob(`transcribe:${rec.sid}`);
    if (job) await job.remove().catch(() => undefined);
    await calls.setTranscriptionStatus(call.callSid, rec.sid, 'pending');
    await deps.transcribeQueue.add({ callSid: call.callSid, recordingSid: rec.sid }, transcribeJobOptions(rec.sid, deps.config.TRANSCRIBE_ATTEMPTS, deps.config.TRANSCRIBE_BACKOFF_MS));
    res.status(202).json({ status: 'pending' });
  });

  return r;
}
