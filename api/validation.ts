import { z } from 'zod';
import { HttpError } from './errors';

type Where = 'body' | 'query' | 'path';

/** Messages a person can act on, for the type errors zod words for programmers. */
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      return issue.input === undefined ? 'is required' : `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
    }
    if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
    return undefined;
  },
});

/** Parses one part of a request, or throws a 400 that names each bad field and what it should be. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  throw new HttpError(400, 'invalid_request', `Invalid ${where}: ${summary}`, details);
}
