import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { assessComplaint, type ComplaintAssessment } from '../domain/cases/complaint';
import { renderCaseMessage, type CaseMessage } from '../domain/cases/messages';
import { recipientFor } from '../domain/cases/recipient';
import { agentReplyDetail } from '../domain/cases/case-state';
import { caseWorkflowId, DEFAULT_CASE_SETTINGS, type CaseEvent, type CaseSettings, type CaseView, type ComplaintCaseInput, type DeskTaskKind, type ReturnCaseInput, type TimelineEntry } from '../domain/cases/types';
import { deskDeliveryKey } from '../domain/channels/keys';
import type { Channel } from '../domain/conversation';
import { returnEligibility } from '../domain/dialogue/returns-policy';
import type { HandoffPacket } from '../domain/dialogue/types';
import type { Lang } from '../domain/language';
import { analyze } from '../domain/nlu';
import { OmsRefusal, type OrderSystem, type RefundResult, type ReturnLabel, type ShipmentResult } from '../domain/oms/types';
import type { Priority, Queue } from '../domain/escalation/routing';
import { CaseTypeKey, CustomerIdKey, StatusKey } from '../domain/search-attributes';
import { caseEventSignal } from '../workflows/case-common';
import { complaintCaseWorkflow } from '../workflows/complaint-case';
import { returnCaseWorkflow } from '../workflows/return-case';
import type { Models } from './db/models';

const DUPLICATE_KEY = 11000;
const DAY_MS = 86_400_000;
const REPEAT_WINDOW_MS = 30 * DAY_MS;
const COUPON_VALID_MS = 90 * DAY_MS;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

function isDuplicateKey(error: unknown): boolean {
  return Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
}

async function insertOnce<T>(insert: () => Promise<unknown>, existing: () => Promise<T | null>): Promise<T> {
  try {
    await insert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const row = await existing();
  if (!row) throw new Error('a row inserted under a unique key could not be read back');
  return row;
}

/** How long a claim may stand without its case's read-model row before a later start takes it over. */
const CLAIM_SETTLE_MS = 60_000;
const ENDED_STATUSES: ReadonlySet<string> = new Set(['closed', 'cancelled']);

/** The unique key of "the open return or exchange case on this order". */
export const openReturnClaimKey = (orderId: string) => `return:${orderId}`;

/**
 * Claims an order for a new return or exchange case under the unique claim key, so of two starts
 * racing on one order exactly one opens a case (no transaction needed). Answers the case holding
 * the order: `caseId` itself when it won the claim (or already held it), else the open case. A
 * claim whose case has ended, or whose case was never written, is released and claimed afresh.
 */
export async function claimOrderForCase(models: Models, input: { orderId: string; caseId: string }): Promise<string> {
  const claimKey = openReturnClaimKey(input.orderId);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await models.OpenCaseClaim.create({ claimKey, caseId: input.caseId, orderId: input.orderId });
      return input.caseId;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const claim = await models.OpenCaseClaim.findOne({ claimKey }).lean();
    if (!claim) continue;
    if (claim.caseId === input.caseId) return input.caseId;
    const holder = await models.Case.findOne({ caseId: claim.caseId }, { status: 1 }).lean();
    const stale = holder ? ENDED_STATUSES.has(holder.status) : Date.now() - claim.createdAt.getTime() > CLAIM_SETTLE_MS;
    if (!stale) return claim.caseId;
    // Keyed by the stale holder too: a racer that already replaced the claim keeps it.
    await models.OpenCaseClaim.deleteOne({ claimKey, caseId: claim.caseId });
  }
  throw new Error(`the open-case claim on order ${input.orderId} kept changing hands; try again`);
}

/** The case has ended: its order may take a new return or exchange. */
async function releaseOrderClaim(models: Models, view: CaseView): Promise<void> {
  if (view.type === 'complaint' || !view.orderId || !ENDED_STATUSES.has(view.status)) return;
  await models.OpenCaseClaim.deleteOne({ claimKey: openReturnClaimKey(view.orderId), caseId: view.caseId });
}

