// A caller waiting for a person: the hold loop (Enqueue's waitUrl) announces
// the place in the queue and the expected wait; after VOICE_QUEUE_TIMEOUT
// the caller leaves the queue and may leave a message or ask for a call
// back, both kept on the escalation. The conference a claimed call joins,
// and the way back into the queue when the operator's phone did not answer.
import twilio from 'twilio';
import type { ConversationDoc } from '../../conversations/conversations.service';
import type { EscalationDoc } from '../../handoff/handoff.service';
import { NotFoundError } from '../../infra/errors';
import type { CallDoc } from './calls.service';
import { url, VoiceDeps, VoiceTexts } from './deps';
import { voicemailTwiml } from './twiml';
import { EMPTY_TWIML, renderSay, sayAttrs } from './render';

export function conferenceName(callSid: string): string {
  return `call-${callSid}`;
}

export class VoiceQueue {
  private readonly texts: VoiceTexts;

  constructor(private readonly deps: VoiceDeps) {
    this.texts = new VoiceTexts(deps);
  }

  private async callOf(callSid: string): Promise<{ call: CallDoc; conversation: ConversationDoc | null; escalation: EscalationDoc | null }> {
    const call = await this.deps.calls.get(callSid);
    if (!call) throw new NotFoundError('no such call');
    const conversation = call.conversationId ? await this.deps.conversations.find(String(call.conversationId)) : null;
    const escalation = call.escalationId ? await this.deps.handoff.get(String(call.escalationId)).catch(() => null) : null;
    return { call, conversation, escalation };
  }

  /** POST /twilio/voice/queue/wait: said again and again while the caller waits. */
  async wait(body: { CallSid: string; QueueSid?: string; QueueTime: number }): Promise<string> {
    const { calls, handoff, config } = this.deps;
    const { call, escalation } = await this.callOf(body.CallSid);
    if (body.QueueSid && call.queue.sid !== body.QueueSid) await calls.set(call.callSid, { 'queue.sid': body.QueueSid });
    const lang = call.language;
    const t = this.texts.t(lang);
    const r = new twilio.twiml.VoiceResponse();
    const say = (text: string) => r.say(sayAttrs(this.texts.voice(lang)), text);
    if (!escalation || escalation.status === 'resolved' || escalation.status === 'abandoned') {
      r.leave();
      return r.toString();
    }
    if (escalation.status === 'assigned') {
      say(t('voice_hold_assigned'));
      r.pause({ length: 5 });
      return r.toString();
    }
    if (body.QueueTime >= config.VOICE_QUEUE_TIMEOUT_SECONDS) {
      r.leave();
      return r.toString();
    }
    const position = await handoff.position(escalation);
    if (position <= 1) say(t('voice_hold_next'));
    else say(t('voice_hold_position', { position, minutes: Math.max(1, Math.ceil(((position - 1) * config.VOICE_SECONDS_PER_CALLER) / 60)) }));
    if (config.VOICE_HOLD_MUSIC_URL) r.play(config.VOICE_HOLD_MUSIC_URL);
    else r.pause({ length: config.VOICE_HOLD_SECONDS });
    return r.toString();
  }

  /** POST /twilio/voice/queue/result: the caller left the queue (hung up, timed out, queue full…). */
  async result(body: { CallSid: string; QueueResult: string }): Promise<string> {
    const { calls } = this.deps;
    const { call, escalation } = await this.callOf(body.CallSid);
    await calls.set(call.callSid, { 'queue.leftAt': new Date(), 'queue.result': body.QueueResult });
    const lang = call.language;
    switch (body.QueueResult) {
      case 'hangup':
        await this.ended(call.callSid);
        return EMPTY_TWIML;
      case 'redirected':
      case 'bridged':
        // Taken out of the queue on purpose (to the conference); nothing more to do here.
        return call.phase === 'connecting' || call.phase === 'connected' ? this.conference(call.callSid) : renderSay([this.texts.t(lang)('voice_goodbye')], this.texts.voice(lang), { hangup: true });
      default:
        // leave (timed out), queue-full, error, system-error: a message or a call back instead.
        if (escalation?.status === 'queued') return this.offerFollowUp(call);
        return renderSay([this.texts.t(lang)('voice_goodbye')], this.texts.voice(lang), { hangup: true });
    }
  }

