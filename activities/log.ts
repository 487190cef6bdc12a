import pino, { type Logger } from 'pino';

/** Structured logs; fields that may hold personal data are redacted before they are written. */
export function createLogger(level: string, name = 'loopdesk'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'req.headers.authorization', 'text', '*.text', 'phone', '*.phone', 'email', '*.email'],
      censor: '[redacted]',
    },
  });
}
