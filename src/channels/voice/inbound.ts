// A caller in the IVR, end to end: the incoming call opens a Call and a
// Conversation (channel voice, address = the caller's number), the greeting
// and every answer (a key or speech) run a bot turn, and the replies become
// TwiML (an answer too long to read out is also offered by SMS, sms-offer.ts). Every answer is an Activity with id CallSid:step, and the TwiML it
// got is kept under that key, so Twilio's repeat of a webhook is stored once
// and answered the same.
import type { Activity } from 'botbuilder';
import type { ConversationDoc } from '../../conversations/conversations.service';
import { NotFoundError, ValidationError } from '../../infra/errors';
import type { CallDoc } from './calls.service';
import { url, VoiceDeps, VoiceTexts } from './deps';
import { GatherWebhook, greetingActivity, IncomingCall, parsePairs, readInput, toActivity } from './parse';
import twilio from 'twilio';
import { renderSay, renderTurn, RenderOptions, sayAttrs } from './render';
import { ReplyStore } from './replies';
import { SmsOffer } from './sms-offer';
import { addressOf, E164, streamToken, voicemailTwiml } from './twiml';


/** What a bot turn needs of the conversation. */
type Turnable = Pick<ConversationDoc, '_id' | 'address' | 'language'>;

export class VoiceInbound {
  private readonly texts: VoiceTexts;
  private readonly numberLanguages: Record<string, string>;
  private readonly unrecorded: Set<string>;
  private readonly replies: ReplyStore;
  readonly smsOffer: SmsOffer;

  constructor(
    private readonly deps: VoiceDeps,
    /** The secret the media-stream token is made with (the webhook auth token). */
    private readonly streamSecret: string,
  ) {
    this.texts = new VoiceTexts(deps);
    this.replies = new ReplyStore(deps.redis, deps.config.QUEUE_PREFIX);
    this.smsOffer = new SmsOffer(deps);
    this.numberLanguages = parsePairs(deps.config.VOICE_NUMBER_LANGUAGES);
    this.unrecorded = new Set((deps.config.VOICE_UNRECORDED_NUMBERS ?? '').split(',').map((n) => n.trim()).filter(Boolean));
  }

  private records(call: Pick<CallDoc, 'to'>): boolean {
    return this.deps.config.VOICE_RECORD_CALLS && !this.unrecorded.has(call.to);
  }

  /** POST /twilio/voice: a call comes in. Answers with the recording notice, then on to /start. */
  async incoming(body: IncomingCall): Promise<string> {
    const { calls, conversations, config, metrics } = this.deps;
    const { call, created } = await calls.open({ callSid: body.CallSid, direction: body.Direction ?? 'inbound', from: body.From, to: body.To, status: body.CallStatus ?? 'ringing' });
    if (created) {
      metrics.calls.inc({ direction: 'inbound' });
      const identity = E164.test(body.From) ? { kind: 'phone' as const, value: body.From } : { kind: 'web' as const, value: addressOf({ from: body.From, callSid: body.CallSid }) };
      const customer = await conversations.findOrCreateCustomer(identity);
      const language = this.numberLanguages[body.To] ?? customer.language ?? 'en';
      const conversation = await conversations.open({ customerId: customer._id, channel: 'voice', address: identity.value, language, botAddress: body.To });
      await calls.set(body.CallSid, { conversationId: conversation._id, language });
      this.deps.logger.info({ callSid: body.CallSid, conversationId: String(conversation._id), channel: 'voice' }, 'call started');
    }
    // A repeat of this webhook may come while the first still opens the conversation: same answer, no wait.
    const fresh = created ? await calls.get(body.CallSid) : call;
    const language = fresh?.conversationId ? fresh.language : (this.numberLanguages[body.To] ?? call.language);
    const voice = this.texts.voice(language);
    const preamble = this.records(call) && config.VOICE_RECORDING_ANNOUNCEMENT ? [this.texts.t(language)('voice_recording_notice')] : [];
    const conversationId = fresh?.conversationId ? String(fresh.conversationId) : '';
    // The stream names its conversation itself (signed), so audio never waits for a lookup.
    const stream = config.VOICE_LIVE_TRANSCRIPTION && conversationId ? { url: this.mediaStreamUrl(), parameters: { conversation: conversationId, token: streamToken(this.streamSecret, body.CallSid, conversationId) } } : undefined;
    // Rebuilt the same on a repeat: it depends on the call only.
    const twiml = new twilio.twiml.VoiceResponse();
    if (stream) {
      const s = twiml.start().stream({ url: stream.url, track: 'both_tracks' });
      for (const [name, value] of Object.entries(stream.parameters)) s.parameter({ name, value });
    }
    for (const text of preamble) twiml.say(sayAttrs(voice), text);
    twiml.redirect({ method: 'POST' }, url(config, '/twilio/voice/start'));
    return twiml.toString();
  }

