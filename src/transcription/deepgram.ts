// The Deepgram client: DEEPGRAM_API_KEY, and DEEPGRAM_API_URL to point REST
// and WebSocket calls elsewhere (a local fake in tests). No key → null: no
// transcription, calls go on as usual.
import { DeepgramClient } from '@deepgram/sdk';
import type { Config } from '../config';

export type Deepgram = DeepgramClient;

export function createDeepgram(config: Pick<Config, 'DEEPGRAM_API_KEY' | 'DEEPGRAM_API_URL'>): Deepgram | null {
  if (!config.DEEPGRAM_API_KEY) return null;
  return new DeepgramClient({ apiKey: config.DEEPGRAM_API_KEY, ...(config.DEEPGRAM_API_URL ? { baseUrl: config.DEEPGRAM_API_URL.replace(/\/+$/, '') } : {}) });
}
