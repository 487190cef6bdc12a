import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import { QUEUES } from '../../domain/escalation/routing';
import { botReport, deskReport } from '../../domain/escalation/reports';
import { hasAnyRole, type Principal } from '../auth';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import type { DeskService } from '../services/desk';
import { PII_REVEAL_ROLES } from './conversations';

const escalationParams = z.strictObject({ id: z.string().regex(/^ESC-[0-9A-F]{10}$/, 'an escalation id such as ESC-0123456789') });
const agentIdSchema = z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'an agent id (username)');
const statusBody = z.strictObject({ status: z.enum(['online', 'away', 'offline']) });

function staffId(principal: Principal | undefined): string {
  if (!principal || principal.kind === 'customer') throw new HttpError(403, 'forbidden', 'Only staff can work escalations.');
  return principal.subject;
}

const canSeePii = (principal: Principal | undefined) => Boolean(principal && 'roles' in principal && hasAnyRole(principal.roles, PII_REVEAL_ROLES));

export function deskRoutes(table: RouteTable, deps: { desk: DeskService; models: Models; audit: AuditLog }): void {
  const { desk } = deps;

  table.add({
    method: 'get',
    path: '/api/agents',
    summary: "Agents with their skills, capacity, status and current load",
    tags: ['desk'],
    access: { roles: ['supervisor', 'ops', 'agent'] },
    responses: { 200: { description: 'Agents' } },
    handler: async () => ({ body: { agents: await desk.listAgents() } }),
  });

  table.add({
    method: 'put',
    path: '/api/agents/me/status',
    summary: 'Go online, away or offline; going online pulls waiting work from the queues, going offline routes work not yet accepted to others',
    tags: ['desk'],
    access: { roles: ['agent', 'supervisor'] },
    body: statusBody,
    responses: { 200: { description: 'The new status, and the escalations routed again' }, 404: { description: 'The caller is not set up as an agent' } },
    handler: async ({ body, principal }) => ({ body: await desk.setStatus(staffId(principal), body.status) }),
  });

  table.add({
    method: 'put',
    path: '/api/agents/:agentId/status',
    summary: "Set another agent's status (one who left without signing out, say); offline routes their work not yet accepted to others",
    tags: ['desk'],
    access: { roles: ['supervisor'] },
    params: z.strictObject({ agentId: agentIdSchema }),
    body: statusBody,
    responses: { 200: { description: 'The new status, and the escalations routed again' }, 404: { description: 'No such agent' } },
    handler: async ({ params, body, actor, origin }) => {
      const result = await desk.setStatus(params.agentId, body.status);
      await deps.audit.record({ actor, action: 'agent.status', target: { type: 'agent', id: params.agentId }, details: { status: body.status, rerouted: result.rerouted }, ...origin });
      return { body: result };
    },
  });

  table.add({
    method: 'get',
    path: '/api/escalations',
    summary: 'Escalations, newest first; `mine=true` for those assigned to the caller',
    tags: ['desk'],
    access: { roles: ['agent', 'supervisor', 'ops'] },
    query: z.strictObject({
      status: z.enum(['queued', 'assigned', 'active', 'waiting_customer', 'resolved', 'handed_back', 'withdrawn']).optional(),
      queue: z.enum(QUEUES).optional(),
      mine: z.enum(['true', 'false']).default('false'),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    responses: { 200: { description: 'Escalations' } },
    handler: async ({ query, principal }) => ({
      body: { escalations: await desk.listEscalations({ ...query, ...(query.mine === 'true' ? { agentId: staffId(principal) } : {}) }) },
    }),
  });

  table.add({
    method: 'get',
    path: '/api/escalations/:id',
    summary: "An escalation with its hand-off packet, SLA clocks, transcript and the customer's 360° profile (personal data masked unless revealed)",
    tags: ['desk'],
    access: { roles: ['agent', 'supervisor', 'ops'] },
    params: escalationParams,
    query: z.strictObject({
      reveal: z.enum(['true', 'false']).default('false').describe('Show personal data unmasked: supervisors and admins only, and audited.'),
    }),
    responses: { 200: { description: 'The escalation' }, 403: { description: 'Reveal asked for without the role' }, 404: { description: 'No such escalation' } },
    handler: async ({ params, query, principal, actor, origin }) => {
      const reveal = query.reveal === 'true';
      if (reveal && !canSeePii(principal)) throw new HttpError(403, 'forbidden', `Revealing personal data needs one of the roles: ${PII_REVEAL_ROLES.join(', ')}.`);
      const escalation = await desk.getEscalation(params.id, reveal);
      if (reveal) await deps.audit.record({ actor, action: 'pii.reveal', target: { type: 'escalation', id: params.id }, details: { customerId: escalation.customerId }, ...origin });
      return { body: escalation };
    },
  });

  const action = (path: string, summary: string, body: z.ZodType | undefined, run: (id: string, agentId: string, body: never, principal: Principal | undefined) => Promise<unknown>) =>
    table.add({
      method: 'post',
      path: `/api/escalations/:id/${path}`,
      summary,
      tags: ['desk'],
      access: { roles: ['agent', 'supervisor'] },
      params: escalationParams,
      ...(body ? { body } : {}),
      responses: { 200: { description: 'The escalation after the action' }, 404: { description: 'No such escalation' }, 409: { description: 'Not allowed in its current state' } },
      handler: async ({ params, body: input, principal }) => ({ body: await run(params.id, staffId(principal), input as never, principal) }),
    });

  action('accept', 'Accept an escalation the router assigned to you', undefined, (id, agentId) => desk.accept(id, agentId));
  action(
    'reply',
    "Reply to the customer; `awaitCustomer` pauses the resolution SLA until they answer",
    z.strictObject({
      text: z.string().trim().min(1, 'text must not be empty').max(4_000),
      awaitCustomer: z.boolean().default(false),
      messageId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional().describe('Idempotency key: a retried reply is sent once'),
    }),
    async (id, agentId, input: { text: string; awaitCustomer: boolean; messageId?: string }) => {
      const agent = await deps.models.Agent.findOne({ agentId }, { displayName: 1 }).lean();
      return desk.reply(id, { agentId, agentName: agent?.displayName ?? agentId, text: input.text, awaitCustomer: input.awaitCustomer, messageId: input.messageId ?? randomUUID() });
    },
  );
  action(
    'transfer',
    'Transfer to another agent or queue',
    z.strictObject({ toAgent: agentIdSchema.optional(), toQueue: z.enum(QUEUES).optional() }).refine((b) => Boolean(b.toAgent) !== Boolean(b.toQueue), 'give exactly one of toAgent or toQueue'),
    (id, agentId, input: { toAgent?: string; toQueue?: (typeof QUEUES)[number] }) => desk.transfer(id, { agentId, ...input }),
  );
  action('hand-back', 'Hand the conversation back to the bot', undefined, (id, agentId) => desk.handBack(id, agentId));
  action('resolve', 'Resolve; the customer is asked to rate the service', z.strictObject({ note: z.string().max(2_000).optional() }), (id, agentId, input: { note?: string }) =>
    desk.resolve(id, { agentId, ...(input.note ? { note: input.note } : {}) }),
  );

  table.add({
    method: 'post',
    path: '/api/escalations/:id/reassign',
    summary: 'Take an escalation away from its agent and route it again (or to a named agent)',
    tags: ['desk'],
    access: { roles: ['supervisor'] },
    params: escalationParams,
    body: z.strictObject({ toAgent: agentIdSchema.optional() }),
    responses: { 200: { description: 'The escalation, queued again' }, 404: { description: 'No such escalation' }, 409: { description: 'It has ended' } },
    handler: async ({ params, body, principal, actor, origin }) => {
      const view = await desk.reassign(params.id, { supervisorId: staffId(principal), ...(body.toAgent ? { toAgent: body.toAgent } : {}) });
      await deps.audit.record({ actor, action: 'escalation.reassign', target: { type: 'escalation', id: params.id }, details: { toAgent: body.toAgent ?? null }, ...origin });
      return { body: view };
    },
  });

  table.add({
    method: 'get',
    path: '/api/desk/overview',
    summary: "Supervisor view: queue lengths, waiting work, agents' load, open (unacknowledged) alerts and the latest queue notices",
    tags: ['desk'],
    access: { roles: ['supervisor'] },
    responses: { 200: { description: 'The overview' } },
    handler: async () => ({ body: await desk.overview() }),
  });

  table.add({
    method: 'post',
    path: '/api/alerts/:alertKey/acknowledge',
    summary: 'Acknowledge an alert: it leaves the open alerts on the overview (who and when are kept, and audited)',
    tags: ['desk'],
    access: { roles: ['supervisor'] },
    params: z.strictObject({ alertKey: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'an alert key as the overview lists it, such as ESC-0123456789:first_response_breach') }),
    responses: { 200: { description: 'The alert, acknowledged (by whoever did it first)' }, 404: { description: 'No such alert' } },
    handler: async ({ params, principal, actor, origin }) => {
      const { alert, changed } = await desk.acknowledgeAlert(params.alertKey, staffId(principal));
      if (changed) await deps.audit.record({ actor, action: 'alert.acknowledge', target: { type: 'alert', id: params.alertKey }, details: { kind: alert.kind, escalationId: alert.escalationId }, ...origin });
      return { body: alert };
    },
  });

  table.add({
    method: 'get',
    path: '/api/reports/desk',
    summary: 'First-response and resolution times, SLA attainment, CSAT, bot-resolution and hand-off rates, per queue, agent or day',
    tags: ['reports'],
    access: { roles: ['supervisor', 'ops'] },
    query: z.strictObject({
      from: z.iso.datetime({ message: 'an ISO date-time such as 2026-11-01T00:00:00Z' }).optional(),
      to: z.iso.datetime({ message: 'an ISO date-time such as 2026-11-30T00:00:00Z' }).optional(),
      groupBy: z.enum(['queue', 'agent', 'day']).default('queue'),
    }),
    responses: { 200: { description: 'The report' } },
    handler: async ({ query }) => {
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 86_400_000);
      if (from >= to) throw new HttpError(400, 'invalid_request', 'from must be before to');
      const [escalations, outcomes] = await Promise.all([
        deps.models.Escalation.find({ openedAt: mongooseRange(from, to) }, { queue: 1, agentId: 1, status: 1, openedAt: 1, firstResponseAt: 1, endedAt: 1, breaches: 1, csatScore: 1 }).lean(),
        deps.models.BehaviourEvent.find({ type: mongoose.trusted({ $in: ['conversation_closed', 'resolved_by_bot', 'handed_off'] }), occurredAt: mongooseRange(from, to) }, { type: 1, occurredAt: 1 }).lean(),
      ]);
      return { body: { from: from.toISOString(), to: to.toISOString(), groupBy: query.groupBy, groups: deskReport(escalations, query.groupBy), bot: botReport(outcomes) } };
    },
  });
}

function mongooseRange(from: Date, to: Date) {
  return mongoose.trusted({ $gte: from, $lt: to });
}