  private mediaStreamUrl(): string {
    const { config } = this.deps;
    return config.VOICE_MEDIA_STREAM_URL ?? `${config.PUBLIC_BASE_URL.replace(/^http/, 'ws')}/twilio/media-stream`;
  }

  private async callOf(callSid: string): Promise<{ call: CallDoc; conversation: ConversationDoc }> {
    const call = await this.deps.calls.get(callSid);
    if (!call?.conversationId) throw new NotFoundError('no such call');
    const conversation = await this.deps.conversations.get(call.conversationId);
    return { call, conversation };
  }

  /** POST /twilio/voice/start: the call is answered; recording starts and the bot greets. */
  async start(callSid: string): Promise<string> {
    const key = `${callSid}:start`;
    const kept = await this.replies.get(key);
    if (kept) return kept;
    const { calls, api, config, metrics, logger } = this.deps;
    const { call, conversation } = await this.callOf(callSid);
    if (this.records(call) && !call.recordingSid) {
      // Claimed first, so a repeated /start never starts a second recording.
      const claimed = await calls.setIf(callSid, { recordingSid: '' }, { recordingSid: 'starting' });
      if (claimed) {
        try {
          const sid = await api.startRecording(callSid, url(config, '/twilio/voice/recording', { source: 'call' }));
          await calls.set(callSid, { recordingSid: sid });
          await calls.upsertRecording(callSid, { sid, url: api.recordingUrl(sid), channels: 2, source: 'call', status: 'in-progress', startedAt: new Date() });
          call.recordingSid = sid;
        } catch (err) {
          metrics.recordingControlFailures.inc({ action: 'start' });
          logger.error({ err, callSid }, 'call recording did not start; the call goes on unrecorded');
          await calls.set(callSid, { recordingSid: '' });
        }
      }
    }
    const outcome = await this.deps.bot.handle(greetingActivity(String(conversation._id), conversation.address, conversation.language));
    const twiml = await this.respond(call, conversation, outcome.replies, { greeting: true });
    await this.replies.keep(key, twiml);
    return twiml;
  }

