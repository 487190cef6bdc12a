import { createHash, randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { claimOrderForCase, createCaseStarter, type CaseStarter } from '../../activities/cases';
import type { Models } from '../../activities/db/models';
import type { CaseDeps } from '../../activities/oms';
import { caseWorkflowId, type CaseEvent, type CaseType, type CaseView } from '../../domain/cases/types';
import type { Channel } from '../../domain/conversation';
import { CaseTypeKey, CustomerIdKey, StatusKey } from '../../domain/search-attributes';
import { cancelCaseUpdate, caseEventSignal, caseViewQuery, decideApprovalUpdate, retryStepUpdate, type ApprovalDecision } from '../../workflows/case-common';
import { HttpError, notFound } from '../errors';

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
const shortId = (prefix: string, key: string) => `${prefix}-${createHash('sha256').update(key).digest('hex').slice(0, 10).toUpperCase()}`;

export type StartCaseInput =
  | { type: 'return' | 'exchange'; customerId: string; orderId: string; reason: 'fault' | 'no_reason'; details: string; channel?: Channel; requestId?: string }
  | { type: 'complaint'; customerId: string; orderId?: string; details: string; channel?: Channel; requestId?: string };

export interface CaseFilter {
  type?: CaseType;
  status?: string;
  customerId?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** A visibility query from validated values only; quotes are escaped all the same. */
function visibilityQuery(filter: CaseFilter): string {
  const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const clauses = [`WorkflowType IN ('returnCaseWorkflow', 'complaintCaseWorkflow')`];
  if (filter.type) clauses.push(`${CaseTypeKey.name} = ${quote(filter.type)}`);
  if (filter.status) clauses.push(`${StatusKey.name} = ${quote(filter.status)}`);
  if (filter.customerId) clauses.push(`${CustomerIdKey.name} = ${quote(filter.customerId)}`);
  if (filter.from) clauses.push(`StartTime >= ${quote(filter.from.toISOString())}`);
  if (filter.to) clauses.push(`StartTime < ${quote(filter.to.toISOString())}`);
  return clauses.join(' AND ');
}

/** The ops side of cases: start, list, read, send events, cancel, retry, approve. */
export function createCaseService(deps: { client: Client; models: Models; taskQueue: string; cases: CaseDeps; starter?: CaseStarter }) {
  const { client, models } = deps;
  const starter = deps.starter ?? createCaseStarter({ client, taskQueue: deps.taskQueue, settings: deps.cases.settings, indexed: deps.cases.indexed ?? true });
  const handle = (caseId: string) => client.workflow.getHandle(caseWorkflowId(caseId));

  async function requireCase(caseId: string) {
    const row = await models.Case.findOne({ caseId }).lean();
    if (!row) throw notFound(`Case "${caseId}"`);
    return row;
  }

  /** Ended cases take no more events or actions; the read model knows before the workflow has finished closing. */
  async function requireOpenCase(caseId: string) {
    const row = await requireCase(caseId);
    if (row.status === 'closed' || row.status === 'cancelled') throw new HttpError(409, 'case_ended', `Case "${caseId}" has ended (${row.status}); it takes no more events or actions.`);
    return row;
  }

  /** An Update on a case whose workflow has just completed is a conflict, not a missing case. */
  async function update<T>(caseId: string, run: () => Promise<T>): Promise<T> {
    await requireOpenCase(caseId);
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpError(409, 'case_ended', `Case "${caseId}" has ended; it takes no more actions.`);
      throw error;
    }
  }

  async function liveView(caseId: string): Promise<CaseView | undefined> {
    try {
      return await handle(caseId).query(caseViewQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  async function signal(caseId: string, event: CaseEvent): Promise<void> {
    try {
      await handle(caseId).signal(caseEventSignal, event);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpError(409, 'case_ended', `Case "${caseId}" has ended; it takes no more events.`);
      throw error;
    }
  }

  return {
    async start(input: StartCaseInput): Promise<{ caseId: string; type: CaseType; status: string; created: boolean }> {
      const customer = await models.Customer.findOne({ customerId: input.customerId }, { customerId: 1, lang: 1 }).lean();
      if (!customer) throw notFound(`Customer "${input.customerId}"`);
      // With a real OMS the orders live there; the case's eligibility step asks it.
    if (input.orderId && !deps.cases.oms.baseUrl && !(await models.Order.exists({ orderId: input.orderId, customerId: input.customerId }))) {
        throw new HttpError(422, 'unknown_order', `Order "${input.orderId}" does not belong to customer "${input.customerId}".`);
      }
      const requestKey = `api:${input.requestId ?? randomUUID()}`;
      const caseId = shortId(input.type === 'complaint' ? 'CMP' : 'RMA', requestKey);
      // One open return or exchange per order, held by a unique claim; a repeated requestId finds its own case first.
      if (input.type !== 'complaint' && !(await models.Case.exists({ caseId }))) {
        const holder = await claimOrderForCase(models, { orderId: input.orderId, caseId });
        if (holder !== caseId) {
          throw new HttpError(409, 'open_case_exists', `Order "${input.orderId}" already has an open return or exchange case, ${holder}; follow that case (GET /api/cases/${holder}) or cancel it before opening another.`, { caseId: holder });
        }
      }
      let created = true;
      try {
        await models.Case.create({
          caseId,
          requestKey,
          type: input.type,
          status: input.type === 'complaint' ? 'acknowledging' : 'checking',
          customerId: input.customerId,
          ...(input.orderId ? { orderId: input.orderId } : {}),
          ...(input.type !== 'complaint' ? { reason: input.reason } : {}),
          ...(input.channel ? { channel: input.channel } : {}),
          details: input.details,
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        created = false;
      }
      const row = await requireCase(caseId);
      if (row.type !== input.type || row.customerId !== input.customerId) throw new HttpError(409, 'request_reused', `requestId was already used for another case (${caseId}).`);
      const party = { caseId, customerId: input.customerId, lang: customer.lang ?? 'zh', ...(input.channel ? { channel: input.channel } : {}) };
      if (input.type === 'complaint') await starter.startComplaint({ ...party, details: input.details, ...(input.orderId ? { orderId: input.orderId } : {}) });
      else await starter.startReturn({ ...party, request: input.type, orderId: input.orderId, reason: input.reason, details: input.details });
      return { caseId, type: input.type, status: row.status, created };
    },

    /** The read model: fast, filterable by date, and what the 360° panel shows. */
    async list(filter: CaseFilter) {
      const query: Record<string, unknown> = {};
      if (filter.type) query.type = filter.type;
      if (filter.status) query.status = filter.status;
      if (filter.customerId) query.customerId = filter.customerId;
      if (filter.from || filter.to) query.createdAt = mongoose.trusted({ ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) });
      return models.Case.find(query, { _id: 0, __v: 0, view: 0, timeline: 0, requestKey: 0 }).sort({ createdAt: -1 }).limit(filter.limit).lean();
    },

    /** Temporal's visibility store, through the custom search attributes every case workflow keeps current. */
    async listFromTemporal(filter: CaseFilter) {
      const cases: Array<Record<string, unknown>> = [];
      for await (const execution of client.workflow.list({ query: visibilityQuery(filter), pageSize: Math.min(filter.limit, 100) })) {
        cases.push({
          caseId: execution.workflowId.replace(/^case-/, ''),
          type: execution.typedSearchAttributes.get(CaseTypeKey),
          status: execution.typedSearchAttributes.get(StatusKey),
          customerId: execution.typedSearchAttributes.get(CustomerIdKey),
          workflowStatus: execution.status.name,
          startedAt: execution.startTime.toISOString(),
          ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
        });
        if (cases.length >= filter.limit) break;
      }
      return cases;
    },

    /**
     * The case as its workflow sees it now, with its timeline and open tasks; once it has ended, the
     * read model (final, and holding what came after the end, such as a late reply from the desk).
     */
    async get(caseId: string) {
      const row = await requireCase(caseId);
      const ended = row.status === 'closed' || row.status === 'cancelled';
      const live = ended ? undefined : await liveView(caseId);
      const view = live ?? (row.view as CaseView | undefined);
      const [tasks, refunds, coupon] = await Promise.all([
        models.CaseTask.find({ caseId }, { _id: 0, __v: 0 }).lean(),
        row.orderId ? models.Refund.find({ idempotencyKey: `refund:${caseId}` }, { _id: 0, __v: 0 }).lean() : [],
        models.GoodwillCoupon.findOne({ caseId }, { _id: 0, __v: 0 }).lean(),
      ]);
      return {
        caseId,
        type: row.type,
        status: view?.status ?? row.status,
        customerId: row.customerId,
        orderId: row.orderId,
        conversationId: row.conversationId,
        details: row.details,
        reason: row.reason,
        createdAt: row.createdAt,
        ...(view ?? {}),
        timeline: view?.timeline ?? [],
        tasks,
        refunds,
        ...(coupon ? { coupon } : {}),
        live: live !== undefined,
      };
    },

    async sendEvent(caseId: string, event: CaseEvent) {
      await requireOpenCase(caseId);
      await signal(caseId, event);
      return { caseId, accepted: event.eventId };
    },

    cancel: (caseId: string, input: { reason: string; by: string }) => update(caseId, () => handle(caseId).executeUpdate(cancelCaseUpdate, { args: [input] })),

    retry: (caseId: string, by: string) => update(caseId, () => handle(caseId).executeUpdate(retryStepUpdate, { args: [{ by }] })),

    /**
     * A supervisor's decision on the case's pending approval, as an Update: the workflow refuses it
     * (409, nothing recorded) when nothing waits, it was already decided or it expired, and answers
     * once the approval task holds the decision. Answers the case as it stands after the decision.
     */
    async decide(caseId: string, input: ApprovalDecision) {
      const decided = await update(caseId, async () => {
        try {
          return await handle(caseId).executeUpdate(decideApprovalUpdate, { args: [input] });
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type) {
            throw new HttpError(409, error.cause.type, `Case "${caseId}": ${error.cause.message}.`);
          }
          throw error;
        }
      });
      return { ...(await this.get(caseId)), decision: input.decision, taskId: decided.approvalTaskId };
    },

    /**
     * Approval tasks, newest first (`pending`: open or escalated), each with its case's customer,
     * order and type, and the deadline at which it expires undecided.
     */
    async listTasks(status?: string) {
      const filter = status === 'pending' ? { status: mongoose.trusted({ $in: ['open', 'escalated'] }) } : status ? { status } : {};
      const tasks = await models.CaseTask.find(filter, { _id: 0, __v: 0 }).sort({ createdAt: -1 }).limit(200).lean();
      const caseIds = [...new Set(tasks.map((task) => task.caseId))];
      const rows = caseIds.length ? await models.Case.find({ caseId: mongoose.trusted({ $in: caseIds }) }, { caseId: 1, customerId: 1, orderId: 1, type: 1 }).lean() : [];
      const byId = new Map(rows.map((row) => [row.caseId, row]));
      const deadlineMs = deps.cases.settings.approvalDeadlineMs;
      return tasks.map((task) => {
        const row = byId.get(task.caseId);
        return {
          ...task,
          ...(row ? { customerId: row.customerId, caseType: row.type, ...(row.orderId ? { orderId: row.orderId } : {}) } : {}),
          ...(deadlineMs !== undefined ? { deadline: new Date(task.createdAt.getTime() + deadlineMs).toISOString() } : {}),
        };
      });
    },

    /** A carrier or warehouse event, matched to its case by RMA or return tracking number; each event id counts once. */
    async takeWebhook(source: 'carrier' | 'warehouse', event: { eventId: string; rmaId?: string; trackingNumber?: string }, caseEvent: (eventKey: string) => CaseEvent) {
      const eventKey = `${source}:${event.eventId}`;
      if (await models.WebhookEvent.exists({ eventKey })) return { duplicate: true };
      const row = event.rmaId
        ? await models.Case.findOne({ rmaId: event.rmaId }, { caseId: 1 }).lean()
        : await models.Case.findOne({ returnTrackingNumber: event.trackingNumber }, { caseId: 1 }).lean();
      if (!row) throw notFound(event.rmaId ? `Return "${event.rmaId}"` : `Return parcel "${event.trackingNumber}"`);
      // Signal first: the workflow ignores an event id it has seen, so a retry after a crash here repeats nothing.
      await signal(row.caseId, caseEvent(eventKey));
      try {
        await models.WebhookEvent.create({ eventKey, source, caseId: row.caseId, payload: event });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return { duplicate: false, caseId: row.caseId };
    },
  };
}

export type CaseService = ReturnType<typeof createCaseService>;