  private offerFollowUp(call: CallDoc): string {
    const lang = call.language;
    const r = new twilio.twiml.VoiceResponse();
    const g = r.gather({ input: ['dtmf'], numDigits: 1, timeout: 8, action: url(this.deps.config, '/twilio/voice/followup'), method: 'POST' });
    g.say(sayAttrs(this.texts.voice(lang)), this.texts.t(lang)('voice_queue_timeout_offer'));
    // Silence keeps the caller's number: a call back.
    r.redirect({ method: 'POST' }, url(this.deps.config, '/twilio/voice/followup', { choice: 'callback' }));
    return r.toString();
  }

  /** POST /twilio/voice/followup: 1 a message, 2 (or silence) a call back on this number. */
  async followUp(body: { CallSid: string; Digits?: string }): Promise<string> {
    const { calls, handoff } = this.deps;
    const { call, conversation, escalation } = await this.callOf(body.CallSid);
    const lang = call.language;
    const wantsMessage = body.Digits === '1';
    await calls.transition(call.callSid, ['ivr', 'queued'], 'voicemail', { followUp: wantsMessage ? 'voicemail' : 'callback' });
    if (wantsMessage) return voicemailTwiml(this.deps.config, this.texts, lang);
    const note = `call back requested on ${call.from || conversation?.address || 'an unknown number'}`;
    if (escalation && escalation.status === 'queued') await handoff.addContext(String(escalation._id), { note });
    else if (conversation) await this.escalate(conversation, call, 'callback', note);
    return renderSay([this.texts.t(lang)('voice_callback_confirmed')], this.texts.voice(lang), { hangup: true });
  }

  /** POST /twilio/voice/voicemail: the message the caller left (outside the flows: no answer, long wait). */
  async voicemail(body: { CallSid: string; RecordingSid?: string; RecordingDuration?: number }): Promise<string> {
    const { calls, api, conversations } = this.deps;
    const { call, conversation, escalation } = await this.callOf(body.CallSid);
    const lang = call.language;
    if (body.RecordingSid && conversation) {
      const recordingUrl = api.recordingUrl(body.RecordingSid);
      await calls.upsertRecording(call.callSid, { sid: body.RecordingSid, url: recordingUrl, duration: body.RecordingDuration ?? 0, channels: 1, source: 'voicemail' });
      await calls.transition(call.callSid, ['ivr', 'queued', 'voicemail'], 'voicemail', { followUp: 'voicemail' });
      // Kept as the caller's message, so the console shows it in the conversation (stored once per recording).
      await conversations.recordInbound({
        conversation,
        channelMessageId: `${call.callSid}:voicemail:${body.RecordingSid}`,
        text: `[voicemail, ${body.RecordingDuration ?? 0} s]`,
        authorId: conversation.address,
        attachments: [{ contentType: 'audio/wav', contentUrl: recordingUrl, name: 'voicemail' }],
      });
      const note = `voicemail left (${body.RecordingDuration ?? 0} s, recording ${body.RecordingSid})`;
      if (escalation && escalation.status === 'queued') await this.deps.handoff.addContext(String(escalation._id), { note });
      else await this.escalate(conversation, call, 'voicemail', note);
    }
    return renderSay([this.texts.t(lang)('voice_voicemail_thanks')], this.texts.voice(lang), { hangup: true });
  }

  private async escalate(conversation: ConversationDoc, call: CallDoc, trigger: 'callback' | 'voicemail', note: string): Promise<void> {
    const { handoff, config } = this.deps;
    const { escalation } = await handoff.escalate(conversation, {
      reason: trigger === 'callback' ? 'the caller asked to be called back' : 'the caller left a message',
      trigger,
      queue: config.VOICE_CALLBACK_QUEUE,
      summary: note,
    });
    await this.deps.calls.set(call.callSid, { escalationId: escalation._id });
    await handoff.addContext(String(escalation._id), { note });
  }

