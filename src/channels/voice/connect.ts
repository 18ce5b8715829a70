// Connecting people on the phone. When an operator claims (or is handed) a
// call's escalation, the caller leaves the queue for a conference of their
// own and the operator's phone is dialled into it, hearing a short whisper
// of the context first; when that phone does not answer, the caller goes
// back to the front of the queue. Call backs: the operator's phone rings,
// then the customer's. Hooked to the realtime bus (escalation assigned) rather than to
// HandoffService: every web instance hears the event, one Redis key decides
// which of them acts, and the handoff module needs to know nothing of phones.
import twilio from 'twilio';
import type { Types } from 'mongoose';
import type { ConversationDoc } from '../../conversations/conversations.service';
import type { BusEvent } from '../../infra/bus';
import { ValidationError } from '../../infra/errors';
import type { CallDoc } from './calls.service';
import { url, VoiceDeps, VoiceTexts } from './deps';
import { conferenceName } from './queue';
import { sayAttrs, speakable } from './render';
import { E164 } from './twiml';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', sq: 'Albanian' };

/** A number read digit by digit ("plus 3 5 5 6 9 …"). */
function spelled(phone: string): string {
  return `${phone.startsWith('+') ? 'plus ' : ''}${phone.replace(/\D/g, '').split('').join(' ')}`;
}

/** Taken by the instance that dials `operatorId` for this escalation (every web instance hears the claim). */
function connectKey(config: VoiceDeps['config'], escalationId: string, operatorId: string): string {
  return `${config.QUEUE_PREFIX}:voice:connect:${escalationId}:${operatorId}`;
}

export class VoiceConnector {
  private readonly texts: VoiceTexts;

  constructor(
    private readonly deps: VoiceDeps,
    private readonly callPath: (callSid: string, brief: boolean) => Promise<string[]>,
  ) {
    this.texts = new VoiceTexts(deps);
  }

  /** Listens on the bus for escalations given to an operator; returns the unsubscribe function. */
  listen(): () => void {
    return this.deps.bus.onAny((e) => void this.onEvent(e));
  }

  private async onEvent(e: BusEvent): Promise<void> {
    if (e.type !== 'escalation' || e.status !== 'assigned' || !e.operatorId) return;
    try {
      await this.connect(e.escalationId, e.conversationId, e.operatorId);
    } catch (err) {
      this.deps.logger.error({ err, escalationId: e.escalationId, conversationId: e.conversationId }, 'voice: connecting the operator failed');
    }
  }

  /** Puts the caller and the operator in the call's conference; false when there is no caller on the line. */
  async connect(escalationId: string, conversationId: string, operatorId: string): Promise<boolean> {
    const { calls, operators, redis, config, api, logger } = this.deps;
    const call = await calls.liveOf(conversationId);
    if (!call || !['queued', 'connecting', 'connected'].includes(call.phase)) return false;
    // Every web instance hears the event: the first to take this key acts.
    const won = await redis.set(connectKey(config, escalationId, operatorId), '1', 'EX', 3600, 'NX');
    if (won !== 'OK') return false;
    const log = logger.child({ callSid: call.callSid, conversationId, escalationId, channel: 'voice' });
    const operator = await operators.get(operatorId);
    const phone = operator?.phone ?? '';
    if (!E164.test(phone)) {
      await calls.set(call.callSid, { 'conference.error': 'the operator has no phone number on their profile' });
      log.warn({ operatorId }, 'operator has no phone number: the caller keeps waiting');
      return false;
    }
    const name = call.conference.name || conferenceName(call.callSid);
    await calls.set(call.callSid, { 'conference.name': name, 'conference.operatorId': operator?._id ?? null, 'conference.error': '' });
    const whisper = await this.whisper(call, escalationId);
    const leg = new twilio.twiml.VoiceResponse();
    leg.say(sayAttrs(this.texts.voice('en')), whisper);
    leg.dial().conference({ startConferenceOnEnter: true, endConferenceOnExit: false, beep: 'false' }, name);
    const from = config.VOICE_CALLER_ID || call.to;
    const placed = await api.call({ to: phone, from, twiml: leg.toString(), statusCallback: url(config, '/twilio/voice/status') });
    await calls.open({ callSid: placed.sid, direction: 'outbound-api', from, to: phone, status: 'queued', parentCallSid: call.callSid, conversationId: call.conversationId, operatorId: operator?._id ?? null });
    await calls.set(placed.sid, { phase: 'connected', language: call.language });
    await calls.set(call.callSid, { 'conference.operatorCallSid': placed.sid });
    this.deps.metrics.calls.inc({ direction: 'operator' });
    if (call.phase === 'queued') {
      // Out of the queue and into the conference (a transfer finds the caller there already).
      await calls.transition(call.callSid, ['queued'], 'connecting');
      await api.dequeue(call.callSid, call.queue.sid, url(config, '/twilio/voice/conference'));
    }
    log.info({ operatorId, operatorCallSid: placed.sid }, 'operator dialled into the call');
    return true;
  }

