import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Loopdesk's webhook signature, used by the SMS, app and phone channels in both directions:
 * `X-Loopdesk-Timestamp: <unix seconds>` and
 * `X-Loopdesk-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 * The timestamp bounds replays; the raw body is signed byte for byte, before any parsing.
 */
export const SIGNATURE_HEADER = 'x-loopdesk-signature';
export const TIMESTAMP_HEADER = 'x-loopdesk-timestamp';
export const SIGNATURE_TOLERANCE_S = 300;

export function webhookSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export function signedHeaders(secret: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body) };
}

function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type SignatureProblem = 'missing' | 'stale' | 'mismatch';

/** Why a webhook's signature is not good, or undefined when it is. */
export function webhookSignatureProblem(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: Buffer,
  now = Date.now(),
): SignatureProblem | undefined {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return 'stale';
  return equalText(webhookSignature(secret, timestamp, body), signature) ? undefined : 'mismatch';
}

/** WeChat's signature on every call to the server URL: SHA-1 of token, timestamp and nonce, sorted and joined. */
export function wechatSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

export function wechatSignatureValid(token: string, query: { signature?: string; timestamp?: string; nonce?: string }): boolean {
  if (!query.signature || !query.timestamp || !query.nonce) return false;
  return equalText(wechatSignature(token, query.timestamp, query.nonce), query.signature);
}
