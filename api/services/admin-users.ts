import { z } from 'zod';
import type { AuditActor, AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import { hashPassword, STAFF_ROLES } from '../auth';

/** Lowercase letters, digits and "_.@+-", so an e-mail address can be a username. */
export const usernameSchema = z.string().regex(/^[a-z0-9_.@+-]{2,64}$/, '2-64 lowercase letters, digits or "_.@+-"');
/** The one password policy for staff users: the admin API, the command line and the first admin all use it. */
export const passwordSchema = z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters');
export const rolesSchema = z.array(z.enum(STAFF_ROLES)).min(1, 'give at least one role').max(STAFF_ROLES.length);

export const newUserSchema = z.strictObject({
  username: usernameSchema,
  displayName: z.string().trim().min(1, 'displayName is required').max(100),
  password: passwordSchema,
  roles: rolesSchema,
});
export type NewUser = z.output<typeof newUserSchema>;

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);

/**
 * Inserts a staff user; the unique username index decides between two callers racing for the same
 * name (two API replicas starting, a retried command), so exactly one insert wins and only the winner
 * writes the audit entry.
 */
export async function createStaffUser(deps: { models: Pick<Models, 'User'>; audit: AuditLog }, user: NewUser, actor: AuditActor & { ip?: string; userAgent?: string }, action = 'user.create'): Promise<'created' | 'exists'> {
  const passwordHash = await hashPassword(user.password);
  try {
    await deps.models.User.create({ username: user.username, displayName: user.displayName, roles: user.roles, passwordHash });
  } catch (error) {
    if (isDuplicateKey(error)) return 'exists';
    throw error;
  }
  const { ip, userAgent, ...who } = actor;
  await deps.audit.record({ actor: who, action, target: { type: 'user', id: user.username }, details: { roles: user.roles }, ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) });
  return 'created';
}

export type BootstrapOutcome = 'created' | 'admin_exists' | 'username_taken';

/**
 * The first admin of an installation without the demo seed, from LOOPDESK_ADMIN_EMAIL and
 * LOOPDESK_ADMIN_PASSWORD. Runs at every API start: once any admin exists it does nothing, and the
 * insert itself is exactly-once by the unique username, so restarts and replicas create one user.
 */
export async function bootstrapFirstAdmin(deps: { models: Pick<Models, 'User'>; audit: AuditLog }, admin: { email: string; password: string }): Promise<BootstrapOutcome> {
  // A cheap early exit on every later start (no password hashing); correctness rests on the insert below.
  if (await deps.models.User.exists({ roles: 'admin' })) return 'admin_exists';
  const outcome = await createStaffUser(
    deps,
    { username: admin.email, displayName: admin.email, password: admin.password, roles: ['admin'] },
    { kind: 'system', id: 'bootstrap' },
    'user.bootstrap_admin',
  );
  if (outcome === 'created') return 'created';
  // Another replica created it a moment ago, or the name belongs to a user who is no longer an admin.
  return (await deps.models.User.exists({ username: admin.email, roles: 'admin' })) ? 'admin_exists' : 'username_taken';
}
