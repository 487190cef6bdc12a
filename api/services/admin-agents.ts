import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { AuditActor, AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import { routerMessenger } from '../../activities/escalation';
import type { AgentStatus } from '../../domain/escalation/assignment';
import { QUEUES } from '../../domain/escalation/routing';
import { HttpError, notFound } from '../errors';

/** Roles whose users can take escalations (routes/desk.ts lets these go online). */
const AGENT_ROLES: readonly string[] = ['agent', 'supervisor'];
const MAX_CAPACITY = 20;

const skillsSchema = z
  .array(z.enum(QUEUES, { message: `a queue: one of ${QUEUES.join(', ')}` }))
  .min(1, 'give at least one skill (a queue the agent works)')
  .max(QUEUES.length)
  .refine((skills) => new Set(skills).size === skills.length, 'each skill once');
const capacitySchema = z.number().int('a whole number').min(1, 'at least 1').max(MAX_CAPACITY, `at most ${MAX_CAPACITY}`);
const teamSchema = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_. -]{0,63}$/, 'a team name of 1-64 letters, digits or "_. -"');
const displayNameSchema = z.string().trim().min(1, 'displayName is required').max(100);

export const agentIdSchema = z.string().regex(/^[a-z0-9_.@+-]{2,64}$/, "the agent's username");

export const newAgentSchema = z.strictObject({
  agentId: agentIdSchema.describe('The username of an existing user with the agent or supervisor role'),
  displayName: displayNameSchema.optional().describe("Defaults to the user's display name"),
  skills: skillsSchema,
  capacity: capacitySchema.describe('How many escalations at once'),
  team: teamSchema.default('default'),
});

export const agentChangesSchema = z
  .strictObject({ displayName: displayNameSchema, skills: skillsSchema, capacity: capacitySchema, team: teamSchema })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'give at least one of displayName, skills, capacity, team');

type Origin = { ip?: string; userAgent?: string };

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);

/**
 * Agent profiles (skills, capacity, team) for staff users, kept by admins and supervisors. Each change
 * is sent to the desk's router as the agent's full availability, so new skills or capacity apply to
 * the next assignment without the agent logging out.
 */
export function createAgentAdminService(deps: { client: Client; models: Models; taskQueue: string; audit: AuditLog }) {
  const { models } = deps;
  const notifyRouter = routerMessenger(deps.client, deps.taskQueue);

  const tellRouter = (agent: { agentId: string; skills: string[]; capacity: number; status?: string | null }) =>
    notifyRouter({ kind: 'agentUpdated', agent: { agentId: agent.agentId, skills: [...agent.skills], capacity: agent.capacity, status: (agent.status ?? 'offline') as AgentStatus } });

  const audited = (actor: AuditActor, origin: Origin, action: string, agentId: string, details: Record<string, unknown>) =>
    deps.audit.record({ actor, action, target: { type: 'agent', id: agentId }, details, ...origin });

  return {
    async create(input: z.output<typeof newAgentSchema>, actor: AuditActor, origin: Origin) {
      const user = await models.User.findOne({ username: input.agentId }, { displayName: 1, roles: 1 }).lean();
      if (!user) throw notFound(`User "${input.agentId}" (create the user first: POST /api/admin/users)`);
      if (!user.roles.some((r) => AGENT_ROLES.includes(r))) {
        throw new HttpError(409, 'not_an_agent_role', `User "${input.agentId}" has the roles ${user.roles.join(', ')}; give them the agent or supervisor role first (PUT /api/admin/users/${input.agentId}/roles).`);
      }
      const row = { agentId: input.agentId, displayName: input.displayName ?? user.displayName, skills: input.skills, capacity: input.capacity, team: input.team, status: 'offline' as const };
      try {
        await models.Agent.create(row);
      } catch (error) {
        if (isDuplicateKey(error)) throw new HttpError(409, 'conflict', `Agent "${input.agentId}" already exists; change it with PATCH /api/agents/${input.agentId}.`);
        throw error;
      }
      await tellRouter(row);
      await audited(actor, origin, 'agent.create', input.agentId, { skills: row.skills, capacity: row.capacity, team: row.team });
      return row;
    },

    async update(agentId: string, changes: z.output<typeof agentChangesSchema>, actor: AuditActor, origin: Origin) {
      const before = await models.Agent.findOneAndUpdate({ agentId }, { $set: changes }, { new: false }).lean();
      if (!before) throw notFound(`Agent "${agentId}" (create it first: POST /api/agents)`);
      // Read back rather than merge locally: a status change may have landed in between.
      const after = await models.Agent.findOne({ agentId }, { _id: 0, __v: 0 }).lean();
      if (!after) throw notFound(`Agent "${agentId}"`);
      await tellRouter(after);
      const from = Object.fromEntries(Object.keys(changes).map((key) => [key, before[key as keyof typeof before]]));
      await audited(actor, origin, 'agent.update', agentId, { from, to: changes });
      return after;
    },
  };
}

export type AgentAdminService = ReturnType<typeof createAgentAdminService>;
