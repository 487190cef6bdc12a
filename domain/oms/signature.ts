import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed request: `t` is the sender's clock in Unix seconds. */
export const SIGNATURE_HEADER = 'x-loopdesk-signature';
export const TIMESTAMP_HEADER = 'x-loopdesk-timestamp';

/** HMAC-SHA256 over "<timestamp>.<raw body>", hex: the timestamp is signed, so a replay cannot move it. */
export function signPayload(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

/** Checks a signature in constant time and refuses timestamps outside the replay window. */
export function verifySignature(input: { secret: string; rawBody: Buffer; signature?: string; timestamp?: string; nowMs: number; toleranceMs: number }): SignatureProblem | undefined {
  if (!input.signature || !input.timestamp) return 'missing';
  if (!/^\d{1,12}$/.test(input.timestamp) || !/^[0-9a-f]{64}$/i.test(input.signature)) return 'malformed';
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowMs - timestamp * 1_000) > input.toleranceMs) return 'stale';
  const expected = Buffer.from(signPayload(input.secret, timestamp, input.rawBody), 'hex');
  const given = Buffer.from(input.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'mismatch';
}