/** The order system's "no" becomes a non-retryable failure the workflow compensates for. */
async function refusalsAsFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OmsRefusal) throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true });
    throw error;
  }
}

export interface CaseActivityDeps {
  models: Models;
  oms: OrderSystem;
  /** To tell a case workflow what its desk task did (an agent's reply). */
  client: Client;
  publish: (streams: string[], event: { type: string; data: Record<string, unknown> }, key: string) => Promise<unknown>;
}

/** Everything a case workflow does to the world; each write keyed by the case so a retry repeats nothing. */
export function createCaseActivities(deps: CaseActivityDeps) {
  const { models, oms } = deps;

  /** One outbox row per key, addressed to where the case reaches the customer; false when nothing reaches them. */
  async function queueForCustomer(input: { idempotencyKey: string; customerId: string; channel?: Channel; conversationId?: string; text: string; purpose: string }): Promise<{ queued: boolean; channel?: Channel }> {
    const customer = await models.Customer.findOne({ customerId: input.customerId }).lean();
    const recipient = customer ? recipientFor(customer, input.channel, input.conversationId) : input.conversationId && input.channel ? { channel: input.channel, to: input.conversationId } : undefined;
    if (!recipient) return { queued: false };
    await insertOnce(
      () =>
        models.Delivery.create({
          idempotencyKey: input.idempotencyKey,
          channel: recipient.channel,
          customerId: input.customerId,
          to: recipient.to,
          text: input.text,
          purpose: input.purpose,
          ...(input.conversationId ? { conversationId: input.conversationId } : {}),
        }),
      () => models.Delivery.findOne({ idempotencyKey: input.idempotencyKey }, { _id: 1 }).lean(),
    );
    return { queued: true, channel: recipient.channel };
  }

  /** The desk's alert rows name an escalation; a case's alert names the case, which is what a supervisor opens. */
  async function storeCaseAlert(input: { caseId: string; kind: string; queue?: Queue; priority?: Priority; conversationId?: string }): Promise<void> {
    const alertKey = `case:${input.caseId}:${input.kind}`;
    const row = { alertKey, escalationId: input.caseId, kind: input.kind, queue: input.queue ?? 'complaints', priority: input.priority ?? 'high', conversationId: input.conversationId ?? `case-${input.caseId}` };
    await models.Alert.updateOne({ alertKey }, { $setOnInsert: { ...row, at: new Date() } }, { upsert: true });
  }

  /** A closed case's workflow keeps no more state: late facts go straight into its read model, once per ref. */
  async function appendToEndedCase(caseId: string, entry: TimelineEntry & { ref: string }): Promise<void> {
    const row = await models.Case.findOne({ caseId }, { timeline: 1 }).lean();
    if ((row?.timeline as TimelineEntry[] | undefined)?.some((t) => t.ref === entry.ref)) return;
    await models.Case.updateOne({ caseId }, { $push: { timeline: entry, 'view.timeline': entry } });
  }

  return {
    async checkReturnEligibility(input: { orderId: string; customerId: string; reason: 'fault' | 'no_reason' }): Promise<{ eligible: boolean; why?: string; amount: number; items: Array<{ sku: string; quantity: number }> }> {
      const order = await oms.getOrder(input.orderId);
      const owned = order && (await models.Order.exists({ orderId: input.orderId, customerId: input.customerId })) !== null;
      // With an external OMS the local orders collection may not hold the order: its answer is enough.
      const known = order && (owned || !(await models.Order.exists({ orderId: input.orderId })));
      if (!order || !known) return { eligible: false, why: 'order_not_found', amount: 0, items: [] };
      const verdict = returnEligibility(order, input.reason, new Date());
      const items = order.items.map((i) => ({ sku: i.sku, quantity: i.quantity }));
      return verdict.eligible ? { eligible: true, amount: order.total, items } : { eligible: false, why: verdict.why, amount: order.total, items };
    },

    createReturnLabel: (input: { caseId: string; orderId: string; customerId: string }): Promise<ReturnLabel> =>
      refusalsAsFailures(() => oms.createReturnLabel({ idempotencyKey: `return-label:${input.caseId}`, rmaId: input.caseId, orderId: input.orderId, customerId: input.customerId })),

    /** Exactly once per case: the idempotency key is the case, whatever retries or restarts happen. */
    issueRefund: (input: { caseId: string; orderId: string; amount: number; reason: string }): Promise<RefundResult> =>
      refusalsAsFailures(() => oms.refund({ idempotencyKey: `refund:${input.caseId}`, orderId: input.orderId, amount: input.amount, reason: input.reason })),

    shipReplacement: (input: { caseId: string; orderId: string; customerId: string; items: Array<{ sku: string; quantity: number }> }): Promise<ShipmentResult> =>
      refusalsAsFailures(() => oms.shipReplacement({ idempotencyKey: `replacement:${input.caseId}`, orderId: input.orderId, customerId: input.customerId, items: input.items })),

    /** Tells the customer through their channel, once per case and step (the outbox row's key). */
    async notifyCustomer(input: { caseId: string; step: string; customerId: string; lang: Lang; channel?: Channel; conversationId?: string; message: CaseMessage }): Promise<{ queued: boolean; channel?: Channel }> {
      return queueForCustomer({ ...input, idempotencyKey: `case:${input.caseId}:${input.step}`, text: renderCaseMessage(input.message, input.lang), purpose: `case_${input.message.kind}` });
    },

    /**
     * An agent's reply on a case's desk task (which has no conversation workflow to carry it): sent
     * to the customer where the case reaches them, once per message id, and put on the case's
     * timeline, by the workflow while the case runs, straight into the read model once it has ended.
     */
    async relayDeskReply(input: { caseId: string; conversationId: string; messageId: string; agentId: string; agentName: string; text: string; lang: Lang }): Promise<{ queued: boolean; channel?: Channel }> {
      const row = await models.Case.findOne({ caseId: input.caseId }, { customerId: 1, channel: 1, view: 1 }).lean();
      // A case writes its read-model row before it opens desk work, so this is only a case since erased.
      if (!row) return { queued: false };
      const view = row.view as CaseView | undefined;
      const channel = view?.channel ?? (row.channel as Channel | undefined);
      const sent = await queueForCustomer({
        customerId: row.customerId,
        ...(channel ? { channel } : {}),
        ...(view?.conversationId ? { conversationId: view.conversationId } : {}),
        idempotencyKey: deskDeliveryKey(input.conversationId, `${input.messageId}:agent`),
        text: renderCaseMessage({ kind: 'agent_reply', caseId: input.caseId, agentName: input.agentName, text: input.text }, input.lang),
        purpose: 'case_agent_reply',
      });
      const event: CaseEvent = { type: 'agent_reply', eventId: `desk-reply:${input.messageId}`, by: input.agentId, text: input.text, ...(sent.channel ? { channel: sent.channel } : {}) };
      try {
        await deps.client.workflow.getHandle(caseWorkflowId(input.caseId)).signal(caseEventSignal, event);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await appendToEndedCase(input.caseId, { at: new Date().toISOString(), type: 'agent_replied', by: input.agentId, detail: agentReplyDetail(input.text, sent.channel), ref: event.eventId });
      }
      return sent;
    },

    /** Mirrors the workflow's view into the `cases` read model that lists and the 360° panel read. */
    async recordCase(view: CaseView): Promise<void> {
      await models.Case.updateOne(
        { caseId: view.caseId },
        {
          $set: {
            type: view.type,
            status: view.status,
            customerId: view.customerId,
            ...(view.orderId ? { orderId: view.orderId } : {}),
            ...(view.channel ? { channel: view.channel } : {}),
            ...(view.priority ? { priority: view.priority } : {}),
            ...(view.severity ? { severity: view.severity } : {}),
            ...(view.rmaId ? { rmaId: view.rmaId } : {}),
            ...(view.returnTrackingNumber ? { returnTrackingNumber: view.returnTrackingNumber } : {}),
            ...(view.closureReason ? { closureReason: view.closureReason } : {}),
            ...(view.closedAt ? { closedAt: new Date(view.closedAt) } : {}),
            ...(view.csat ? { csatScore: view.csat.score } : {}),
            view,
            timeline: view.timeline,
          },
          $setOnInsert: { requestKey: `workflow:${view.caseId}` },
        },
        { upsert: true },
      );
      await releaseOrderClaim(models, view);
      const last = view.timeline.at(-1);
      await deps.publish(
        ['supervisors', 'cases'],
        { type: 'case_updated', data: { caseId: view.caseId, type: view.type, status: view.status, customerId: view.customerId, event: last?.type ?? 'opened' } },
        `case:${view.caseId}:${view.timeline.length}:${view.status}`,
      );
    },

    async openApprovalTask(input: { caseId: string; kind: 'refund_approval' | 'goodwill_approval'; amount: number }): Promise<{ taskId: string }> {
      const taskId = `${input.caseId}:${input.kind}`;
      await insertOnce(() => models.CaseTask.create({ taskId, caseId: input.caseId, kind: input.kind, role: 'supervisor', amount: input.amount, status: 'open' }), () => models.CaseTask.findOne({ taskId }).lean());
      await deps.publish(['supervisors'], { type: 'case_approval_needed', data: { ...input, taskId } }, `case-task:${taskId}:open`);
      return { taskId };
    },

    /** Nobody answered in time: the task goes up a level and supervisors are alerted (listed with the desk's alerts too). */
    async escalateApprovalTask(input: { taskId: string; caseId: string }): Promise<void> {
      await models.CaseTask.updateOne({ taskId: input.taskId, status: 'open' }, { $set: { status: 'escalated', escalatedAt: new Date(), role: 'admin' } });
      const task = await models.CaseTask.findOne({ taskId: input.taskId }, { kind: 1 }).lean();
      await storeCaseAlert({ caseId: input.caseId, kind: 'case_approval_overdue', queue: task?.kind === 'goodwill_approval' ? 'complaints' : 'returns', priority: 'high' });
      await deps.publish(['supervisors'], { type: 'alert', data: { kind: 'case_approval_overdue', caseId: input.caseId, taskId: input.taskId } }, `case-task:${input.taskId}:escalated`);
    },

    /** A decision, or `expire` when the final deadline passed undecided: the task then takes no decision any more. */
    async closeApprovalTask(input: { taskId: string; decision: 'approve' | 'reject' | 'expire'; by: string; note?: string }): Promise<void> {
      const status = { approve: 'approved', reject: 'rejected', expire: 'expired' }[input.decision];
      await models.CaseTask.updateOne({ taskId: input.taskId }, { $set: { status, decidedBy: input.by, decidedAt: new Date(), ...(input.note ? { note: input.note } : {}) } });
    },

    /** Once per case and kind: listed with the desk's alerts on the supervisor page, and pushed to supervisors live. */
    async raiseCaseAlert(input: { caseId: string; kind: string; detail?: string; queue?: Queue; priority?: Priority; conversationId?: string }): Promise<void> {
      await storeCaseAlert(input);
      await deps.publish(['supervisors'], { type: 'alert', data: { ...input } }, `case-alert:${input.caseId}:${input.kind}`);
    },

    /** Severity from what the complaint says and who says it: regulator mentions, VIP tier, repeat contact, anger. */
    async assessComplaint(input: { caseId: string; customerId: string; details: string; severityHint?: 'normal' | 'high' }): Promise<ComplaintAssessment> {
      const since = new Date(Date.now() - REPEAT_WINDOW_MS);
      const [customer, cases, conversations] = await Promise.all([
        models.Customer.findOne({ customerId: input.customerId }, { tier: 1 }).lean(),
        models.Case.find({ customerId: input.customerId }, { caseId: 1, createdAt: 1 }).lean(),
        models.Conversation.countDocuments({ customerId: input.customerId }),
      ]);
      const earlierCases = cases.filter((c) => c.caseId !== input.caseId && c.createdAt && c.createdAt >= since).length;
      const nlu = analyze(input.details);
      return assessComplaint({
        details: input.details,
        sentiment: nlu.sentiment,
        ...(input.severityHint ? { severityHint: input.severityHint } : {}),
        tier: customer?.tier ?? 'standard',
        recentContacts: earlierCases + Math.max(0, conversations - 1),
      });
    },

    /** The desk's read-model row for a case's escalation (complaint handling or a finance task), once per case and kind. */
    async openDeskTask(input: { caseId: string; kind: DeskTaskKind; customerId: string; channel?: Channel; conversationId?: string; packet: HandoffPacket }): Promise<{ escalationId: string; conversationId: string; channel: Channel }> {
      const requestKey = `case:${input.caseId}:${input.kind}`;
      const conversationId = input.conversationId ?? `case-${input.caseId}`;
      const channel = input.channel ?? 'web';
      const row = await insertOnce(
        () =>
          models.Escalation.create({
            escalationId: `ESC-${digest(requestKey).slice(0, 10).toUpperCase()}`,
            requestKey,
            conversationId,
            customerId: input.customerId,
            channel,
            reason: `case_${input.kind}`,
            status: 'queued',
            packet: input.packet,
          }),
        () => models.Escalation.findOne({ requestKey }).lean(),
      );
      return { escalationId: row.escalationId, conversationId, channel };
    },

    /** A goodwill coupon at most once per case: the unique caseId index holds even against a racing retry. */
    async issueGoodwillCoupon(input: { caseId: string; customerId: string; amount: number }): Promise<{ code: string; amount: number }> {
      const code = `GW-${digest(`goodwill:${input.caseId}`).slice(0, 10).toUpperCase()}`;
      const row = await insertOnce(
        () => models.GoodwillCoupon.create({ caseId: input.caseId, code, customerId: input.customerId, amount: input.amount, expiresAt: new Date(Date.now() + COUPON_VALID_MS) }),
        () => models.GoodwillCoupon.findOne({ caseId: input.caseId }).lean(),
      );
      return { code: row.code, amount: row.amount };
    },
  };
}

