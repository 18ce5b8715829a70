// The inbound SMTP listener (smtp-server) for a self-hosted MX or a relay.
// Refuses at SMTP level what we will not take: recipients outside
// SUPPORT_EMAIL (550 5.1.1), mail over EMAIL_MAX_BYTES (552 5.3.4; the SIZE
// extension refuses it at MAIL FROM already), and answers 250 only once the
// mail is stored; a failure answers 451 so the sending server tries again,
// except for a mail that can never be stored (a header bomb: more than
// MAX_HEADER_LINES lines, or a header the parser refuses as too large), which
// gets a permanent 552 5.3.4 so the sender gives up.
// STARTTLS when a key and certificate are configured; AUTH when a user is.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Logger } from '../../infra/logger';
import type { EmailService } from './email.service';
import { parseMime } from './parse';
import { EmailSettings, isSupportAddress } from './settings';

export interface SmtpListenerDeps {
  email: EmailService;
  settings: EmailSettings;
  logger: Logger;
}

export interface SmtpListenerOptions {
  port: number;
  host?: string;
  /** PEM key and certificate: STARTTLS is offered (and AUTH is only accepted over it). */
  tls?: { key: Buffer | string; cert: Buffer | string };
  /** Credentials a relay must present (AUTH PLAIN/LOGIN). */
  auth?: { user: string; password: string };
  maxRecipients?: number;
  /** Called with the time from the end of DATA to the mail being stored and answered (benchmarks, metrics). */
  onStored?: (ms: number) => void;
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

/** Far above any real mail (a long Received chain is a few hundred lines); the stored copy keeps 300 anyway. */
export const MAX_HEADER_LINES = 5000;

/** Lines in the header block (up to the first empty line), counting folded continuation lines; stops past `max`. */
export function headerLineCount(raw: Buffer, max = MAX_HEADER_LINES): number {
  let lines = 0;
  let start = 0;
  while (start < raw.length && lines <= max) {
    let end = raw.indexOf(0x0a, start);
    if (end < 0) end = raw.length;
    const len = end - start - (raw[end - 1] === 0x0d ? 1 : 0);
    if (len <= 0) break;
    lines++;
    start = end + 1;
  }
  return lines;
}

/** A mail the parser refuses for its size (mailsplit's EMAXLEN): retrying cannot help. */
function permanentlyUnreadable(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EMAXLEN';
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Reads SMTP_TLS_KEY_FILE / SMTP_TLS_CERT_FILE, when both are set. */
export function tlsFromFiles(keyFile?: string, certFile?: string): SmtpListenerOptions['tls'] {
  if (!keyFile || !certFile) return undefined;
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
}

export async function startSmtpListener(deps: SmtpListenerDeps, opts: SmtpListenerOptions): Promise<SmtpListener> {
  const { email, settings, logger } = deps;
  const log = logger.child({ channel: 'email', component: 'smtp' });
  const disabled = [...(opts.tls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])];
  const options: SMTPServerOptions = {
    name: settings.messageIdDomain,
    banner: `${settings.companyName} support`,
    size: settings.maxBytes,
    disabledCommands: disabled,
    authOptional: !opts.auth,
    // Without TLS a relay's password would cross in clear text; allowed only because the operator configured it so.
    allowInsecureAuth: !!opts.auth && !opts.tls,
    disableReverseLookup: true,
    logger: false,
    maxClients: 200,
    maxRecipients: opts.maxRecipients ?? 50,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    onAuth(auth, _session, callback) {
      const ok = !!opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password;
      if (!ok) return callback(smtpError('authentication failed', 535));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (!isSupportAddress(settings, address.address)) return callback(smtpError(`5.1.1 <${address.address.slice(0, 200)}>: no such mailbox here`, 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= settings.maxBytes) chunks.push(c);
      });
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError('5.3.4 message exceeds fixed maximum message size', 552));
        const raw = Buffer.concat(chunks);
        if (headerLineCount(raw) > MAX_HEADER_LINES) {
          log.warn({ sessionId: session.id, size }, 'inbound mail refused: too many header lines');
          return callback(smtpError('5.3.4 message header too large', 552));
        }
        const ended = performance.now();
        const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        parseMime(raw, { attachmentMaxBytes: settings.attachmentMaxBytes, envelopeFrom, envelopeTo })
          .then((mail) => email.receive(mail))
          .then((r) => {
            opts.onStored?.(performance.now() - ended);
            callback(null, `2.0.0 stored ${r.status}`);
          })
          .catch((err: Error) => {
            if (permanentlyUnreadable(err)) {
              log.warn({ err, sessionId: session.id }, 'inbound mail refused: the parser cannot read it');
              return callback(smtpError('5.3.4 message header too large', 552));
            }
            log.error({ err, sessionId: session.id }, 'storing an inbound mail failed');
            callback(smtpError('4.3.0 temporary failure, try again later', 451));
          });
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', (err: Error) => log.warn({ err }, 'smtp connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ port, host: opts.host ?? '0.0.0.0', tls: !!opts.tls, auth: !!opts.auth }, 'smtp listener up');
  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
