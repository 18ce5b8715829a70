// The full answer by text message. A caller hears long answers shortened at
// VOICE_SAY_MAX_CHARS; when that happened and their number can take an SMS
// (known, not withheld, not opted out of SMS), they are offered the full text
// ("press 1 or say yes") before the flow goes on with its next question. On
// yes it is queued as the bot's message in the customer's SMS conversation:
// it goes out through the messaging sender (Twilio, or the sandbox outbox)
// and stays in the customer's history.
import type { Activity } from 'botbuilder';
import type { Types } from 'mongoose';
import { NotFoundError, ValidationError } from '../../infra/errors';
import type { CallDoc } from './calls.service';
import { url, VoiceDeps, VoiceTexts } from './deps';
import type { GatherWebhook } from './parse';
import { CutTurn, cutStatements, RenderOptions, renderSay, renderSmsOffer, sayingFirst } from './render';
import { ReplyStore } from './replies';
import { canText } from './twiml';

/** Twilio refuses longer message bodies. */
const MAX_SMS_BODY = 1600;
const ONCE_TTL_SECONDS = 24 * 3600;

/** Lower case, no accents or punctuation, one space between words: how a spoken answer is compared. */
function words(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export class SmsOffer {
  private readonly texts: VoiceTexts;
  private readonly replies: ReplyStore;
  private readonly yes: string[];

  constructor(private readonly deps: VoiceDeps) {
    this.texts = new VoiceTexts(deps);
    this.replies = new ReplyStore(deps.redis, deps.config.QUEUE_PREFIX);
    // A caller may answer in any of our languages.
    const all = this.texts.languages().flatMap((l) => deps.prompts.t(l, 'voice_sms_offer_yes').split(','));
    this.yes = [...new Set(all.map(words).filter(Boolean))];
  }

  /** The turn split at its shortened answer, when this caller is to be offered it by SMS; else null. */
  async prepare(call: Pick<CallDoc, 'from'>, customerId: Types.ObjectId, replies: Partial<Activity>[]): Promise<CutTurn | null> {
    const { config } = this.deps;
    if (!config.VOICE_SMS_FULL_ANSWERS || !config.TWILIO_MESSAGING_ENABLED || !canText(call.from)) return null;
    const cut = cutStatements(replies, config.VOICE_SAY_MAX_CHARS);
    if (!cut || [...cut.full].length > MAX_SMS_BODY) return null;
    if (await this.optedOut(customerId)) return null;
    return cut;
  }

  /** The shortened answer, then the offer; answered at /twilio/voice/sms-offer?step=N. */
  render(cut: CutTurn, o: RenderOptions & { step: number }, lang: string): string {
    const { config } = this.deps;
    return renderSmsOffer(
      cut.head,
      {
        text: this.texts.t(lang)('voice_sms_offer'),
        hints: this.yes.join(', '),
        action: url(config, '/twilio/voice/sms-offer', { step: o.step }),
        noInput: url(config, '/twilio/voice/sms-offer', { step: o.step, noinput: 1 }),
      },
      o,
    );
  }

  /**
   * POST /twilio/voice/sms-offer?step=N: 1 or yes queues the SMS (once);
   * whatever the answer, or none, the flow goes on with the question it had
   * reached (the call's last prompt).
   */
  async answer(body: GatherWebhook, step: number, noInput: boolean): Promise<string> {
    const { calls } = this.deps;
    const key = `${body.CallSid}:${step}:sms${noInput ? ':noinput' : ''}`;
    const kept = await this.replies.get(key);
    if (kept) return kept;
    const call = await calls.get(body.CallSid);
    if (!call?.conversationId) throw new NotFoundError('no such call');
    if (step > call.step) throw new ValidationError(`step ${step} was never asked in this call`);
    const voice = this.texts.voice(call.language);
    const next = call.lastPrompt || renderSay([], voice, { redirect: url(this.deps.config, '/twilio/voice/start') });
    // Settled already (a late repeat), or a step the offer was not made at: the flow's question again.
    if (!call.smsOffer?.step || call.smsOffer.step !== step || step !== call.step) return next;

    const digits = (body.Digits ?? '').replace(/#$/, '');
    const speech = noInput ? '' : (body.SpeechResult ?? '').trim();
    const yes = !noInput && (digits === '1' || (!digits && this.saysYes(speech)));
    const menu = 'Full answer by text message?';
    if (digits || speech) {
      await calls.answered(call.callSid, {
        step,
        menu,
        input: digits ? 'dtmf' : 'speech',
        key: digits,
        utterance: digits ? '' : speech.slice(0, 500),
        confidence: digits ? null : (body.Confidence ?? null),
        choice: yes ? 'send by SMS' : '',
      });
    } else await calls.addIvrStep(call.callSid, { step, menu, input: 'none' });

    const said = yes ? [this.texts.t(call.language)((await this.send(call, step)) ? 'voice_sms_sent' : 'voice_sms_not_sent')] : [];
    await calls.setIf(call.callSid, { 'smsOffer.step': step }, { 'smsOffer.step': 0, 'smsOffer.text': '' });
    const twiml = sayingFirst(next, said, voice);
    await this.replies.keep(key, twiml);
    return twiml;
  }

  private saysYes(speech: string): boolean {
    const said = ` ${words(speech)} `;
    if (/^ (no|jo)\b/.test(said)) return false;
    return this.yes.some((w) => said.includes(` ${w} `));
  }

  private async optedOut(customerId: Types.ObjectId | string): Promise<boolean> {
    const customer = await this.deps.conversations.getCustomer(customerId);
    return !!customer?.optOuts.includes('sms');
  }

  /**
   * Queues the offered text to the caller's number in their SMS conversation
   * (opened when they have none). Once per call and step; false when the
   * customer opted out of SMS meanwhile.
   */
  private async send(call: CallDoc, step: number): Promise<boolean> {
    const { conversations, outbound, redis, config, logger } = this.deps;
    const text = call.smsOffer?.text ?? '';
    const voiceConversation = await conversations.get(call.conversationId ?? '');
    if (!text || (await this.optedOut(voiceConversation.customerId))) return false;
    const once = `${config.QUEUE_PREFIX}:voice:sms:${call.callSid}:${step}`;
    if ((await redis.set(once, '1', 'EX', ONCE_TTL_SECONDS, 'NX')) !== 'OK') return true;
    try {
      const sms =
        (await conversations.findActive('sms', call.from)) ??
        (await conversations.open({
          customerId: voiceConversation.customerId,
          channel: 'sms',
          address: call.from,
          language: voiceConversation.language,
          // From the configured SMS sender when there is one, else the number the caller rang.
          botAddress: config.TWILIO_SMS_FROM ? '' : call.to,
        }));
      const message = await outbound.send(sms, { author: 'bot', text });
      logger.info({ callSid: call.callSid, conversationId: String(sms._id), messageId: String(message._id), channel: 'voice' }, 'full answer queued by SMS');
      return true;
    } catch (err) {
      await redis.del(once);
      throw err;
    }
  }
}