export type CaseActivities = ReturnType<typeof createCaseActivities>;

export type ReturnCaseRequest = Omit<ReturnCaseInput, 'settings'>;
export type ComplaintCaseRequest = Omit<ComplaintCaseInput, 'settings'>;

/**
 * Starts case workflows, idempotently: the workflow id comes from the case id, so a second start
 * (a retried activity, a repeated API call) finds the first. Shared by the conversation flows and the API.
 */
export function createCaseStarter(deps: { client: Client; taskQueue: string; settings?: CaseSettings; indexed?: boolean }) {
  const settings = deps.settings ?? DEFAULT_CASE_SETTINGS;
  const indexed = deps.indexed ?? true;
  const searchAttributes = (type: string, customerId: string, status: string) =>
    indexed
      ? {
          typedSearchAttributes: [
            { key: CaseTypeKey, value: type },
            { key: CustomerIdKey, value: customerId },
            { key: StatusKey, value: status },
          ],
        }
      : {};

  async function startOnce(start: () => Promise<unknown>): Promise<void> {
    try {
      await start();
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    startReturn: (request: ReturnCaseRequest) =>
      startOnce(() =>
        deps.client.workflow.start(returnCaseWorkflow, {
          workflowId: caseWorkflowId(request.caseId),
          taskQueue: deps.taskQueue,
          args: [{ ...request, settings }],
          ...searchAttributes(request.request, request.customerId, 'checking'),
        }),
      ),
    startComplaint: (request: ComplaintCaseRequest) =>
      startOnce(() =>
        deps.client.workflow.start(complaintCaseWorkflow, {
          workflowId: caseWorkflowId(request.caseId),
          taskQueue: deps.taskQueue,
          args: [{ ...request, settings }],
          ...searchAttributes('complaint', request.customerId, 'acknowledging'),
        }),
      ),
  };
}

export type CaseStarter = ReturnType<typeof createCaseStarter>;
