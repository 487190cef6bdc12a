import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { connectDatabase, type Database } from '../../activities/db/models';
import { seedDemoData, seedReferenceData } from '../../activities/seed';
import { caseWorkflowId, DEFAULT_CASE_SETTINGS, type CaseEvent, type CaseStatus, type CaseView } from '../../domain/cases/types';
import { cancelCaseUpdate, caseEventSignal, caseViewQuery, decideApprovalUpdate, type ApprovalDecision } from '../../workflows/case-common';
import { complaintCaseWorkflow } from '../../workflows/complaint-case';
import { assignedSignal } from '../../workflows/agent-router';
import { deskDeliveryKey } from '../../domain/channels/keys';
import { acceptUpdate, escalationViewQuery, handBackUpdate, replyUpdate, resolveUpdate } from '../../workflows/escalation';
import { returnCaseWorkflow } from '../../workflows/return-case';
import type { EscalationView } from '../../domain/escalation/escalation-state';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';
import { startTimeSkippingWorker } from '../helpers/time-skipping';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const settings = DEFAULT_CASE_SETTINGS;
export const RETURN_HISTORY_FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'return-case-history.json');

let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `cases-wf-${randomUUID()}`;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  db = await connectDatabase(isolatedMongoUri('cases-wf'));
  await seedReferenceData(db.models);
  await seedDemoData(db.models, { demoPassword: 'loopdesk-demo' });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ models: db.models, client: env.client, taskQueue, cases: { settings, oms: {}, indexed: false } }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await db?.connection.dropDatabase();
  await db?.close();
  await env?.teardown();
});

let counter = 0;
const newCaseId = (prefix: string) => `${prefix}-T${Date.now().toString(36).toUpperCase()}${(counter += 1)}`;

function startReturn(opts: { orderId: string; customerId: string; request?: 'return' | 'exchange'; reason?: 'fault' | 'no_reason' }) {
  const caseId = newCaseId('RMA');
  return env.client.workflow.start(returnCaseWorkflow, {
    workflowId: caseWorkflowId(caseId),
    taskQueue,
    args: [{ caseId, customerId: opts.customerId, lang: 'zh', channel: 'web', conversationId: `conv-${caseId}`, request: opts.request ?? 'return', orderId: opts.orderId, reason: opts.reason ?? 'no_reason', details: '不想要了', settings }],
  });
}

