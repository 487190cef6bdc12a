import pino, { type Logger } from 'pino';
import { maskPii } from '../domain/pii';

const MAX_DEPTH = 6;

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: maskPii(value.message), stack: value.stack ? maskPii(value.stack) : undefined };
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, depth + 1)]));
}

/**
 * Structured logs with personal data masked wherever it appears: secrets by field name, phone,
 * ID-card, bank-card numbers and e-mail addresses inside any string.
 */
export function createLogger(level: string, name = 'loopdesk', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'apiKey', '*.apiKey', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    formatters: { log: (object) => maskDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? maskPii(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
