import { CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { CaseState } from '../domain/cases/case-state';
import type { CaseView, ClosureReason, ReturnCaseInput } from '../domain/cases/types';
import { CaseCancelled, cancelCaseUpdate, caseEventSignal, caseToolkit, caseViewQuery, orderSystem, refusalOf, refuseIf, retryStepUpdate } from './case-common';

const DAY_MS = 86_400_000;
/** Marks the change that writes the read model as soon as the return label exists. */
export const LABEL_RECORDED_FIRST = 'label-recorded-first';

/**
 * A return or exchange, over days and across systems: eligibility by the return policy, an RMA and
 * a return label, the carrier's pickup scan (reminders, then automatic cancellation), the
 * warehouse's receipt and inspection, then exactly one refund (approved by a supervisor above the
 * threshold) or a replacement, with compensation when that fails, and the customer's rating.
 */
export async function returnCaseWorkflow(input: ReturnCaseInput): Promise<CaseView> {
  const { settings } = input;
  const state = new CaseState({ caseId: input.caseId, type: input.request, customerId: input.customerId, orderId: input.orderId, conversationId: input.conversationId, channel: input.channel }, 'checking', Date.now());
  const kit = caseToolkit(state, input, settings);
  const { persist, wait, setStatus, notify, step } = kit;

  setHandler(caseEventSignal, (event) => void state.apply(event, Date.now()));
  setHandler(caseViewQuery, () => state.view);
  setHandler(
    cancelCaseUpdate,
    async ({ reason, by }) => {
      state.requestCancel(reason, by, Date.now());
      await condition(() => !state.isOpen);
      return state.view;
    },
    { validator: (_request: { reason: string; by: string }) => refuseIf(state.problemWithCancel()) },
  );
  setHandler(
    retryStepUpdate,
    ({ by }) => {
      state.requestRetry(by, Date.now());
      return state.view;
    },
    { validator: (_request: { by: string }) => refuseIf(state.problemWithRetry()) },
  );

  await persist();
  let outcome: { amount: number; items: Array<{ sku: string; quantity: number }> } | 'ended';
  try {
    outcome = await returnTheItem();
  } catch (error) {
    if (!(error instanceof CaseCancelled) && !isCancellation(error)) throw error;
    // Cancelled in Temporal itself (not through the API) still ends the case properly.
    if (!state.cancelled) state.requestCancel('workflow cancelled', 'temporal', Date.now());
    outcome = 'ended';
  }
  if (state.cancelled && state.isOpen) {
    await CancellationScope.nonCancellable(async () => {
      await notify('cancelled', { kind: 'cancelled', reason: state.cancelRequest!.reason });
      finish('cancelled', 'cancelled');
      await persist();
    });
  }
  if (outcome !== 'ended' && state.isOpen) {
    state.committed = true;
    const reason = input.request === 'exchange' ? await replaceOrRefund(outcome.amount, outcome.items) : await refundOnce(outcome.amount);
    await askForRating();
    finish(reason);
    await persist();
  }
  await condition(allHandlersFinished);
  await kit.persistLateFacts();
  return state.view;

  /** Everything before money moves or goods ship; a cancellation stops it at its next wait. */
  async function returnTheItem(): Promise<{ amount: number; items: Array<{ sku: string; quantity: number }> } | 'ended'> {
    const verdict = await step('eligibility', () => orderSystem.checkReturnEligibility({ orderId: input.orderId, customerId: input.customerId, reason: input.reason }));
    if (!verdict.eligible) {
      await notify('ineligible', { kind: 'ineligible', why: verdict.why ?? 'unknown' });
      finish('ineligible');
      await persist();
      return 'ended';
    }
    state.record('eligible', Date.now());

    const label = await step('return_label', () => orderSystem.createReturnLabel({ caseId: input.caseId, orderId: input.orderId, customerId: input.customerId }));
    state.set('rmaId', label.rmaId);
    state.set('returnTrackingNumber', label.trackingNumber);
    state.record('return_label_created', Date.now(), { detail: `${label.carrier} ${label.trackingNumber}` });
    setStatus('awaiting_pickup');
    // Carrier webhooks find the case by its return tracking number: store it before anything else can fail.
    if (patched(LABEL_RECORDED_FIRST)) await persist();
    await notify('return-label', { kind: 'return_label', rmaId: label.rmaId, address: label.returnAddress, labelUrl: label.labelUrl, deadlineDays: Math.round(settings.pickupDeadlineMs / DAY_MS) });
    await persist();

    if (!(await waitForPickup(label.rmaId))) return 'ended';
    setStatus('in_transit');
    await notify('picked-up', { kind: 'picked_up', rmaId: label.rmaId });
    await persist();

    await wait(() => state.received);
    setStatus('inspecting');
    await notify('received', { kind: 'received', rmaId: label.rmaId });
    await persist();

    await wait(() => state.inspection !== undefined);
    if (!state.inspection!.passed) {
      await notify('inspection-failed', { kind: 'inspection_failed', ...(state.inspection!.note ? { note: state.inspection!.note } : {}) });
      finish('inspection_failed');
      await persist();
      return 'ended';
    }
    if (input.request === 'return' && !(await approved(verdict.amount))) return 'ended';
    return { amount: verdict.amount, items: verdict.items };
  }

  /** Reminders at each configured day, automatic cancellation at the deadline, unless the carrier scans it first. */
  async function waitForPickup(rmaId: string): Promise<boolean> {
    const labelledAt = Date.now();
    const reminders = settings.pickupReminderMs.filter((ms) => ms < settings.pickupDeadlineMs);
    for (const [index, afterMs] of reminders.entries()) {
      if (await wait(() => state.pickedUp, Math.max(1, labelledAt + afterMs - Date.now()))) return true;
      state.record('pickup_reminder', Date.now(), { detail: `day ${Math.round(afterMs / DAY_MS)}` });
      await notify(`pickup-reminder-${index + 1}`, { kind: 'pickup_reminder', rmaId, daysLeft: Math.max(0, Math.round((settings.pickupDeadlineMs - afterMs) / DAY_MS)) });
      await persist();
    }
    if (await wait(() => state.pickedUp, Math.max(1, labelledAt + settings.pickupDeadlineMs - Date.now()))) return true;
    await notify('pickup-timeout', { kind: 'pickup_timeout', rmaId });
    finish('pickup_timeout', 'cancelled');
    await persist();
    return false;
  }

  /**
   * Refunds above the threshold wait for a supervisor; a "no" ends the case with the customer told
   * why. No decision by the final deadline pays nothing: a finance agent takes the refund over.
   */
  async function approved(amount: number): Promise<boolean> {
    if (amount <= settings.refundApprovalThreshold) return true;
    await notify('awaiting-approval', { kind: 'awaiting_approval', amount });
    const decision = await kit.approval('refund_approval', amount);
    if (decision === 'approve') return true;
    if (decision === 'expired') {
      state.committed = true;
      await notify('approval-expired', { kind: 'approval_expired', what: 'refund', amount });
      await settleByFinance(`Refund of ${amount} for order ${input.orderId} (case ${input.caseId}) had no supervisor decision by the deadline and was not paid; decide it with the customer and settle it by hand.`);
      await askForRating();
      finish('finance_settled');
      await persist();
      return false;
    }
    await notify('refund-declined', { kind: 'refund_declined' });
    finish('refund_declined');
    await persist();
    return false;
  }

  /** Exactly one refund (the idempotency key is the case); a gateway refusal becomes a finance agent's task. */
  async function refundOnce(amount: number): Promise<ClosureReason> {
    setStatus('refunding');
    await persist();
    try {
      const refund = await step('refund', () => orderSystem.issueRefund({ caseId: input.caseId, orderId: input.orderId, amount, reason: `${input.request} ${input.caseId}` }));
      state.set('refund', { refundId: refund.refundId, amount: refund.amount, status: 'succeeded', idempotencyKey: `refund:${input.caseId}` });
      state.record('refunded', Date.now(), { detail: `${refund.refundId} ${refund.amount}` });
      await notify('refund-issued', { kind: 'refund_issued', amount: refund.amount, refundId: refund.refundId });
      return 'refunded';
    } catch (error) {
      if (refusalOf(error) !== 'refund_rejected') throw error;
      state.set('refund', { refundId: '', amount, status: 'rejected', idempotencyKey: `refund:${input.caseId}` });
      state.record('compensation', Date.now(), { detail: 'refund rejected by the payment gateway: handed to finance' });
      await notify('refund-delayed', { kind: 'refund_delayed' });
      await settleByFinance(`Refund of ${amount} for order ${input.orderId} (case ${input.caseId}) was rejected by the payment gateway; settle it by hand.`);
      return 'finance_settled';
    }
  }

  /** A finance agent's task on the desk; the case waits until they have settled it and tells the customer. */
  async function settleByFinance(summary: string): Promise<void> {
    const task = await kit.startDeskTask('finance', 'high', summary);
    setStatus('awaiting_finance');
    await persist();
    const work = await task.result();
    state.record('finance_settled', Date.now(), { ...(work.agentId ? { by: work.agentId } : {}), ...(work.resolutionNote ? { detail: work.resolutionNote } : {}) });
    await notify('finance-settled', { kind: 'finance_settled', ...(work.resolutionNote ? { note: work.resolutionNote } : {}) });
  }

  /** A replacement shipment; out of stock, the customer is refunded instead. */
  async function replaceOrRefund(amount: number, items: Array<{ sku: string; quantity: number }>): Promise<ClosureReason> {
    setStatus('shipping_replacement');
    await persist();
    try {
      const shipment = await step('replacement', () => orderSystem.shipReplacement({ caseId: input.caseId, orderId: input.orderId, customerId: input.customerId, items }));
      state.set('replacementShipmentId', shipment.shipmentId);
      state.record('replacement_shipped', Date.now(), { detail: `${shipment.carrier} ${shipment.trackingNumber}` });
      await notify('replacement-shipped', { kind: 'replacement_shipped', shipmentId: shipment.shipmentId, trackingNumber: shipment.trackingNumber });
      return 'replaced';
    } catch (error) {
      if (refusalOf(error) !== 'out_of_stock') throw error;
      state.record('compensation', Date.now(), { detail: 'replacement out of stock: refunding instead' });
      await notify('replacement-unavailable', { kind: 'replacement_unavailable' });
      if (!(await approved(amount))) return 'refund_declined';
      return refundOnce(amount);
    }
  }

  async function askForRating(): Promise<void> {
    if (!state.isOpen) return;
    setStatus('awaiting_csat');
    await notify('csat', { kind: 'csat_request', caseId: input.caseId });
    await persist();
    await condition(() => state.view.csat !== undefined, settings.csatWaitMs);
  }

  function finish(reason: ClosureReason, status: 'closed' | 'cancelled' = 'closed'): void {
    if (!state.isOpen) return;
    state.close(reason, Date.now(), status);
    setStatus(status);
  }
}