  /**
   * POST /twilio/voice/requeue: the operator's phone did not answer. A short
   * apology and back into the queue; the escalation kept its place, so the
   * hold loop announces it at the front.
   */
  async requeue(callSid: string): Promise<string> {
    const { call, escalation } = await this.callOf(callSid);
    const lang = call.language;
    const t = this.texts.t(lang);
    // Claimed again while the apology was on its way: straight to the new operator.
    if (escalation?.status === 'assigned' && (call.phase === 'connecting' || call.phase === 'connected')) return this.conference(callSid);
    if (escalation?.status !== 'queued' || call.phase !== 'queued') return renderSay([t('voice_goodbye')], this.texts.voice(lang), { hangup: true });
    const r = new twilio.twiml.VoiceResponse();
    r.say(sayAttrs(this.texts.voice(lang)), t('voice_operator_no_answer'));
    r.enqueue(
      { action: url(this.deps.config, '/twilio/voice/queue/result'), method: 'POST', waitUrl: url(this.deps.config, '/twilio/voice/queue/wait'), waitUrlMethod: 'POST' },
      (call.queue.name || escalation.queue).slice(0, 64),
    );
    return r.toString();
  }

  /** POST /twilio/voice/conference: the caller, taken out of the queue, joins the call's conference. */
  async conference(callSid: string): Promise<string> {
    const { calls, config, handoff } = this.deps;
    const call = await calls.get(callSid);
    if (!call) throw new NotFoundError('no such call');
    if (call.phase === 'queued' && call.escalationId) {
      // The operator's phone failed before the caller got here: back to the queue instead.
      const e = await handoff.get(String(call.escalationId)).catch(() => null);
      if (e?.status === 'queued') return this.requeue(callSid);
    }
    await calls.transition(callSid, ['queued', 'connecting'], 'connected', { 'conference.connectedAt': new Date(), 'queue.leftAt': new Date() });
    const lang = call.language;
    const r = new twilio.twiml.VoiceResponse();
    r.say(sayAttrs(this.texts.voice(lang)), this.texts.t(lang)('voice_connecting'));
    r.dial().conference(
      {
        startConferenceOnEnter: false,
        endConferenceOnExit: true,
        beep: 'false',
        ...(config.VOICE_HOLD_MUSIC_URL ? { waitUrl: config.VOICE_HOLD_MUSIC_URL } : {}),
      },
      call.conference.name || conferenceName(callSid),
    );
    r.say(sayAttrs(this.texts.voice(lang)), this.texts.t(lang)('voice_goodbye'));
    r.hangup();
    return r.toString();
  }

  /**
   * The call is over (status callback or a hang-up in the queue). A caller who
   * was still waiting abandons the escalation; a conversation still with the
   * bot closes.
   */
  async ended(callSid: string, detail: { status?: string; duration?: number } = {}): Promise<void> {
    const { calls, handoff, conversations, metrics, logger } = this.deps;
    const before = await calls.get(callSid);
    if (!before) return;
    const set: Record<string, unknown> = { endedAt: new Date() };
    if (detail.status) set.status = detail.status;
    if (detail.duration !== undefined) set.duration = detail.duration;
    const ended = await calls.transition(callSid, ['ivr', 'queued', 'connecting', 'connected', 'voicemail'], 'ended', set);
    if (!ended) return; // already ended: a repeated callback
    if (before.phase === 'queued' && before.escalationId) {
      const abandoned = await handoff.abandon(String(before.escalationId));
      if (abandoned) {
        metrics.abandoned.inc();
        logger.info({ callSid, conversationId: String(before.conversationId), escalationId: String(before.escalationId) }, 'caller hung up in the queue: escalation abandoned');
      }
    } else if (before.conversationId && !before.parentCallSid) {
      await conversations.transition(before.conversationId, ['bot'], 'closed');
    }
  }
}
