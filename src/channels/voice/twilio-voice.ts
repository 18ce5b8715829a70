// The few Twilio REST calls voice makes: start, pause and resume a call's
// recording, take a caller out of the queue into a conference, place calls
// (an operator's leg with a whisper, a call back), and fetch a recording's
// audio from Twilio's API host with the account's credentials. Without
// credentials (sandbox) each call is logged and answered with a made-up sid.
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config';
import type { Logger } from '../../infra/logger';
import { createTwilioClient, TwilioClient } from '../twilio/client';

export const TWILIO_API_HOST = 'https://api.twilio.com';

export interface PlacedCall {
  sid: string;
}

export interface VoiceApi {
  readonly sandbox: boolean;
  startRecording(callSid: string, statusCallback: string): Promise<string>;
  setRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress'): Promise<void>;
  /** Takes a queued caller out of the queue to run the TwiML at `url`. */
  dequeue(callSid: string, queueSid: string, url: string): Promise<void>;
  /** Makes a call in progress (in a conference, a queue or a <Say>) run the TwiML at `url` instead. */
  redirect(callSid: string, url: string): Promise<void>;
  call(input: { to: string; from: string; twiml: string; statusCallback: string }): Promise<PlacedCall>;
  /** The canonical URL of a recording (always Twilio's API host). */
  recordingUrl(recordingSid: string): string;
  fetchRecording(recordingSid: string, channels: number): Promise<{ audio: Buffer; contentType: string }>;
}

export function createVoiceApi(config: Config, logger: Logger): VoiceApi {
  const client = createTwilioClient(config);
  return client ? new TwilioVoiceApi(client, config) : new SandboxVoiceApi(config, logger);
}

class TwilioVoiceApi implements VoiceApi {
  readonly sandbox = false;

  constructor(
    private readonly client: TwilioClient,
    private readonly config: Config,
  ) {}

  async startRecording(callSid: string, statusCallback: string): Promise<string> {
    const rec = await this.client.calls(callSid).recordings.create({
      recordingChannels: 'dual',
      recordingStatusCallback: statusCallback,
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
    });
    return rec.sid;
  }

  async setRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress'): Promise<void> {
    await this.client
      .calls(callSid)
      .recordings(recordingSid || 'Twilio.CURRENT')
      .update(status === 'paused' ? { status, pauseBehavior: 'skip' } : { status });
  }

  async dequeue(callSid: string, queueSid: string, url: string): Promise<void> {
    if (queueSid) await this.client.queues(queueSid).members(callSid).update({ url, method: 'POST' });
    else await this.client.calls(callSid).update({ url, method: 'POST' });
  }

  async redirect(callSid: string, url: string): Promise<void> {
    await this.client.calls(callSid).update({ url, method: 'POST' });
  }

  async call(input: { to: string; from: string; twiml: string; statusCallback: string }): Promise<PlacedCall> {
    const c = await this.client.calls.create({
      to: input.to,
      from: input.from,
      twiml: input.twiml,
      statusCallback: input.statusCallback,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['answered', 'completed'],
    });
    return { sid: c.sid };
  }

  recordingUrl(recordingSid: string): string {
    return `${TWILIO_API_HOST}/2010-04-01/Accounts/${this.config.TWILIO_ACCOUNT_SID}/Recordings/${recordingSid}`;
  }

  async fetchRecording(recordingSid: string, channels: number): Promise<{ audio: Buffer; contentType: string }> {
    if (!/^RE[0-9a-fA-F]{32}$/.test(recordingSid)) throw new Error('not a recording sid');
    // Built here, never taken from a webhook: only Twilio's API host (or its configured stand-in) is ever fetched.
    const host = (this.config.TWILIO_API_URL ?? TWILIO_API_HOST).replace(/\/+$/, '');
    const query = channels > 1 ? '?RequestedChannels=2' : '';
    const res = await fetch(`${host}/2010-04-01/Accounts/${this.config.TWILIO_ACCOUNT_SID}/Recordings/${recordingSid}.wav${query}`, {
      headers: { authorization: `Basic ${Buffer.from(`${this.config.TWILIO_ACCOUNT_SID}:${this.config.TWILIO_AUTH_TOKEN}`).toString('base64')}` },
      redirect: 'error',
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new RecordingFetchError(`recording ${recordingSid}: Twilio answered ${res.status}`, res.status);
    return { audio: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? 'audio/wav' };
  }
}

export class RecordingFetchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** No Twilio account: say what would have happened, so a flow author can follow it in the logs. */
class SandboxVoiceApi implements VoiceApi {
  readonly sandbox = true;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  private sid(prefix: string) {
    return `${prefix}${randomBytes(16).toString('hex')}`;
  }

  async startRecording(callSid: string): Promise<string> {
    const sid = this.sid('RE');
    this.logger.info({ callSid, recordingSid: sid }, 'sandbox: call recording would start');
    return sid;
  }

  async setRecording(callSid: string, recordingSid: string, status: string): Promise<void> {
    this.logger.info({ callSid, recordingSid, status }, 'sandbox: call recording would change');
  }

  async dequeue(callSid: string, _queueSid: string, url: string): Promise<void> {
    this.logger.info({ callSid, url }, 'sandbox: caller would leave the queue for the conference');
  }

  async redirect(callSid: string, url: string): Promise<void> {
    this.logger.info({ callSid, url }, 'sandbox: call would be redirected');
  }

  async call(input: { to: string; from: string }): Promise<PlacedCall> {
    const sid = this.sid('CA');
    this.logger.info({ callSid: sid, to: input.to, from: input.from }, 'sandbox: call would be placed');
    return { sid };
  }

  recordingUrl(recordingSid: string): string {
    return `${TWILIO_API_HOST}/2010-04-01/Accounts/${this.config.TWILIO_ACCOUNT_SID ?? 'sandbox'}/Recordings/${recordingSid}`;
  }

  async fetchRecording(recordingSid: string): Promise<{ audio: Buffer; contentType: string }> {
    throw new RecordingFetchError(`sandbox: no Twilio account to fetch recording ${recordingSid} from`, 0);
  }
}
