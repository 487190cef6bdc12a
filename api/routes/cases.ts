import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { CASE_STATUSES, CASE_TYPES } from '../../domain/cases/types';
import { CHANNELS } from '../../domain/conversation';
import type { Principal } from '../auth';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import type { CaseService } from '../services/cases';

const caseParams = z.strictObject({ id: z.string().regex(/^(RMA|CMP)-[0-9A-Z]{4,40}$/, 'a case id such as RMA-0123456789 or CMP-0123456789') });
const customerId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a customer id such as c-1001');
const orderId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an order number such as LD20261001');
const eventId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits and _ . : - only').optional().describe('Idempotency key: an event sent twice counts once');
const details = z.string().trim().min(1, 'details must not be empty').max(4_000);
const requestId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional().describe('Idempotency key: the same requestId starts the same case once');

const startCaseBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.enum(['return', 'exchange']), customerId, orderId, reason: z.enum(['fault', 'no_reason']), details, channel: z.enum(CHANNELS).optional(), requestId }),
  z.strictObject({ type: z.literal('complaint'), customerId, orderId: orderId.optional(), details, channel: z.enum(CHANNELS).optional(), requestId }),
]);

const eventBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('carrier'), status: z.enum(['picked_up', 'in_transit', 'delivered']), trackingNumber: z.string().max(64).optional(), eventId }),
  z.strictObject({ type: z.literal('warehouse'), status: z.enum(['received', 'inspected']), passed: z.boolean().optional(), note: z.string().max(1_000).optional(), eventId }),
  z.strictObject({ type: z.literal('resolve'), resolution: z.string().trim().min(1).max(2_000), goodwillAmount: z.number().positive().max(100_000).optional(), eventId }),
  z.strictObject({ type: z.literal('csat'), score: z.number().int().min(1).max(5), comment: z.string().max(2_000).optional(), eventId }),
  z.strictObject({ type: z.literal('note'), text: z.string().trim().min(1).max(2_000), eventId }),
]);

const staffId = (principal: Principal | undefined) => {
  if (!principal || principal.kind === 'customer') throw new HttpError(403, 'forbidden', 'Only staff can act on cases.');
  return principal.subject;
};

const isoDate = (what: string) => z.iso.datetime({ message: `an ISO date-time such as ${what}` }).optional();

