// The Twilio REST client, shared by the Twilio channels (messaging, voice).
// Without credentials there is no client: callers run in sandbox mode. With
// TWILIO_API_URL the real library talks to another base URL (a local fake in
// tests); errors become TwilioApiError, which keeps Retry-After.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';
import type { Config } from '../../config';

export type TwilioClient = ReturnType<typeof twilio>;

/** A Twilio API answer other than 2xx, or no answer at all (status 0). */
export class TwilioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: number,
    /** From the Retry-After header, when Twilio sent one. */
    readonly retryAfterMs?: number,
    /** True when the request may have reached Twilio (timeout, reset, 5xx): the outcome is unknown. */
    readonly ambiguous = false,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }

  /** 429 and 5xx are worth retrying; other 4xx will fail the same way again. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function bodyOf(raw: unknown): { message?: string; code?: number } {
  if (typeof raw === 'string') {
    try {
      return bodyOf(JSON.parse(raw));
    } catch {
      return {};
    }
  }
  if (!raw || typeof raw !== 'object') return {};
  const b = raw as { message?: unknown; code?: unknown; detail?: unknown };
  return {
    message: typeof b.message === 'string' ? b.message : typeof b.detail === 'string' ? b.detail : undefined,
    code: typeof b.code === 'number' ? b.code : undefined,
  };
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** RequestClient that may point elsewhere and reports failures with their headers. */
export class GatewayRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    opts: RequestClient.RequestClientOptions = {},
  ) {
    super(opts);
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const uri = this.baseUrl ? opts.uri.replace(/^https?:\/\/[^/]+/, this.baseUrl) : opts.uri;
    let res: Response<TData>;
    try {
      res = await super.request<TData>({ ...opts, uri });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // A refused connection never reached Twilio; a timeout or reset may have.
      throw new TwilioApiError(`Twilio unreachable: ${code || (err as Error).message}`, 0, undefined, undefined, !NOT_SENT_CODES.has(code));
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const b = bodyOf(res.body);
      const headers = (res.headers ?? {}) as Record<string, unknown>;
      throw new TwilioApiError(
        `Twilio answered ${res.statusCode}${b.code ? ` (error ${b.code})` : ''}: ${b.message ?? 'no message'}`,
        res.statusCode,
        b.code,
        parseRetryAfter(headers['retry-after']),
        res.statusCode >= 500,
      );
    }
    return res;
  }
}

export function twilioConfigured(config: Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>): boolean {
  return !!(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN);
}

/** The REST client, or null without credentials (sandbox mode). */
export function createTwilioClient(
  config: Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_API_URL' | 'TWILIO_HTTP_TIMEOUT_MS'>,
): TwilioClient | null {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) return null;
  const httpClient = new GatewayRequestClient(config.TWILIO_API_URL?.replace(/\/+$/, ''), { timeout: config.TWILIO_HTTP_TIMEOUT_MS, keepAlive: true });
  return twilio(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, { httpClient });
}
