import type { ErrorRequestHandler } from 'express';
import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
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
    // Business refusals carry a type; anything else is an internal failure whose text is not for clients.
    if (error.cause instanceof ApplicationFailure && error.cause.type) return new HttpError(409, 'rejected', error.cause.message);
    return new HttpError(503, 'unavailable', 'The request could not be completed right now; retry it with the same messageId.');
  }
  return undefined;
}

/** Body-parser errors carry a `type` and a 4xx `status`. */
function fromBodyParser(error: unknown): HttpError | undefined {
  if (!error || typeof error !== 'object' || !('type' in error) || !('status' in error)) return undefined;
  if (error.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (error.type === 'entity.too.large') return new HttpError(413, 'body_too_large', 'The request body is too large.');
  return undefined;
}

/** Anything else that already says it is the client's fault: a malformed path escape, a body that is not the encoding it claims. */
function fromClientError(error: unknown): HttpError | undefined {
  if (!error || typeof error !== 'object' || !('status' in error) || typeof error.status !== 'number') return undefined;
  if (error.status < 400 || error.status >= 500) return undefined;
  if (error instanceof URIError) return new HttpError(400, 'invalid_path', 'The path has a malformed %-escape.');
  return new HttpError(error.status, 'bad_request', 'The request could not be read; check its encoding and body.');
}

export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = error instanceof HttpError ? error : (fromBodyParser(error) ?? fromTemporal(error) ?? fromClientError(error));
    if (known) {
      res.status(known.status).json({ error: { code: known.code, message: known.message, ...(known.details ? { details: known.details } : {}) } });
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side. The request was not completed; it is safe to retry.' } });
  };
}
