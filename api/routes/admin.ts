import mongoose from 'mongoose';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import type { PrivacyService } from '../../activities/privacy';
import { STAFF_ROLES, type ApiKeyService } from '../auth';
import { HttpError, notFound } from '../errors';
import type { RouteTable } from '../route';
import { agentChangesSchema, agentIdSchema, newAgentSchema, type AgentAdminService } from '../services/admin-agents';
import { createStaffUser, newUserSchema, rolesSchema, usernameSchema } from '../services/admin-users';

const customerParams = z.strictObject({ customerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$/, 'not a customer id') });

const auditQuery = z.strictObject({
  action: z.string().max(64).optional(),
  actor: z.string().max(128).optional(),
  target: z.string().max(128).optional(),
  from: z.iso.datetime({ message: 'an ISO date-time such as 2026-11-24T00:00:00Z' }).optional(),
  to: z.iso.datetime({ message: 'an ISO date-time such as 2026-11-24T00:00:00Z' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function adminRoutes(table: RouteTable, deps: { models: Models; apiKeys: ApiKeyService; audit: AuditLog; privacy: PrivacyService }): void {
  table.add({
    method: 'get',
    path: '/api/admin/users',
    summary: 'Staff users and their roles',
    tags: ['admin'],
    access: { roles: ['admin'] },
    responses: { 200: { description: 'Users (never their password hashes)' } },
    handler: async () => ({ body: { users: await deps.models.User.find({}, { _id: 0, username: 1, displayName: 1, roles: 1, demo: 1, createdAt: 1 }).sort({ username: 1 }).lean() } }),
  });

  table.add({
    method: 'post',
    path: '/api/admin/users',
    summary: 'Create a staff user',
    tags: ['admin'],
    access: { roles: ['admin'] },
    body: newUserSchema,
    responses: { 201: { description: 'Created' }, 409: { description: 'The username is taken' } },
    handler: async ({ body, actor, origin }) => {
      const outcome = await createStaffUser(deps, body, { ...actor, ...origin });
      if (outcome === 'exists') throw new HttpError(409, 'conflict', `User "${body.username}" already exists.`);
      return { status: 201, body: { username: body.username, displayName: body.displayName, roles: body.roles } };
    },
  });

  table.add({
    method: 'put',
    path: '/api/admin/users/:username/roles',
    summary: "Change a user's roles; takes effect at their next login",
    tags: ['admin'],
    access: { roles: ['admin'] },
    params: z.strictObject({ username: usernameSchema }),
    body: z.strictObject({ roles: rolesSchema }),
    responses: { 200: { description: 'The new roles' }, 404: { description: 'No such user' } },
    handler: async ({ params, body, actor, origin }) => {
      const before = await deps.models.User.findOneAndUpdate({ username: params.username }, { $set: { roles: body.roles } }).lean();
      if (!before) throw notFound(`User "${params.username}"`);
      await deps.audit.record({ actor, action: 'user.roles_change', target: { type: 'user', id: params.username }, details: { from: before.roles, to: body.roles }, ...origin });
      return { body: { username: params.username, roles: body.roles } };
    },
  });


  table.add({
    method: 'post',
    path: '/api/admin/api-keys',
    summary: 'Create an API key for a system; the key is shown once',
    tags: ['admin'],
    access: { roles: ['admin'] },
    body: z.strictObject({
      name: z.string().trim().min(1, 'name is required').max(100),
      roles: z.array(z.enum(STAFF_ROLES.filter((r) => r !== 'admin') as [string, ...string[]])).min(1, 'give at least one role').max(4),
    }),
    responses: { 201: { description: 'The new key', schema: z.object({ keyId: z.string(), apiKey: z.string() }) } },
    handler: async ({ body, actor, origin }) => {
      const created = await deps.apiKeys.create(body.name, body.roles as never, actor.id);
      await deps.audit.record({ actor, action: 'api_key.create', target: { type: 'api_key', id: created.keyId }, details: { name: body.name, roles: body.roles }, ...origin });
      return { status: 201, body: created };
    },
  });

  table.add({
    method: 'get',
    path: '/api/admin/api-keys',
    summary: 'List API keys (never their secrets)',
    tags: ['admin'],
    access: { roles: ['admin'] },
    responses: { 200: { description: 'The keys' } },
    handler: async () => {
      const rows = await deps.models.ApiKey.find({}, { _id: 0, secretHash: 0, __v: 0 }).sort({ createdAt: -1 }).lean();
      return { body: { apiKeys: rows } };
    },
  });

  table.add({
    method: 'delete',
    path: '/api/admin/api-keys/:keyId',
    summary: 'Revoke an API key',
    tags: ['admin'],
    access: { roles: ['admin'] },
    params: z.strictObject({ keyId: z.string().regex(/^[a-f0-9]{16}$/, 'a 16-character key id') }),
    responses: { 200: { description: 'Revoked' }, 404: { description: 'No such key' } },
    handler: async ({ params, actor, origin }) => {
      const result = await deps.models.ApiKey.updateOne({ keyId: params.keyId, revokedAt: mongoose.trusted({ $exists: false }) }, { $set: { revokedAt: new Date() } });
      if (result.matchedCount === 0 && !(await deps.models.ApiKey.exists({ keyId: params.keyId }))) throw notFound(`API key "${params.keyId}"`);
      await deps.audit.record({ actor, action: 'api_key.revoke', target: { type: 'api_key', id: params.keyId }, ...origin });
      return { body: { keyId: params.keyId, revoked: true } };
    },
  });

  table.add({
    method: 'get',
    path: '/api/audit',
    summary: 'Read the audit log, newest first',
    tags: ['admin'],
    access: { roles: ['admin'] },
    query: auditQuery,
    responses: { 200: { description: 'Audit entries' } },
    handler: async ({ query }) => {
      const filter: Record<string, unknown> = {};
      if (query.action) filter.action = query.action;
      if (query.actor) filter['actor.id'] = query.actor;
      if (query.target) filter['target.id'] = query.target;
      if (query.from || query.to) filter.at = mongoose.trusted({ ...(query.from ? { $gte: new Date(query.from) } : {}), ...(query.to ? { $lte: new Date(query.to) } : {}) });
      const entries = await deps.models.AuditEntry.find(filter, { _id: 0, __v: 0 }).sort({ at: -1, _id: -1 }).limit(query.limit).lean();
      return { body: { entries } };
    },
  });

  table.add({
    method: 'get',
    path: '/api/customers/:customerId/export',
    summary: "Export everything held about a customer (data-subject access request)",
    tags: ['privacy'],
    access: { roles: ['admin'] },
    params: customerParams,
    responses: { 200: { description: 'The data' }, 404: { description: 'Nothing is held about this customer' } },
    handler: async ({ params, actor, origin }) => {
      const data = await deps.privacy.exportCustomer(params.customerId);
      if (!data) throw notFound(`Customer "${params.customerId}"`);
      await deps.audit.record({ actor, action: 'customer.export', target: { type: 'customer', id: params.customerId }, ...origin });
      return { body: data };
    },
  });

  table.add({
    method: 'delete',
    path: '/api/customers/:customerId',
    summary: "Erase a customer's personal data: profile, transcripts and event details are anonymised",
    tags: ['privacy'],
    access: { roles: ['admin'] },
    params: customerParams,
    responses: { 200: { description: 'Erased' }, 404: { description: 'Nothing is held about this customer' } },
    handler: async ({ params, actor, origin }) => {
      const result = await deps.privacy.eraseCustomer(params.customerId);
      if (!result.found) throw notFound(`Customer "${params.customerId}"`);
      await deps.audit.record({ actor, action: 'customer.erase', target: { type: 'customer', id: params.customerId }, details: result, ...origin });
      return { body: { customerId: params.customerId, erased: true, ...result } };
    },
  });
}

/** Agent profiles for staff users: what they work (skills = queues), how much at once, and their team. */
export function agentAdminRoutes(table: RouteTable, deps: { agents: AgentAdminService }): void {
  table.add({
    method: 'post',
    path: '/api/agents',
    summary: 'Set up an existing agent or supervisor user as an agent (skills, capacity, team); they can then go online',
    tags: ['admin', 'desk'],
    access: { roles: ['supervisor'] },
    body: newAgentSchema,
    responses: {
      201: { description: 'The agent, offline until they go online' },
      404: { description: 'No such user' },
      409: { description: 'The agent exists already, or the user has neither the agent nor the supervisor role' },
    },
    handler: async ({ body, actor, origin }) => ({ status: 201, body: await deps.agents.create(body, actor, origin) }),
  });

  table.add({
    method: 'patch',
    path: '/api/agents/:agentId',
    summary: "Change an agent's skills, capacity, team or display name; the router uses them from the next assignment",
    tags: ['admin', 'desk'],
    access: { roles: ['supervisor'] },
    params: z.strictObject({ agentId: agentIdSchema }),
    body: agentChangesSchema,
    responses: { 200: { description: 'The agent as changed' }, 404: { description: 'No such agent' } },
    handler: async ({ params, body, actor, origin }) => ({ body: await deps.agents.update(params.agentId, body, actor, origin) }),
  });
}
