import type { ErrorRequestHandler } from 'express';
import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';

/** The one error type routes throw; the error handler turns it into `{ error: { code, message, details } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} was not found`);

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

function fromTemporal(error: unknown): HttpError | undefined {
  if (error instanceof WorkflowNotFoundError) return notFound('The workflow');
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    const message = cause instanceof Error ? cause.message : error.message;
    return new HttpError(409, 'rejected', message);
  }
  return undefined;
}

/** Body-parser errors carry a `type` and a 4xx `status`. */
function fromBodyParser(error: unknown): HttpError | undefined {
  if (!error || typeof error !== 'object' || !('type' in error) || !('status' in error)) return undefined;
  if (error.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (error.type === 'entity.too.large') return new HttpError(413, 'body_too_large', 'The request body is too large.');
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new HttpError(error.status, 'bad_request', 'The request body could not be read.');
  }
  return undefined;
}

export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = error instanceof HttpError ? error : (fromBodyParser(error) ?? fromTemporal(error));
    if (known) {
      res.status(known.status).json({ error: { code: known.code, message: known.message, ...(known.details ? { details: known.details } : {}) } });
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side. The request was not completed; it is safe to retry.' } });
  };
}
