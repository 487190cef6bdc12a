import bcrypt from 'bcryptjs';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { HttpError } from './errors';

export const STAFF_ROLES = ['admin', 'ops', 'supervisor', 'agent', 'marketer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface Principal {
  subject: string;
  roles: StaffRole[];
}

const ISSUER = 'loopdesk';
const STAFF_AUDIENCE = 'loopdesk-staff';
const BCRYPT_ROUNDS = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

export function createTokenService(opts: { secret: string; ttlMs: number }) {
  const key = new TextEncoder().encode(opts.secret);
  return {
    async issue(principal: Principal): Promise<{ token: string; expiresAt: string }> {
      const expiresAt = new Date(Date.now() + opts.ttlMs);
      const token = await new SignJWT({ roles: principal.roles })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(principal.subject)
        .setIssuer(ISSUER)
        .setAudience(STAFF_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: expiresAt.toISOString() };
    },

    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: STAFF_AUDIENCE, algorithms: ['HS256'] });
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is StaffRole => STAFF_ROLES.includes(r as StaffRole)) : [];
        if (!payload.sub || roles.length === 0) throw new HttpError(401, 'unauthenticated', 'The token carries no user or roles. Log in again.');
        return { subject: payload.sub, roles };
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new HttpError(401, 'token_expired', 'The token has expired. Log in again.');
        throw new HttpError(401, 'unauthenticated', 'The token is not valid. Log in again.');
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

/** Admins may do everything; everyone else needs one of the route's roles. */
export function hasAnyRole(principal: Principal, allowed: readonly StaffRole[]): boolean {
  return principal.roles.includes('admin') || principal.roles.some((r) => allowed.includes(r));
}
