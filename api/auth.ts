import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Models } from '../activities/db/models';
import { HttpError } from './errors';

export const STAFF_ROLES = ['admin', 'ops', 'supervisor', 'agent', 'marketer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is calling: a staff member, a system holding an API key, or a customer holding a conversation token. */
export type Principal =
  | { kind: 'staff'; subject: string; roles: StaffRole[] }
  | { kind: 'service'; subject: string; roles: StaffRole[] }
  | { kind: 'customer'; subject: string; conversationId: string };

const ISSUER = 'loopdesk';
const STAFF_AUDIENCE = 'loopdesk-staff';
const CUSTOMER_AUDIENCE = 'loopdesk-customer';
const BCRYPT_ROUNDS = 10;
const CUSTOMER_TOKEN_TTL_MS = 7 * 86_400_000;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

function onlyStaffRoles(value: unknown): StaffRole[] {
  return Array.isArray(value) ? value.filter((r): r is StaffRole => STAFF_ROLES.includes(r as StaffRole)) : [];
}

export function createTokenService(opts: { secret: string; ttlMs: number }) {
  const key = new TextEncoder().encode(opts.secret);

  const sign = (claims: Record<string, unknown>, subject: string, audience: string, expiresAt: Date) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuer(ISSUER).setAudience(audience).setIssuedAt().setExpirationTime(expiresAt).sign(key);

  return {
    async issueStaff(subject: string, roles: StaffRole[]): Promise<{ token: string; expiresAt: string }> {
      const expiresAt = new Date(Date.now() + opts.ttlMs);
      return { token: await sign({ roles }, subject, STAFF_AUDIENCE, expiresAt), expiresAt: expiresAt.toISOString() };
    },

    /** A web-chat customer's token: good for one conversation only. */
    async issueCustomer(customerId: string, conversationId: string): Promise<{ token: string; expiresAt: string }> {
      const expiresAt = new Date(Date.now() + CUSTOMER_TOKEN_TTL_MS);
      return { token: await sign({ cid: conversationId }, customerId, CUSTOMER_AUDIENCE, expiresAt), expiresAt: expiresAt.toISOString() };
    },

    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: [STAFF_AUDIENCE, CUSTOMER_AUDIENCE], algorithms: ['HS256'] });
        const audience = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
        if (audience === CUSTOMER_AUDIENCE && payload.sub && typeof payload.cid === 'string') {
          return { kind: 'customer', subject: payload.sub, conversationId: payload.cid };
        }
        const roles = onlyStaffRoles(payload.roles);
        if (audience === STAFF_AUDIENCE && payload.sub && roles.length > 0) return { kind: 'staff', subject: payload.sub, roles };
        throw new HttpError(401, 'unauthenticated', 'The token carries no user or roles. Log in again.');
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new HttpError(401, 'token_expired', 'The token has expired. Log in again.');
        throw new HttpError(401, 'unauthenticated', 'The token is not valid. Log in again.');
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

const API_KEY_PATTERN = /^ldk_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** API keys for systems (an OMS, a shop backend): `ldk_<id>_<secret>`, stored only as a hash of the secret. */
export function createApiKeyService(models: Pick<Models, 'ApiKey'>) {
  return {
    async create(name: string, roles: StaffRole[], createdBy: string): Promise<{ keyId: string; apiKey: string }> {
      const keyId = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      await models.ApiKey.create({ keyId, name, roles, createdBy, secretHash: sha256(secret).toString('hex') });
      return { keyId, apiKey: `ldk_${keyId}_${secret}` };
    },

    async verify(apiKey: string): Promise<Principal> {
      const match = API_KEY_PATTERN.exec(apiKey);
      const invalid = new HttpError(401, 'unauthenticated', 'The API key is not valid or has been revoked.');
      if (!match) throw invalid;
      const [, keyId, secret] = match as unknown as [string, string, string];
      const row = await models.ApiKey.findOne({ keyId }).lean();
      if (!row || row.revokedAt) throw invalid;
      if (!timingSafeEqual(Buffer.from(row.secretHash, 'hex'), sha256(secret))) throw invalid;
      void models.ApiKey.updateOne({ keyId }, { $set: { lastUsedAt: new Date() } }).catch(() => undefined);
      return { kind: 'service', subject: `api-key:${keyId}`, roles: onlyStaffRoles(row.roles) };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

/** Admins may do everything; everyone else needs one of the route's roles. */
export function hasAnyRole(roles: readonly StaffRole[], allowed: readonly StaffRole[]): boolean {
  return roles.includes('admin') || roles.some((r) => allowed.includes(r));
}
