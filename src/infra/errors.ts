// One error type carries an HTTP status; the Express error handler turns it
// into application/problem+json. Untrusted errors (bugs) become a plain 500.
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from './logger';

export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly title: string,
    readonly isTrusted = true,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(message, 400, 'Bad Request', true, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') {
    super(message, 401, 'Unauthorized');
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'not allowed') {
    super(message, 403, 'Forbidden');
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super(message, 404, 'Not Found');
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, 'Conflict');
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, 413, 'Payload Too Large');
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(message, 415, 'Unsupported Media Type');
  }
}
export class UnsupportedByChannelError extends AppError {
  constructor(message: string) {
    super(message, 422, 'Unprocessable Entity');
  }
}
export class TooManyRequestsError extends AppError {
  constructor(message = 'too many requests') {
    super(message, 429, 'Too Many Requests');
  }
}

export function fromZod(err: ZodError): ValidationError {
  return new ValidationError(
    'invalid request',
    err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err instanceof ZodError) e = fromZod(err);
    else {
      const h = (err ?? {}) as HttpishError;
      const status = h.status ?? h.statusCode;
      if (status && status >= 400 && status < 500 && h.expose !== false) {
        // body-parser: malformed JSON, too large, unsupported charset…
        const msg = h.type === 'entity.too.large' ? 'request body too large' : h.type === 'entity.parse.failed' ? 'malformed JSON body' : 'bad request';
        e = new AppError(msg, status, status === 413 ? 'Payload Too Large' : 'Bad Request');
      } else {
        e = new AppError('internal error', 500, 'Internal Server Error', false);
        logger.error({ err, url: req.originalUrl, method: req.method }, 'unhandled error');
      }
    }
    if (res.headersSent) return;
    res
      .status(e.status)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: e.title, status: e.status, detail: e.message, errors: e.details });
  };
}
