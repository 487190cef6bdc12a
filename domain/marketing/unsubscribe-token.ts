/**
 * Signed, expiring tokens for the one-click unsubscribe link of marketing e-mails
 * (`List-Unsubscribe`, RFC 8058). The token names the customer and when it expires, and carries an
 * HMAC-SHA256 under a key derived from a configured secret, so the public endpoint can trust it
 * without a login and without storing anything per e-mail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
/** A link in an old e-mail keeps working this long. */
export const UNSUBSCRIBE_TOKEN_TTL_MS = 90 * 86_400_000;

export type TokenProblem = 'malformed' | 'signature' | 'expired';

/** A key of its own for this purpose, so a token can never be taken for any other signed value. */
function derivedKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('loopdesk:list-unsubscribe:v1').digest();
}

function mac(secret: string, customerId: string, expiresAtSeconds: number): Buffer {
  return createHmac('sha256', derivedKey(secret)).update(`${VERSION}\n${customerId}\n${expiresAtSeconds}`).digest();
}

export function signUnsubscribeToken(secret: string, customerId: string, now = Date.now(), ttlMs = UNSUBSCRIBE_TOKEN_TTL_MS): string {
  const expires = Math.floor((now + ttlMs) / 1000);
  return [VERSION, Buffer.from(customerId, 'utf8').toString('base64url'), String(expires), mac(secret, customerId, expires).toString('base64url')].join('.');
}

export function verifyUnsubscribeToken(secret: string, token: string, now = Date.now()): { customerId: string } | { problem: TokenProblem } {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[2]!) || !/^[A-Za-z0-9_-]{43}$/.test(parts[3]!)) return { problem: 'malformed' };
  const customerId = Buffer.from(parts[1]!, 'base64url').toString('utf8');
  if (!customerId || Buffer.from(customerId, 'utf8').toString('base64url') !== parts[1]) return { problem: 'malformed' };
  const expires = Number(parts[2]);
  const given = Buffer.from(parts[3]!, 'base64url');
  if (!timingSafeEqual(given, mac(secret, customerId, expires))) return { problem: 'signature' };
  if (expires * 1000 < now) return { problem: 'expired' };
  return { customerId };
}

/** The https link an e-mail client POSTs `List-Unsubscribe=One-Click` to. */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/unsubscribe?token=${encodeURIComponent(token)}`;
}

/** The two headers RFC 8058 asks of a one-click unsubscribe. */
export function listUnsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
