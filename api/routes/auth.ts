import { z } from 'zod';
import type { Models } from '../../activities/db/models';
import type { AuditLog } from '../../activities/audit';
import { verifyPassword, type StaffRole, type TokenService } from '../auth';
import { HttpError } from '../errors';
import { SESSION_COOKIE, type RouteTable } from '../route';

const loginBody = z.strictObject({
  username: z.string().min(1, 'username is required').max(64, 'username is at most 64 characters'),
  password: z.string().min(1, 'password is required').max(256, 'password is at most 256 characters'),
});

const loginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.string()) }),
});

export function authRoutes(table: RouteTable, deps: { models: Models; tokens: TokenService; audit: AuditLog }): void {
  table.add({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Log in as a staff user; returns a bearer token (JWT)',
    tags: ['auth'],
    access: { public: true },
    body: loginBody,
    responses: {
      200: { description: 'A token for the Authorization header', schema: loginResponse },
      401: { description: 'Unknown user or wrong password' },
    },
    handler: async ({ body, origin, res }) => {
      const user = await deps.models.User.findOne({ username: body.username }).lean();
      const valid = user ? await verifyPassword(body.password, user.passwordHash) : false;
      const roles = (user?.roles ?? []) as StaffRole[];
      await deps.audit.record({
        actor: { kind: valid ? 'staff' : 'anonymous', id: body.username, roles },
        action: 'auth.login',
        outcome: valid ? 'success' : 'failure',
        ...origin,
      });
      if (!user || !valid) throw new HttpError(401, 'invalid_credentials', 'Unknown username or wrong password.');
      const { token, expiresAt } = await deps.tokens.issueStaff(user.username, roles);
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/api/codec', expires: new Date(expiresAt) });
      return { body: { token, expiresAt, user: { username: user.username, displayName: user.displayName, roles } } };
    },
  });
}