/** Real time passes while activities write to the database; the test server skips only when everything waits on a timer. */
async function until(handle: WorkflowHandle, what: (view: CaseView) => boolean, label: string): Promise<CaseView> {
  for (let i = 0; i < 200; i += 1) {
    const view = await handle.query(caseViewQuery);
    if (what(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`case never reached: ${label}; last ${JSON.stringify((await handle.query(caseViewQuery)).status)}`);
}
const atStatus = (handle: WorkflowHandle, status: CaseStatus) => until(handle, (v) => v.status === status, status);

/**
 * The end of a case whose desk task stays open, by query. Awaiting its result would let the
 * time-skipping server jump ahead while nothing runs: an open escalation past its SLA clocks has no
 * timer but its ten-year execution timeout, so the clock leaps ten years, the desk workflows time
 * out and later sleeps in this file run in real time.
 */
const ended = (handle: WorkflowHandle) => until(handle, (v) => v.status === 'closed' || v.status === 'cancelled', 'ended');

/** For what activities write to the database after the workflow has moved on. */
async function eventually(check: () => Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never true: ${label}`);
}

type EventInput = CaseEvent extends infer E ? (E extends CaseEvent ? Omit<E, 'eventId'> & { eventId?: string } : never) : never;
const send = (handle: WorkflowHandle, event: EventInput) => handle.signal(caseEventSignal, { eventId: randomUUID(), ...event });
const deliveriesOf = async (caseId: string) => (await db.models.Delivery.find({ idempotencyKey: new RegExp(`^case:${caseId}:`) }, { idempotencyKey: 1, text: 1, channel: 1, to: 1 }).lean()).map((d) => ({ ...d, step: d.idempotencyKey.split(':')[2] }));

const decide = (handle: WorkflowHandle, decision: ApprovalDecision) => handle.executeUpdate(decideApprovalUpdate, { args: [decision] });

/** The refusal a decision met (its failure type and message), or undefined when it was taken. */
async function refusal(decision: Promise<unknown>): Promise<{ type?: string; message: string } | undefined> {
  try {
    await decision;
    return undefined;
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) throw error;
    return { ...(error.cause.type ? { type: error.cause.type } : {}), message: error.cause.message };
  }
}

async function returnItem(handle: WorkflowHandle): Promise<void> {
  await send(handle, { type: 'carrier', status: 'picked_up' });
  await atStatus(handle, 'in_transit');
  await send(handle, { type: 'warehouse', status: 'received' });
  await atStatus(handle, 'inspecting');
  await send(handle, { type: 'warehouse', status: 'inspected', passed: true });
}

describe('return case workflow', () => {
  it('labels, reminds on day 3 and day 7, then refunds once after pickup and inspection, and asks for a rating', async () => {
    const handle = await startReturn({ orderId: 'LD20261007', customerId: 'c-1006' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    const labelled = await atStatus(handle, 'awaiting_pickup');
    expect(labelled.rmaId).toBe(caseId);

    await env.sleep(8 * DAY);
    await until(handle, (v) => v.timeline.filter((t) => t.type === 'pickup_reminder').length === 2, 'two reminders');

    const pickup = { type: 'carrier' as const, status: 'picked_up' as const, eventId: `scan-${caseId}` };
    await send(handle, pickup);
    await send(handle, pickup);
    await atStatus(handle, 'in_transit');
    await send(handle, { type: 'warehouse', status: 'received' });
    await atStatus(handle, 'inspecting');
    await send(handle, { type: 'warehouse', status: 'inspected', passed: true });
    const rating = await atStatus(handle, 'awaiting_csat');
    expect(rating.refund).toMatchObject({ status: 'succeeded', idempotencyKey: `refund:${caseId}` });
    await send(handle, { type: 'csat', score: 5 });
    const done = await handle.result();

    expect(done).toMatchObject({ status: 'closed', closureReason: 'refunded', csat: { score: 5 } });
    expect(done.timeline.filter((t) => t.type === 'carrier_picked_up')).toHaveLength(1);
    const order = await db.models.Order.findOne({ orderId: 'LD20261007' }).lean();
    const refunds = await db.models.Refund.find({ orderId: 'LD20261007' }).lean();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(order!.total);
    const steps = (await deliveriesOf(caseId)).map((d) => d.step);
    expect(steps).toEqual(expect.arrayContaining(['return-label', 'pickup-reminder-1', 'pickup-reminder-2', 'picked-up', 'received', 'refund-issued', 'csat']));
    const label = (await deliveriesOf(caseId)).find((d) => d.step === 'return-label')!;
    expect(label).toMatchObject({ channel: 'web', to: `conv-${caseId}` });
    expect(label.text).toContain('华志路 88 号');
    const row = await db.models.Case.findOne({ caseId }).lean();
    expect(row).toMatchObject({ status: 'closed', closureReason: 'refunded', type: 'return' });

    if (process.env.LOOPDESK_RECORD_HISTORIES === '1') {
      const history = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(await handle.fetchHistory()), { longs: String, enums: String, bytes: String });
      await writeFile(RETURN_HISTORY_FIXTURE, `${JSON.stringify(history, null, 1)}\n`);
    }
  });

  it('cancels itself on day 14 when the parcel is never handed to the carrier', async () => {
    const handle = await startReturn({ orderId: 'LD20261007', customerId: 'c-1006', reason: 'fault' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    await env.sleep(15 * DAY);
    const done = await handle.result();
    expect(done).toMatchObject({ status: 'cancelled', closureReason: 'pickup_timeout' });
    expect(done.timeline.filter((t) => t.type === 'pickup_reminder')).toHaveLength(2);
    expect((await deliveriesOf(caseId)).map((d) => d.step)).toContain('pickup-timeout');
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(0);
  });

  it('refuses an ineligible return and tells the customer why', async () => {
    const handle = await startReturn({ orderId: 'LD20261012', customerId: 'c-1012' });
    const done = await handle.result();
    expect(done).toMatchObject({ status: 'closed', closureReason: 'ineligible' });
    const told = await deliveriesOf(handle.workflowId.replace(/^case-/, ''));
    expect(told.map((d) => d.step)).toEqual(['ineligible']);
    expect(told[0]!.text).toContain('已超过退换期限');
  });

  it('holds a refund above the threshold for a supervisor, escalates when nobody answers, and pays once approved', async () => {
    const handle = await startReturn({ orderId: 'LD20261001', customerId: 'c-1001' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    expect(await refusal(decide(handle, { decision: 'approve', by: 'supervisor' }))).toMatchObject({ type: 'no_pending_approval' });
    await returnItem(handle);
    const waiting = await atStatus(handle, 'awaiting_approval');
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: 'open', kind: 'refund_approval', amount: 3078 });

    await env.sleep(settings.approvalWaitMs + HOUR);
    await until(handle, (v) => v.timeline.some((t) => t.type === 'approval_escalated'), 'approval escalated');
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: 'escalated' });
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(0);

    // The decision answers once the approval task holds it; a second, conflicting one is refused and recorded nowhere.
    const decided = await decide(handle, { decision: 'approve', by: 'supervisor', note: 'receipt checked' });
    expect(decided.timeline.find((t) => t.type === 'approved')).toMatchObject({ by: 'supervisor', detail: 'receipt checked' });
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: 'approved', decidedBy: 'supervisor' });
    const second = await refusal(decide(handle, { decision: 'reject', by: 'supervisor-2' }));
    expect(second).toMatchObject({ type: 'approval_decided' });
    expect(second?.message).toMatch(/already approved by supervisor/);
    await atStatus(handle, 'awaiting_csat');
    expect((await handle.query(caseViewQuery)).timeline.filter((t) => t.type === 'approved' || t.type === 'approval_rejected')).toHaveLength(1);
    await env.sleep(settings.csatWaitMs + HOUR);
    const done = await handle.result();
    expect(done).toMatchObject({ status: 'closed', closureReason: 'refunded', refund: { amount: 3078 } });
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: 'approved', decidedBy: 'supervisor' });
    expect(await db.models.Refund.countDocuments({ orderId: 'LD20261001' })).toBe(1);
  });

  it('declines a refund nobody approved by the final deadline, pays nothing even on a late approval, and hands it to a finance agent', async () => {
    const handle = await startReturn({ orderId: 'LD20261001', customerId: 'c-1001', reason: 'fault' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    await returnItem(handle);
    const waiting = await atStatus(handle, 'awaiting_approval');

    await env.sleep(settings.approvalDeadlineMs! + HOUR);
    const finance = await atStatus(handle, 'awaiting_finance');
    expect(finance.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['approval_escalated', 'approval_expired', 'alert_raised', 'finance_task_opened']));
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: 'expired', decidedBy: 'system' });
    expect(await db.models.Alert.countDocuments({ alertKey: `case:${caseId}:refund_approval_expired` })).toBe(1);
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: finance.escalationId }).lean())?.queue === 'finance', 'the finance queue');
    expect(await db.models.Escalation.findOne({ escalationId: finance.escalationId }).lean()).toMatchObject({ reason: 'case_finance', priority: 'high' });
    expect((await deliveriesOf(caseId)).find((d) => d.step === 'approval-expired')?.text).toContain('¥3078.00');

    // A supervisor answering after the deadline is refused, by Update or by the old signal alike: the refund is the finance agent's now.
    expect(await refusal(decide(handle, { decision: 'approve', by: 'supervisor' }))).toMatchObject({ type: 'approval_expired' });
    await send(handle, { type: 'approval', decision: 'approve', by: 'supervisor' });
    const desk = env.client.workflow.getHandle(`escalation-${finance.escalationId}`);
    await desk.signal(assignedSignal, { agentId: 'supervisor' });
    await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'supervisor' }] });
    await desk.executeUpdate(resolveUpdate, { args: [{ agentId: 'supervisor', note: 'partial refund agreed with the customer, paid by transfer' }] });
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 4 });
    const done = await ended(handle);
    expect(done).toMatchObject({ status: 'closed', closureReason: 'finance_settled' });
    expect(done.timeline.some((t) => t.type === 'approved')).toBe(false);
    expect(done.refund).toBeUndefined();
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(0);
    expect((await deliveriesOf(caseId)).map((d) => d.step)).toEqual(expect.arrayContaining(['awaiting-approval', 'approval-expired', 'finance-settled', 'csat']));
  });

  it('ships a replacement for an exchange, and reserves its stock once', async () => {
    const before = (await db.models.Product.findOne({ sku: 'KB-BAG-01' }).lean())!.stock!;
    const handle = await startReturn({ orderId: 'LD20261007', customerId: 'c-1006', request: 'exchange', reason: 'fault' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    await returnItem(handle);
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 5 });
    const done = await handle.result();
    expect(done).toMatchObject({ type: 'exchange', status: 'closed', closureReason: 'replaced' });
    const shipment = await db.models.Shipment.findOne({ idempotencyKey: `replacement:${caseId}` }).lean();
    expect(shipment).toMatchObject({ shipmentId: done.replacementShipmentId, kind: 'replacement', direction: 'outbound', orderId: 'LD20261007' });
    expect((await db.models.Product.findOne({ sku: 'KB-BAG-01' }).lean())!.stock).toBe(before - 1);
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(0);
    expect((await deliveriesOf(caseId)).find((d) => d.step === 'replacement-shipped')?.text).toContain(shipment!.trackingNumber);
  });

  it('refunds instead when the replacement is out of stock', async () => {
    await db.models.Product.updateOne({ sku: 'AC-EARBUD-2' }, { $set: { stock: 0 } });
    const handle = await startReturn({ orderId: 'LD20261006', customerId: 'c-1005', request: 'exchange', reason: 'fault' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    await returnItem(handle);
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 4 });
    const done = await handle.result();
    expect(done).toMatchObject({ type: 'exchange', status: 'closed', closureReason: 'refunded' });
    expect(done.timeline.find((t) => t.type === 'compensation')?.detail).toMatch(/out of stock/);
    expect(done.replacementShipmentId).toBeUndefined();
    expect(await db.models.Shipment.countDocuments({ idempotencyKey: `replacement:${caseId}` })).toBe(0);
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(1);
    expect((await deliveriesOf(caseId)).map((d) => d.step)).toEqual(expect.arrayContaining(['replacement-unavailable', 'refund-issued']));
  });

  it('hands a refund the gateway rejects to a finance agent, and closes when they settle it', async () => {
    await db.models.Payment.updateOne({ orderId: 'LD20261003' }, { $set: { refundable: false } });
    const handle = await startReturn({ orderId: 'LD20261003', customerId: 'c-1002', reason: 'fault' });
    const caseId = handle.workflowId.replace(/^case-/, '');
    await atStatus(handle, 'awaiting_pickup');
    await returnItem(handle);
    const waiting = await atStatus(handle, 'awaiting_finance');
    expect(waiting.refund).toMatchObject({ status: 'rejected' });
    const task = await db.models.Escalation.findOne({ escalationId: waiting.escalationId }).lean();
    expect(task).toMatchObject({ reason: 'case_finance' });

    // The desk workflow writes its queue into the row the case opened, a moment after it starts.
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: waiting.escalationId }).lean())?.queue === 'finance', 'the finance queue');
    // The desk's router is tested on its own; here a finance agent is handed the task directly.
    const desk = env.client.workflow.getHandle(`escalation-${waiting.escalationId}`);
    await desk.signal(assignedSignal, { agentId: 'supervisor' });
    await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'supervisor' }] });
    await desk.executeUpdate(resolveUpdate, { args: [{ agentId: 'supervisor', note: 'refunded by bank transfer' }] });

    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 3 });
    const done = await handle.result();
    expect(done).toMatchObject({ status: 'closed', closureReason: 'finance_settled' });
    expect(done.timeline.find((t) => t.type === 'finance_settled')).toMatchObject({ by: 'supervisor', detail: 'refunded by bank transfer' });
    expect(await db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(0);
    expect((await deliveriesOf(caseId)).map((d) => d.step)).toEqual(expect.arrayContaining(['refund-delayed', 'finance-settled']));
  });

  it('can be cancelled with a reason while waiting for pickup, but not once it has ended', async () => {
    const handle = await startReturn({ orderId: 'LD20261007', customerId: 'c-1006' });
    await atStatus(handle, 'awaiting_pickup');
    const cancelled = await handle.executeUpdate(cancelCaseUpdate, { args: [{ reason: 'customer changed their mind', by: 'ops' }] });
    expect(cancelled).toMatchObject({ status: 'cancelled', closureReason: 'cancelled' });
    await expect(handle.executeUpdate(cancelCaseUpdate, { args: [{ reason: 'again', by: 'ops' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect((await handle.result()).status).toBe('cancelled');
  });
});

describe('complaint case workflow', () => {
  it('acknowledges, rates a 12315 mention from a VIP critical, escalates at 24 h and 72 h, and resolves with an approved coupon issued once', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1003', lang: 'en', channel: 'email', details: 'The phone arrived broken and nobody answers. I will report you to 12315.', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    expect(assigned).toMatchObject({ severity: 'critical', priority: 'high', tier: 1 });
    expect(assigned.timeline.find((t) => t.type === 'acknowledged')?.detail).toBe('within SLA');
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: assigned.escalationId }).lean())?.queue === 'complaints', 'the complaints queue');
    expect(await db.models.Escalation.findOne({ escalationId: assigned.escalationId }).lean()).toMatchObject({ reason: 'case_complaint', queue: 'complaints', priority: 'high' });

    await env.sleep(25 * HOUR);
    await until(handle, (v) => v.tier === 2, 'tier 2');
    await env.sleep(48 * HOUR);
    const tier3 = await until(handle, (v) => v.tier === 3, 'tier 3');
    expect(tier3.timeline.filter((t) => t.type === 'tier_escalated')).toHaveLength(2);
    expect(tier3.timeline.some((t) => t.type === 'ack_sla_missed')).toBe(false);
    expect(await db.models.LiveEvent.countDocuments({ idempotencyKey: new RegExp(`^case-alert:${caseId}:complaint_tier_`) })).toBe(2);
    expect((await db.models.Alert.find({ escalationId: caseId }).lean()).map((a) => a.kind).sort()).toEqual(['complaint_tier_2', 'complaint_tier_3']);

    await send(handle, { type: 'resolve', by: 'supervisor', resolution: 'Replacement phone sent and apology made', goodwillAmount: 300 });
    await atStatus(handle, 'awaiting_approval');
    // The signal a running case may still be sent by older callers is taken as before.
    await send(handle, { type: 'approval', decision: 'approve', by: 'supervisor' });
    await atStatus(handle, 'awaiting_csat');
    expect(await refusal(decide(handle, { decision: 'reject', by: 'supervisor' }))).toMatchObject({ type: 'approval_decided' });
    await send(handle, { type: 'csat', score: 4, comment: 'fine in the end' });
    const done = await ended(handle);
    expect(done).toMatchObject({ status: 'closed', closureReason: 'resolved', csat: { score: 4 } });
    const coupons = await db.models.GoodwillCoupon.find({ caseId }).lean();
    expect(coupons).toHaveLength(1);
    expect(coupons[0]).toMatchObject({ amount: 300, code: done.couponCode });
    const told = await deliveriesOf(caseId);
    expect(told.map((d) => d.step)).toEqual(expect.arrayContaining(['acknowledged', 'tier-2', 'tier-3', 'resolved', 'csat']));
    expect(told.find((d) => d.step === 'resolved')).toMatchObject({ channel: 'email', to: 'emily.chen@example.com' });
  });

  it('relays the agent\'s replies on the complaint task to the customer once each, onto the timeline, until the case\'s resolution withdraws the task', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1004', lang: 'zh', channel: 'sms', details: '快递员把包裹扔在门口', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    const desk = env.client.workflow.getHandle(`escalation-${assigned.escalationId}`);
    await desk.signal(assignedSignal, { agentId: 'agent' });
    await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'agent' }] });
    const reply = { agentId: 'agent', agentName: '李客服', messageId: `m1-${caseId}`, text: '您好,已联系快递公司核实,今天给您答复。' };
    // The same reply delivered twice (a retried request under a new update id) is sent and recorded once.
    await desk.executeUpdate(replyUpdate, { args: [reply], updateId: `u1-${caseId}` });
    await desk.executeUpdate(replyUpdate, { args: [reply], updateId: `u2-${caseId}` });

    const key = deskDeliveryKey(`case-${caseId}`, `${reply.messageId}:agent`);
    const sent = await db.models.Delivery.find({ idempotencyKey: key }).lean();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'sms', to: '13600136004', purpose: 'case_agent_reply' });
    expect(sent[0]!.text).toContain(reply.text);
    expect(sent[0]!.text).toContain(caseId);
    const recorded = await until(handle, (v) => v.timeline.some((t) => t.type === 'agent_replied'), 'reply on the timeline');
    expect(recorded.timeline.filter((t) => t.type === 'agent_replied')).toEqual([expect.objectContaining({ by: 'agent', detail: `via sms: ${reply.text}` })]);

    await send(handle, { type: 'resolve', by: 'agent', resolution: '快递公司已致歉' });
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 5 });
    const done = await ended(handle);
    expect(done.timeline.filter((t) => t.type === 'complaint_task_withdrawn')).toHaveLength(1);
    // Resolved through the case, the desk task is withdrawn: a later reply is refused and reaches nobody.
    expect(await desk.query(escalationViewQuery)).toMatchObject({ status: 'withdrawn' });
    await expect(desk.executeUpdate(replyUpdate, { args: [{ ...reply, messageId: `m2-${caseId}`, text: '补充:快递公司已处罚该快递员。' }] })).rejects.toThrow();
    expect(await db.models.Delivery.countDocuments({ idempotencyKey: deskDeliveryKey(`case-${caseId}`, `m2-${caseId}:agent`) })).toBe(0);
    await eventually(async () => (await db.models.Case.findOne({ caseId }).lean())?.status === 'closed', 'the closed read model');
    const replies = ((await db.models.Case.findOne({ caseId }).lean())?.timeline as Array<{ type: string; detail?: string }>).filter((t) => t.type === 'agent_replied');
    expect(replies.map((t) => t.detail)).toEqual([`via sms: ${reply.text}`]);
  });

  it('alerts supervisors when the desk hands a complaint back unresolved, and still resolves through the case', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1006', lang: 'zh', channel: 'sms', details: '书包拉链坏了,客服不理', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    const desk = env.client.workflow.getHandle(`escalation-${assigned.escalationId}`);
    await desk.signal(assignedSignal, { agentId: 'agent' });
    await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'agent' }] });
    await desk.executeUpdate(handBackUpdate, { args: [{ agentId: 'agent' }] });
    const alerted = await until(handle, (v) => v.timeline.some((t) => t.type === 'alert_raised'), 'the hand-back alert');
    expect(alerted.timeline.find((t) => t.type === 'agent_handed_back')).toMatchObject({ by: 'agent' });
    expect(alerted.status).toBe('assigned');
    await eventually(async () => (await db.models.Alert.countDocuments({ alertKey: `case:${caseId}:complaint_handed_back` })) === 1, 'the alert row');

    await send(handle, { type: 'resolve', by: 'supervisor', resolution: '已补发拉链配件' });
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 4 });
    expect(await ended(handle)).toMatchObject({ status: 'closed', closureReason: 'resolved' });
    expect(await db.models.Alert.countDocuments({ escalationId: caseId })).toBe(1);
  });

  it('withdraws its desk task when resolved through the case: the task leaves the queue and agents can no longer act on it', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1005', lang: 'en', channel: 'email', details: 'The delivery was two days late.', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    const desk = env.client.workflow.getHandle(`escalation-${assigned.escalationId}`);
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: assigned.escalationId }).lean())?.status === 'queued', 'the queued task');

    await send(handle, { type: 'resolve', by: 'supervisor', resolution: 'Apologised; delivery fee refunded' });
    await atStatus(handle, 'awaiting_csat');
    const withdrawn = (await desk.result()) as EscalationView;
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.timeline.at(-1)).toMatchObject({ type: 'withdrawn', detail: 'resolved through the case by supervisor' });
    expect(await db.models.Escalation.findOne({ escalationId: assigned.escalationId }).lean()).toMatchObject({ status: 'withdrawn' });
    await expect(desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'agent' }] })).rejects.toThrow();

    await send(handle, { type: 'csat', score: 5 });
    const done = await ended(handle);
    expect(done).toMatchObject({ status: 'closed', closureReason: 'resolved' });
    expect(done.timeline.filter((t) => t.type === 'complaint_task_withdrawn')).toHaveLength(1);
    expect(done.timeline.some((t) => t.type === 'agent_handed_back' || t.type === 'agent_resolved')).toBe(false);
  });

  it('raises its desk task to high priority when it climbs a tier, and withdraws the task when the case is cancelled', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1008', lang: 'en', channel: 'email', details: 'The box was dented when it arrived.', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    expect(assigned.priority).toBe('normal');
    const desk = env.client.workflow.getHandle(`escalation-${assigned.escalationId}`);
    // The agent answers and waits on the customer: both SLA clocks stop, so only the case's tier moves the task.
    await desk.signal(assignedSignal, { agentId: 'agent' });
    await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'agent' }] });
    await desk.executeUpdate(replyUpdate, { args: [{ agentId: 'agent', agentName: 'Agent', messageId: `m-${caseId}`, text: 'Could you send a photo of the box?', awaitCustomer: true }] });

    await env.sleep(25 * HOUR);
    await until(handle, (v) => v.tier === 2, 'tier 2');
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: assigned.escalationId }).lean())?.priority === 'high', 'the raised desk priority');
    const raised = await desk.query(escalationViewQuery);
    expect(raised).toMatchObject({ status: 'waiting_customer', priority: 'high', breaches: [] });
    expect(raised.timeline.filter((t) => t.type === 'priority_raised')).toEqual([expect.objectContaining({ detail: 'high: complaint tier 2' })]);

    const cancelled = await handle.executeUpdate(cancelCaseUpdate, { args: [{ reason: 'customer withdrew the complaint', by: 'ops' }] });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.timeline.some((t) => t.type === 'complaint_task_withdrawn')).toBe(true);
    const withdrawn = (await desk.result()) as EscalationView;
    expect(withdrawn).toMatchObject({ status: 'withdrawn', agentId: 'agent' });
    expect(withdrawn.timeline.at(-1)?.detail).toBe('case cancelled: customer withdrew the complaint');
    await expect(desk.executeUpdate(replyUpdate, { args: [{ agentId: 'agent', agentName: 'Agent', messageId: `m2-${caseId}`, text: 'Any news?' }] })).rejects.toThrow();
  });

  it('alerts supervisors once, and says so on the timeline, when the acknowledgement SLA passes before the customer is told', async () => {
    const customerId = `c-unreachable-${counter + 1}`;
    await db.models.Customer.create({ customerId, name: '王五', tier: 'standard', lang: 'zh' });
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId, lang: 'zh', details: '商品与描述不符', settings }],
    });
    const assigned = await atStatus(handle, 'assigned');
    expect(assigned.timeline.find((t) => t.type === 'not_acknowledged')?.detail).toMatch(/no channel/);
    expect(assigned.timeline.some((t) => t.type === 'ack_sla_missed')).toBe(false);
    expect(await db.models.Alert.countDocuments({ alertKey: `case:${caseId}:complaint_ack_missed` })).toBe(0);

    await env.sleep(settings.complaintAckMs + 60_000);
    const missed = await until(handle, (v) => v.timeline.some((t) => t.type === 'alert_raised'), 'alert on the timeline');
    expect(missed.timeline.filter((t) => t.type === 'ack_sla_missed')).toHaveLength(1);
    expect(missed.timeline.find((t) => t.type === 'alert_raised')?.detail).toMatch(/^complaint_ack_missed: /);
    await env.sleep(2 * HOUR);
    expect((await handle.query(caseViewQuery)).timeline.filter((t) => t.type === 'ack_sla_missed')).toHaveLength(1);
    const alerts = await db.models.Alert.find({ escalationId: caseId }).lean();
    expect(alerts).toEqual([expect.objectContaining({ kind: 'complaint_ack_missed', queue: 'complaints', priority: 'high' })]);
    await eventually(async () => ((await db.models.Case.findOne({ caseId }).lean())?.timeline as Array<{ type: string }>).some((t) => t.type === 'ack_sla_missed'), 'the read model');
    await handle.executeUpdate(cancelCaseUpdate, { args: [{ reason: 'test over', by: 'ops' }] });
  });

  it('declines a goodwill coupon nobody approved by the final deadline, issues none, and hands compensation to the complaints desk', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1002', lang: 'zh', channel: 'sms', details: '净化器有异味', settings }],
    });
    await atStatus(handle, 'assigned');
    await send(handle, { type: 'resolve', by: 'agent', resolution: '已换新', goodwillAmount: 300 });
    await atStatus(handle, 'awaiting_approval');
    await env.sleep(settings.approvalDeadlineMs! + HOUR);
    const rating = await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'approval', decision: 'approve', by: 'supervisor' });
    await send(handle, { type: 'csat', score: 3 });
    const done = await ended(handle);

    expect(done).toMatchObject({ status: 'closed', closureReason: 'resolved' });
    expect(done.couponCode).toBeUndefined();
    expect(done.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['approval_escalated', 'approval_expired', 'goodwill_coupon_declined', 'goodwill_task_opened']));
    expect(done.timeline.some((t) => t.type === 'approved')).toBe(false);
    expect(await db.models.GoodwillCoupon.countDocuments({ caseId })).toBe(0);
    expect(await db.models.CaseTask.findOne({ taskId: rating.approvalTaskId }).lean()).toMatchObject({ status: 'expired', decidedBy: 'system' });
    expect(await db.models.Alert.countDocuments({ alertKey: `case:${caseId}:goodwill_approval_expired` })).toBe(1);
    await eventually(async () => (await db.models.Escalation.findOne({ escalationId: done.escalationId }).lean())?.queue === 'complaints', 'the complaints queue');
    expect(await db.models.Escalation.findOne({ escalationId: done.escalationId }).lean()).toMatchObject({ reason: 'case_goodwill', priority: 'high' });
    expect((await deliveriesOf(caseId)).map((d) => d.step)).toEqual(expect.arrayContaining(['approval-expired', 'resolved']));
  });

  it('takes one of two conflicting decisions sent at once and refuses the other, recording only the one taken', async () => {
    const caseId = newCaseId('CMP');
    const handle = await env.client.workflow.start(complaintCaseWorkflow, {
      workflowId: caseWorkflowId(caseId),
      taskQueue,
      args: [{ caseId, customerId: 'c-1002', lang: 'zh', channel: 'sms', details: '净化器噪音太大', settings }],
    });
    await atStatus(handle, 'assigned');
    await send(handle, { type: 'resolve', by: 'agent', resolution: '已换新', goodwillAmount: 300 });
    const waiting = await atStatus(handle, 'awaiting_approval');
    const outcomes = await Promise.all([
      refusal(decide(handle, { decision: 'approve', by: 'supervisor-a' })),
      refusal(decide(handle, { decision: 'reject', by: 'supervisor-b' })),
    ]);
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(1);
    expect(outcomes.find((o) => o !== undefined)).toMatchObject({ type: 'approval_decided' });
    const approved = outcomes[0] === undefined;
    expect(await db.models.CaseTask.findOne({ taskId: waiting.approvalTaskId }).lean()).toMatchObject({ status: approved ? 'approved' : 'rejected', decidedBy: approved ? 'supervisor-a' : 'supervisor-b' });
    await atStatus(handle, 'awaiting_csat');
    await send(handle, { type: 'csat', score: 4 });
    const done = await ended(handle);
    expect(done.timeline.filter((t) => t.type === 'approved' || t.type === 'approval_rejected')).toHaveLength(1);
    expect(await db.models.GoodwillCoupon.countDocuments({ caseId })).toBe(approved ? 1 : 0);
  });

  // On a time-skipping server of its own: a complaint resolved through the case leaves its desk
  // task open, and once such an abandoned task times out on a server, that server never skips time
  // again, so a wait here would never end (see test/helpers/time-skipping.ts).
  it('closes as resolved by the agent when the desk resolves it first', async () => {
    const own = await startTimeSkippingWorker('cases-desk', (client, ownQueue) => createActivities({ models: db.models, client, taskQueue: ownQueue, cases: { settings, oms: {}, indexed: false } }));
    try {
      const caseId = newCaseId('CMP');
      const handle = await own.env.client.workflow.start(complaintCaseWorkflow, {
        workflowId: caseWorkflowId(caseId),
        taskQueue: own.taskQueue,
        args: [{ caseId, customerId: 'c-1004', lang: 'zh', channel: 'sms', details: '快递员态度不好', settings }],
      });
      const assigned = await atStatus(handle, 'assigned');
      expect(assigned).toMatchObject({ severity: 'medium', priority: 'normal' });
      const desk = own.env.client.workflow.getHandle(`escalation-${assigned.escalationId}`);
      await desk.signal(assignedSignal, { agentId: 'agent' });
      await desk.executeUpdate(acceptUpdate, { args: [{ agentId: 'agent' }] });
      await desk.executeUpdate(resolveUpdate, { args: [{ agentId: 'agent', note: '已向快递公司反馈并致歉' }] });
      await atStatus(handle, 'awaiting_csat');
      await own.env.sleep(settings.csatWaitMs + HOUR);
      const done = await handle.result();
      expect(done).toMatchObject({ status: 'closed', closureReason: 'resolved_by_agent' });
      expect(done.timeline.find((t) => t.type === 'agent_resolved')).toMatchObject({ by: 'agent', detail: '已向快递公司反馈并致歉' });
      expect(done.couponCode).toBeUndefined();
    } finally {
      await own.stop();
    }
  });
});
