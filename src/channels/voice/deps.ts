// What the voice channel's parts share: services, the Twilio voice API, the
// per-language voices and the texts. Built once per process by index.ts.
import type { Config } from '../../config';
import type { BotRuntime } from '../../bot/runtime';
import type { ConversationsService } from '../../conversations/conversations.service';
import type { Prompts } from '../../flows/prompts';
import type { HandoffService } from '../../handoff/handoff.service';
import type { BullQueue } from '../../infra/queues';
import type { Bus } from '../../infra/bus';
import type { Logger } from '../../infra/logger';
import type { Redis } from '../../infra/redis';
import type { OperatorsService } from '../../operators/operators.service';
import type { OutboundService } from '../../outbound/outbound.service';
import type { TranscribeJob } from '../../transcription/jobs';
import type { CallsService } from './calls.service';
import type { VoiceMetrics } from './metrics';
import { parsePairs } from './parse';
import type { Translate, Voice } from './render';
import type { VoiceApi } from './twilio-voice';

export interface VoiceDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  bus: Bus;
  calls: CallsService;
  api: VoiceApi;
  conversations: ConversationsService;
  bot: BotRuntime;
  handoff: HandoffService;
  operators: OperatorsService;
  /** Texts to the caller's phone (the full answer by SMS) go out as messaging does. */
  outbound: OutboundService;
  prompts: Prompts;
  metrics: VoiceMetrics;
  transcribeQueue: BullQueue<TranscribeJob>;
}

/** Voices and texts per language, from the configuration and prompts/. */
export class VoiceTexts {
  private readonly speech: Record<string, string>;
  private readonly voices: Record<string, string>;

  constructor(private readonly deps: Pick<VoiceDeps, 'config' | 'prompts'>) {
    this.speech = parsePairs(deps.config.VOICE_SPEECH_LANGUAGES);
    this.voices = parsePairs(deps.config.VOICE_SAY_VOICES);
  }

  voice(lang: string): Voice {
    return { speechLanguage: this.speech[lang] ?? this.speech.en ?? 'en-US', voice: this.voices[lang] || undefined };
  }

  t(lang: string): Translate {
    return (key, vars = {}) => this.deps.prompts.t(lang, key, { company: this.deps.config.COMPANY_NAME, ...vars });
  }

  languages(): string[] {
    return this.deps.prompts.languages();
  }
}

export function url(config: Config, path: string, query: Record<string, string | number> = {}): string {
  const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return `${config.PUBLIC_BASE_URL}${path}${q ? `?${q}` : ''}`;
}
