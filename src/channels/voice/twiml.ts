// Small TwiML and identity helpers shared by the voice routes: the
// media-stream token, the caller's address, the voicemail prompt.
import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import type { CallDoc } from './calls.service';
import { url, VoiceDeps, VoiceTexts } from './deps';
import { sayAttrs } from './render';

export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * What Twilio puts in From when the caller withheld their number: ANONYMOUS,
 * RESTRICTED, BLOCKED, UNKNOWN and UNAVAILABLE spelt on a phone keypad.
 */
const WITHHELD = new Set(['+266696687', '+7378742833', '+2562533', '+8656696', '+86282452253']);

/** A number a text message can go to: a real E.164 number, not a withheld caller id (carriers are not looked up). */
export function canText(from: string): boolean {
  return E164.test(from) && !WITHHELD.has(from);
}

/** The token a media stream presents in its start message, proving it came from our own TwiML. */
export function streamToken(secret: string, callSid: string, conversationId: string): string {
  return createHmac('sha256', secret).update(`media-stream:${callSid}:${conversationId}`).digest('hex').slice(0, 32);
}

/** The caller's address in the conversation: their number, or the call itself when it was withheld. */
export function addressOf(call: Pick<CallDoc, 'from' | 'callSid'>): string {
  return E164.test(call.from) ? call.from : `call:${call.callSid}`;
}

/** Says the voicemail prompt and records; the recording goes to /twilio/voice/voicemail, which escalates it. */
export function voicemailTwiml(config: VoiceDeps['config'], texts: VoiceTexts, lang: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayAttrs(texts.voice(lang)), texts.t(lang)('voicemail_prompt'));
  r.record({
    action: url(config, '/twilio/voice/voicemail'),
    method: 'POST',
    maxLength: config.VOICE_VOICEMAIL_MAX_SECONDS,
    finishOnKey: '#',
    playBeep: true,
    timeout: 5,
    recordingStatusCallback: url(config, '/twilio/voice/recording', { source: 'voicemail' }),
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed', 'absent'],
  });
  r.say(sayAttrs(texts.voice(lang)), texts.t(lang)('voice_goodbye'));
  r.hangup();
  return r.toString();
}