  /**
   * The operator's phone did not answer (no-answer, busy, failed, canceled).
   * Unless a colleague is still on the line with the caller (a warm
   * transfer), the escalation goes back to its queue with its place kept, the
   * operator is marked away, and the caller hears an apology and waits again.
   * Once per operator leg, however often Twilio reports it; true when the
   * caller was put back in the queue.
   */
  async operatorMissed(leg: CallDoc, status: string): Promise<boolean> {
    const { calls, operators, handoff, redis, config, api, logger, metrics } = this.deps;
    if (!leg.parentCallSid || !leg.operatorId) return false;
    const once = `${config.QUEUE_PREFIX}:voice:missed:${leg.callSid}`;
    if ((await redis.set(once, '1', 'EX', 24 * 3600, 'NX')) !== 'OK') return false;
    try {
      const caller = await calls.get(leg.parentCallSid);
      if (!caller?.escalationId || !['connecting', 'connected'].includes(caller.phase)) return false;
      const escalationId = String(caller.escalationId);
      const operatorId = String(leg.operatorId);
      const log = logger.child({ callSid: caller.callSid, operatorCallSid: leg.callSid, conversationId: String(caller.conversationId), escalationId, channel: 'voice' });
      const operator = await operators.get(operatorId);
      const reason = `${operator?.name ?? 'The operator'}'s phone did not answer (${status})`;
      const stillOn = (await calls.legsOf(caller.callSid)).some((l) => l.callSid !== leg.callSid && l.phase !== 'ended' && l.status === 'in-progress');
      if (stillOn) {
        await handoff.addContext(escalationId, { note: `${reason}; the caller stayed with the colleague already on the call` });
        log.warn({ status }, "transferred operator's phone not answered: the caller stays with the operator on the call");
        return false;
      }
      const requeued = await handoff.requeueUnanswered(escalationId, operatorId, `${reason}; the caller went back to the queue`, operator?.name ?? '');
      if (!requeued) return false;
      metrics.operatorNoAnswer.inc({ status });
      await operators.setPresence(operatorId, 'away');
      // The same operator claiming it again later must be dialled again.
      await redis.del(connectKey(config, escalationId, operatorId));
      await calls.transition(caller.callSid, ['connecting', 'connected'], 'queued', { 'conference.operatorCallSid': '', 'conference.error': reason });
      try {
        await api.redirect(caller.callSid, url(config, '/twilio/voice/requeue'));
      } catch (err) {
        // The caller hung up meanwhile: their own status callback abandons the escalation.
        log.error({ err }, 'the caller could not be moved back to the queue');
      }
      log.info({ operatorId, status }, "operator's phone not answered: the caller is back in the queue");
      return true;
    } catch (err) {
      await redis.del(once);
      throw err;
    }
  }

  /** What the operator hears before the caller: who, in which language, what they pressed and said, why. */
  async whisper(call: CallDoc, escalationId: string): Promise<string> {
    const e = await this.deps.handoff.get(escalationId).catch(() => null);
    const path = (await this.callPath(call.callSid, true)).slice(-4).join(', then ');
    const text = this.texts.t('en')('voice_whisper', {
      from: spelled(call.from),
      language: LANGUAGE_NAMES[call.language] ?? call.language,
      path: path ? `${path}.` : '',
      reason: e?.reason ?? 'a person was asked for',
    });
    return speakable(text, 500);
  }

  /**
   * An operator calls a customer back: the operator's phone rings first, and
   * when they answer, the customer's (dual-channel recording from the answer).
   */
  async callBack(input: { operatorId: string; conversation: ConversationDoc; to?: string }): Promise<{ callSid: string; to: string; from: string }> {
    const { calls, operators, config, api } = this.deps;
    const operator = await operators.get(input.operatorId);
    if (!operator || !E164.test(operator.phone ?? '')) throw new ValidationError('add a phone number to your profile first (PUT /api/calls/phone)');
    const to = input.to ?? input.conversation.address;
    if (!E164.test(to)) throw new ValidationError('the customer has no phone number to call (give "to" in E.164, e.g. +355691234567)');
    const last = (await calls.ofConversation(input.conversation._id, 1))[0];
    const from = config.VOICE_CALLER_ID || input.conversation.botAddress || last?.to || '';
    if (!from) throw new ValidationError('no number to call from: set VOICE_CALLER_ID');
    const leg = new twilio.twiml.VoiceResponse();
    const e = await this.deps.handoff.openFor(input.conversation._id);
    leg.say(sayAttrs(this.texts.voice('en')), speakable(this.texts.t('en')('voice_whisper_callback', { to: spelled(to), summary: e?.reason ?? '' }), 400));
    leg.dial({ callerId: from, record: 'record-from-answer-dual', recordingStatusCallback: url(config, '/twilio/voice/recording', { source: 'call' }), recordingStatusCallbackEvent: ['completed', 'absent'] }).number(to);
    const placed = await api.call({ to: operator.phone, from, twiml: leg.toString(), statusCallback: url(config, '/twilio/voice/status') });
    await calls.open({ callSid: placed.sid, direction: 'outbound-callback', from, to, status: 'queued', conversationId: input.conversation._id as Types.ObjectId, operatorId: operator._id });
    await calls.set(placed.sid, { phase: 'connected', language: input.conversation.language });
    this.deps.metrics.calls.inc({ direction: 'callback' });
    this.deps.logger.info({ callSid: placed.sid, conversationId: String(input.conversation._id), operatorId: input.operatorId, channel: 'voice' }, 'call back placed');
    return { callSid: placed.sid, to, from };
  }
}