export function caseRoutes(table: RouteTable, deps: { cases: CaseService; audit: AuditLog }): void {
  const { cases } = deps;
  const caseResponses = { 200: { description: 'The case' }, 404: { description: 'No such case' }, 409: { description: 'Not allowed in its current state; the message says why' } };

  table.add({
    method: 'post',
    path: '/api/cases',
    summary: 'Start a return, exchange or complaint case (a durable workflow); the same requestId starts it once',
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor'] },
    body: startCaseBody,
    responses: { 201: { description: 'The case was started' }, 200: { description: 'The case already existed for this requestId' }, 404: { description: 'No such customer' }, 422: { description: "The order is not the customer's" } },
    handler: async ({ body }) => {
      const started = await cases.start(body);
      return { status: started.created ? 201 : 200, body: started };
    },
  });

  table.add({
    method: 'get',
    path: '/api/cases',
    summary: "Cases, newest first, filtered by type, status, customer and start date; `source=temporal` asks Temporal's visibility store instead of the read model",
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor', 'agent'] },
    query: z.strictObject({
      type: z.enum(CASE_TYPES).optional(),
      status: z.enum(CASE_STATUSES).optional(),
      customerId: customerId.optional(),
      from: isoDate('2026-11-01T00:00:00Z'),
      to: isoDate('2026-11-30T00:00:00Z'),
      source: z.enum(['read_model', 'temporal']).default('read_model'),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    responses: { 200: { description: 'Cases' } },
    handler: async ({ query }) => {
      const filter = {
        limit: query.limit,
        ...(query.type ? { type: query.type } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.customerId ? { customerId: query.customerId } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
      };
      if (filter.from && filter.to && filter.from >= filter.to) throw new HttpError(400, 'invalid_request', 'from must be before to');
      return { body: { source: query.source, cases: query.source === 'temporal' ? await cases.listFromTemporal(filter) : await cases.list(filter) } };
    },
  });

  table.add({
    method: 'get',
    path: '/api/cases/:id',
    summary: 'A case with its current step, facts (RMA, refund, replacement, coupon), timeline and tasks',
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor', 'agent'] },
    params: caseParams,
    responses: caseResponses,
    handler: async ({ params }) => ({ body: await cases.get(params.id) }),
  });

  table.add({
    method: 'post',
    path: '/api/cases/:id/events',
    summary: 'Send a case an event (carrier scan, warehouse result, resolution, rating, note) as a signal',
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor'] },
    params: caseParams,
    body: eventBody,
    responses: { 202: { description: 'The event was delivered to the case' }, 404: { description: 'No such case' }, 409: { description: 'The case has ended' } },
    handler: async ({ params, body, principal }) => {
      const by = staffId(principal);
      const id = body.eventId ?? randomUUID();
      const event = { ...body, eventId: `api:${id}`, ...(body.type === 'resolve' || body.type === 'note' ? { by } : {}) };
      return { status: 202, body: await cases.sendEvent(params.id, event as never) };
    },
  });

  table.add({
    method: 'post',
    path: '/api/cases/:id/cancel',
    summary: 'Cancel a case with a reason (refused once a refund, replacement or resolution is under way)',
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor'] },
    params: caseParams,
    body: z.strictObject({ reason: z.string().trim().min(3, 'give a reason of at least 3 characters').max(500) }),
    responses: caseResponses,
    handler: async ({ params, body, principal, actor, origin }) => {
      const view = await cases.cancel(params.id, { reason: body.reason, by: staffId(principal) });
      await deps.audit.record({ actor, action: 'case.cancel', target: { type: 'case', id: params.id }, details: { reason: body.reason }, ...origin });
      return { body: view };
    },
  });

  table.add({
    method: 'post',
    path: '/api/cases/:id/retry',
    summary: 'Retry the step a case is parked on after the order system kept failing it',
    tags: ['cases'],
    access: { roles: ['ops', 'supervisor'] },
    params: caseParams,
    responses: caseResponses,
    handler: async ({ params, principal, actor, origin }) => {
      const view = await cases.retry(params.id, staffId(principal));
      await deps.audit.record({ actor, action: 'case.retry', target: { type: 'case', id: params.id }, ...origin });
      return { body: view };
    },
  });

  table.add({
    method: 'post',
    path: '/api/cases/:id/approval',
    summary: "Approve or reject the case's pending refund or goodwill coupon; a second or late decision is refused",
    tags: ['cases'],
    access: { roles: ['supervisor'] },
    params: caseParams,
    body: z.strictObject({ decision: z.enum(['approve', 'reject']), note: z.string().max(1_000).optional() }),
    responses: {
      200: { description: 'The decision was taken: the case as it stands after it' },
      404: { description: 'No such case' },
      409: { description: 'Refused, nothing recorded: no approval is waiting (no_pending_approval), it was already decided (approval_decided), it expired (approval_expired), or the case has ended (case_ended)' },
    },
    handler: async ({ params, body, principal, actor, origin }) => {
      const result = await cases.decide(params.id, { decision: body.decision, by: staffId(principal), ...(body.note ? { note: body.note } : {}) });
      // Only a decision the case took is audited; a refused one threw above.
      await deps.audit.record({ actor, action: `case.${body.decision}`, target: { type: 'case', id: params.id }, details: { taskId: result.taskId }, ...origin });
      return { body: result };
    },
  });

  table.add({
    method: 'get',
    path: '/api/case-tasks',
    summary: "Approval tasks of cases (refunds above the threshold, goodwill coupons), newest first, with the case's customer, order and type and the deadline each expires at; `status=pending` lists the open and escalated ones",
    tags: ['cases'],
    access: { roles: ['supervisor', 'ops'] },
    query: z.strictObject({ status: z.enum(['pending', 'open', 'escalated', 'approved', 'rejected', 'expired']).optional() }),
    responses: { 200: { description: 'Tasks' } },
    handler: async ({ query }) => ({ body: { tasks: await cases.listTasks(query.status) } }),
  });
}
