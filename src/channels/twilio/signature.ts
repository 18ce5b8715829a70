// X-Twilio-Signature check for every Twilio webhook. Twilio signs the URL it
// was configured with (the public one, in front of any proxy), so the URL is
// rebuilt from PUBLIC_BASE_URL, never from the Host header; the library tries
// it with and without the default port, as Twilio signs either way.
import type { RequestHandler } from 'express';
import twilio from 'twilio';
import { ForbiddenError } from '../../infra/errors';
import type { Logger } from '../../infra/logger';

export interface SignatureOptions {
  /** Unset outside production: webhooks are accepted unsigned (sandbox). */
  authToken?: string;
  publicBaseUrl: string;
  logger: Logger;
}

export function publicUrl(publicBaseUrl: string, originalUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${originalUrl}`;
}

export function isSignedByTwilio(authToken: string, signature: string | undefined, url: string, params: Record<string, unknown>): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** Needs the form body parsed first (express.urlencoded). */
export function verifyTwilioSignature(opts: SignatureOptions): RequestHandler {
  return (req, _res, next) => {
    if (!opts.authToken) return next();
    const url = publicUrl(opts.publicBaseUrl, req.originalUrl);
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const signature = req.header('x-twilio-signature');
    if (isSignedByTwilio(opts.authToken, signature, url, params)) return next();
    // Never the body: it is the customer's text.
    opts.logger.warn({ path: req.path, ip: req.ip, signed: !!signature, messageSid: typeof params.MessageSid === 'string' ? params.MessageSid.slice(0, 64) : undefined }, 'twilio webhook with a bad signature refused');
    next(new ForbiddenError('invalid Twilio signature'));
  };
}
