import { z } from 'zod';
import type { Models } from '../../activities/db/models';
import { verifyPassword, type StaffRole, type TokenService } from '../auth';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';

const loginBody = z.strictObject({
  username: z.string().min(1, 'username is required').max(64, 'username is at most 64 characters'),
  password: z.string().min(1, 'password is required').max(256, 'password is at most 256 characters'),
});

const loginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.string()) }),
});

export function authRoutes(table: RouteTable, deps: { models: Models; tokens: TokenService }): void {
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
    handler: async ({ body }) => {
      const user = await deps.models.User.findOne({ username: body.username }).lean();
      const valid = user ? await verifyPassword(body.password, user.passwordHash) : false;
      if (!user || !valid) throw new HttpError(401, 'invalid_credentials', 'Unknown username or wrong password.');
      const roles = user.roles as StaffRole[];
      const { token, expiresAt } = await deps.tokens.issue({ subject: user.username, roles });
      return { body: { token, expiresAt, user: { username: user.username, displayName: user.displayName, roles } } };
    },
  });
}