  /** POST /twilio/voice/gather?step=N: keys or speech (or nothing, with noinput=1). */
  async gather(body: GatherWebhook, step: number, noInput: boolean): Promise<string> {
    const { calls, config } = this.deps;
    const call = await calls.get(body.CallSid);
    if (!call?.conversationId) throw new NotFoundError('no such call');
    if (step > call.step) throw new ValidationError(`step ${step} was never asked in this call`);
    const key = `${body.CallSid}:${step}${noInput ? ':noinput' : ''}`;
    const kept = await this.replies.get(key);
    if (kept) return kept;
    if (step < call.step) return this.reprompt(call); // a late answer to an earlier question
    const lang = call.language;
    const t = this.texts.t(lang);
    const { text, input, choice } = readInput(body, call.choices);
    const conversation = { _id: call.conversationId, address: addressOf(call), language: lang };

    if (noInput || !text) {
      const misses = await calls.miss(body.CallSid);
      await calls.addIvrStep(body.CallSid, { step, menu: call.lastMenu, input: 'none' });
      if (misses <= config.VOICE_MAX_MISSES) return this.reprompt(call, t('voice_no_input'));
      await calls.set(body.CallSid, { misses: 0 });
      if (config.VOICE_NO_INPUT_ACTION === 'voicemail') return voicemailTwiml(this.deps.config, this.texts, lang);
      // Two misses: to a person, as if the caller had asked for one.
      return this.turn(call, conversation, `${body.CallSid}:${step}:noinput`, 'operator', key, { noInput: true });
    }

    const digits = (body.Digits ?? '').replace(/#$/, '');
    await calls.answered(body.CallSid, {
      step,
      menu: call.lastMenu,
      input,
      key: digits,
      utterance: input === 'speech' ? text.slice(0, 500) : '',
      confidence: input === 'speech' ? (body.Confidence ?? null) : null,
      choice,
    });
    const other = this.otherLanguage(lang);
    if (step === 1 && other && digits === config.VOICE_LANGUAGE_DIGIT && !choice) {
      // "Për shqip, shtypni 9": the menu again, in the other language.
      await this.deps.conversations.setLanguage(call.conversationId, other);
      await calls.set(body.CallSid, { language: other });
      conversation.language = other;
      call.language = other;
      return this.turn(call, conversation, `${body.CallSid}:${step}`, other === 'sq' ? 'menuja kryesore' : 'main menu', key, { speech: false });
    }
    return this.turn(call, conversation, `${body.CallSid}:${step}`, text, key, { speech: input === 'speech', confidence: body.Confidence, digits });
  }

  /** POST /twilio/voice/recorded?step=N: a `record` step's voicemail, handed to the flow as an audio attachment. */
  async recorded(body: { CallSid: string; RecordingSid?: string; RecordingDuration?: number }, step: number): Promise<string> {
    const { calls, api } = this.deps;
    const { call, conversation } = await this.callOf(body.CallSid);
    const key = `${body.CallSid}:${step}`;
    const kept = await this.replies.get(key);
    if (kept) return kept;
    if (!body.RecordingSid) return this.gather({ CallSid: body.CallSid, From: call.from, To: call.to }, step, true);
    const recordingUrl = api.recordingUrl(body.RecordingSid);
    await calls.upsertRecording(body.CallSid, { sid: body.RecordingSid, url: recordingUrl, duration: body.RecordingDuration ?? 0, channels: 1, source: 'voicemail' });
    await calls.addIvrStep(body.CallSid, { step, menu: call.lastMenu, input: 'recording', key: body.RecordingSid });
    const activity = toActivity({
      id: key,
      conversationId: String(conversation._id),
      caller: conversation.address,
      text: '',
      locale: conversation.language,
      attachments: [{ contentType: 'audio/wav', contentUrl: recordingUrl, name: 'voicemail' }],
    });
    const outcome = await this.deps.bot.handle(activity);
    if (outcome.duplicate) return this.repeat(key);
    const twiml = await this.respond(call, conversation, outcome.replies);
    await this.replies.keep(key, twiml);
    return twiml;
  }

  private otherLanguage(lang: string): string | null {
    if (!this.deps.config.VOICE_LANGUAGE_DIGIT) return null;
    return this.texts.languages().find((l) => l !== lang) ?? null;
  }

  private async turn(call: CallDoc, conversation: Turnable, id: string, text: string, key: string, data: Record<string, unknown>): Promise<string> {
    const activity = toActivity({ id, conversationId: String(conversation._id), caller: conversation.address, text, locale: conversation.language, channelData: { callSid: call.callSid, ...data } });
    const outcome = await this.deps.bot.handle(activity);
    if (outcome.duplicate) return this.repeat(key);
    // The turn may have changed the language (an Albanian question on the English line).
    const now = await this.deps.conversations.get(String(conversation._id));
    const twiml = await this.respond(call, now, outcome.replies);
    await this.replies.keep(key, twiml);
    return twiml;
  }

  /** Replies → TwiML; remembers the choices and the prompt, queues the caller on a handoff, pauses recording around card details. */
  async respond(call: CallDoc, conversation: Pick<ConversationDoc, 'language' | 'customerId'>, replies: Partial<Activity>[], opts: { greeting?: boolean } = {}): Promise<string> {
    const { calls, handoff, config } = this.deps;
    const lang = conversation.language;
    let step = call.step + 1;
    const other = opts.greeting ? this.otherLanguage(lang) : null;
    const options: RenderOptions = {
      ...this.texts.voice(lang),
      base: config.PUBLIC_BASE_URL,
      step,
      t: this.texts.t(lang),
      maxSayChars: config.VOICE_SAY_MAX_CHARS,
      voicemailMaxSeconds: config.VOICE_VOICEMAIL_MAX_SECONDS,
      languageOffer: other ? { digit: config.VOICE_LANGUAGE_DIGIT, text: this.texts.t(other)('voice_language_offer', { digit: config.VOICE_LANGUAGE_DIGIT }), ...this.texts.voice(other) } : undefined,
    };
    const handoffReply = replies.find((a) => (a.channelData as { step?: string } | undefined)?.step === 'handoff');
    const escalationId = (handoffReply?.channelData as { escalationId?: string } | undefined)?.escalationId;
    if (escalationId) {
      const e = await handoff.get(escalationId).catch(() => null);
      // A call back or a message was taken (out of hours): nobody to wait for now.
      options.handoff = e && !['callback', 'voicemail'].includes(e.trigger) && e.queue !== config.VOICE_CALLBACK_QUEUE ? { queue: e.queue } : { endCall: true };
      if (e) await handoff.addContext(escalationId, { callPath: await this.callPath(call.callSid) });
    }
    // A shortened answer offered by SMS first; the flow's next step (what is rendered) comes after that answer.
    const offer = opts.greeting || escalationId ? null : await this.smsOffer.prepare(call, conversation.customerId, replies);
    const render = (at: number) => {
      const turn = renderTurn(offer ? offer.rest : replies, { ...options, step: at });
      return { turn, twiml: offer ? this.smsOffer.render(offer, { ...options, step: at }, lang) : turn.twiml };
    };
    let { turn: rendered, twiml } = render(step);
    const set = () => {
      const out: Record<string, unknown> = { choices: rendered.choices, lastMenu: rendered.menu, lastPrompt: rendered.twiml, language: lang };
      out.smsOffer = offer ? { step, text: offer.full } : { step: 0, text: '' };
      if (escalationId) out.escalationId = escalationId;
      if (rendered.waitsFor === 'queue' && call.phase === 'ivr') Object.assign(out, { phase: 'queued', 'queue.name': (options.handoff as { queue: string }).queue, 'queue.enteredAt': new Date() });
      return out;
    };
    // One write: the next step with what it asks. Lost to a concurrent response, take the step after it.
    if (!(await calls.takeStep(call.callSid, call.step, set()))) {
      step = await calls.nextStep(call.callSid, {});
      ({ turn: rendered, twiml } = render(step));
      await calls.set(call.callSid, set());
    }
    await this.guardRecording(call, rendered.sensitive);
    return twiml;
  }

  /** The IVR path as lines an operator reads at a glance (`brief`: the answers only, for the whisper). */
  async callPath(callSid: string, brief = false): Promise<string[]> {
    const call = await this.deps.calls.get(callSid);
    return (call?.ivrPath ?? []).map((s) => {
      const answer =
        s.input === 'dtmf' ? `pressed ${s.key}${s.choice ? ` (${s.choice})` : ''}` : s.input === 'speech' ? `said "${s.utterance}"${s.confidence !== null && s.confidence !== undefined ? ` (${Math.round(s.confidence * 100)}%)` : ''}` : s.input === 'recording' ? 'left a recording' : 'no answer';
      return brief || !s.menu ? answer : `${s.menu.slice(0, 80)} → ${answer}`;
    });
  }

  /** PCI: no recording while card details are asked for; back on after. */
  private async guardRecording(call: CallDoc, sensitive: boolean): Promise<void> {
    const { calls, api, metrics, logger } = this.deps;
    if (!call.recordingSid || call.recordingSid === 'starting' || sensitive === call.recordingPaused) return;
    const status = sensitive ? 'paused' : 'in-progress';
    try {
      await api.setRecording(call.callSid, call.recordingSid, status);
      await calls.set(call.callSid, { recordingPaused: sensitive });
      logger.info({ callSid: call.callSid, status }, sensitive ? 'recording paused for sensitive input' : 'recording resumed');
    } catch (err) {
      metrics.recordingControlFailures.inc({ action: status === 'paused' ? 'pause' : 'resume' });
      logger.error({ err, callSid: call.callSid, status }, 'recording pause/resume refused');
    }
  }

  /** The last question again (after silence or a late answer), optionally after a short apology. */
  private async reprompt(call: CallDoc, before?: string): Promise<string> {
    const prompt = call.lastPrompt || renderSay([], this.texts.voice(call.language), { redirect: url(this.deps.config, '/twilio/voice/start') });
    if (!before) return prompt;
    const say = renderSay([before], this.texts.voice(call.language), { none: true }).replace(/^[\s\S]*?<Response>|<\/Response>\s*$/g, '');
    return prompt.replace('<Response>', `<Response>${say}`);
  }

  /** The answer the first delivery of this webhook got; asked again when it is gone. */
  private async repeat(key: string): Promise<string> {
    const twiml = await this.replies.waitFor(key);
    if (twiml !== null) return twiml;
    const call = await this.deps.calls.get(key.split(':')[0]);
    this.deps.logger.warn({ callSid: call?.callSid }, 'repeated webhook: the first answer is gone, asking again');
    return call ? this.reprompt(call) : renderSay([], { speechLanguage: 'en-US' }, { hangup: true });
  }
}
