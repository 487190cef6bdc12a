import { CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { CaseState } from '../domain/cases/case-state';
import type { CaseView, ComplaintCaseInput } from '../domain/cases/types';
import type { EscalationView } from '../domain/escalation/escalation-state';
import { CaseCancelled, cancelCaseUpdate, caseEventSignal, caseToolkit, caseViewQuery, refuseIf, retryStepUpdate } from './case-common';

/** Marks the change that watches the acknowledgement SLA and alerts supervisors when it passes. */
export const ACK_WATCH_PATCH = 'complaint-ack-watch';
/** Marks the change that alerts supervisors when the desk hands a complaint back unresolved. */
export const HANDED_BACK_ALERT_PATCH = 'complaint-handed-back-alert';

/**
 * A complaint until someone resolves it: acknowledged within its SLA, given a severity and priority
 * from what it says and who says it, assigned to the complaint queue through the desk, escalated a
 * tier at each configured age (24 h, 72 h) while unresolved, resolved with an optional goodwill
 * coupon (approved by a supervisor above the threshold), rated and closed with a reason.
 */
export async function complaintCaseWorkflow(input: ComplaintCaseInput): Promise<CaseView> {
  const { settings } = input;
  const openedAt = Date.now();
  const state = new CaseState({ caseId: input.caseId, type: 'complaint', customerId: input.customerId, orderId: input.orderId, conversationId: input.conversationId, channel: input.channel }, 'acknowledging', openedAt);
  const kit = caseToolkit(state, input, settings);
  const { persist, wait, setStatus, notify, step } = kit;
  let agentOutcome: EscalationView | undefined;
  let acknowledged = false;

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

  const resolved = () => state.resolution !== undefined || agentOutcome?.status === 'resolved';
  let deskTask: Awaited<ReturnType<typeof kit.startDeskTask>> | undefined;
  /** The complaint's own desk task leaves the queue once the case no longer needs it. */
  const withdrawDeskTask = async (reason: string) => {
    if (deskTask && agentOutcome === undefined) await deskTask.withdraw(reason);
  };

  await persist();
  const ackWatch = patched(ACK_WATCH_PATCH) ? watchAcknowledgement() : Promise.resolve();
  try {
    await handle();
  } catch (error) {
    if (!(error instanceof CaseCancelled) && !isCancellation(error)) throw error;
    if (!state.cancelled) state.requestCancel('workflow cancelled', 'temporal', Date.now());
  }
  if (state.cancelled && state.isOpen) {
    await CancellationScope.nonCancellable(async () => {
      await withdrawDeskTask(`case cancelled: ${state.cancelRequest!.reason}`);
      await notify('cancelled', { kind: 'cancelled', reason: state.cancelRequest!.reason });
      state.close('withdrawn', Date.now(), 'cancelled');
      setStatus('cancelled');
      await persist();
    });
  } else if (state.isOpen) {
    state.committed = true;
    await resolve();
  }
  await ackWatch;
  await condition(allHandlersFinished);
  await kit.persistLateFacts();
  return state.view;

  /**
   * The acknowledgement SLA, watched beside the story: if it passes before the customer has been
   * told (the outbox unreachable, no channel reaches them, the workers down), supervisors are
   * alerted once and the timeline shows it.
   */
  async function watchAcknowledgement(): Promise<void> {
    const minutes = Math.round(settings.complaintAckMs / 60_000);
    try {
      if (await condition(() => acknowledged || !state.isOpen, Math.max(1, openedAt + settings.complaintAckMs - Date.now()))) return;
      state.record('ack_sla_missed', Date.now(), { detail: `not acknowledged within ${minutes} min` });
      await kit.alert('complaint_ack_missed', `not acknowledged within ${minutes} min`);
      await persist();
    } catch (error) {
      // Cancelling the workflow in Temporal cancels the watch too; the main story records the cancellation.
      if (!isCancellation(error)) throw error;
    }
  }

  /** Nobody on the desk works a complaint handed back: a supervisor resolves it through the case, or tiers keep alerting. */
  async function alertHandedBack(agentId: string | undefined): Promise<void> {
    try {
      await kit.alert('complaint_handed_back', `handed back unresolved by ${agentId ?? 'the desk'}: resolve it through the case`);
      await persist();
    } catch (error) {
      if (!isCancellation(error)) throw error;
    }
  }

  async function handle(): Promise<void> {
    acknowledged = await step('acknowledge', () => notify('acknowledged', { kind: 'complaint_acknowledged', caseId: input.caseId }));
    const lateBy = Date.now() - (openedAt + settings.complaintAckMs);
    if (acknowledged) state.record('acknowledged', Date.now(), { detail: lateBy > 0 ? `SLA missed by ${Math.round(lateBy / 1_000)}s` : 'within SLA' });
    else state.record('not_acknowledged', Date.now(), { detail: 'no channel reaches the customer: the desk must contact them' });

    const assessment = await step('assess', () =>
      kit.records.assessComplaint({ caseId: input.caseId, customerId: input.customerId, details: input.details, ...(input.severityHint ? { severityHint: input.severityHint } : {}) }),
    );
    state.set('severity', assessment.severity);
    state.set('priority', assessment.priority);
    state.set('tier', 1);
    state.record('assessed', Date.now(), { detail: `${assessment.severity}${assessment.reasons.length ? ` (${assessment.reasons.join(', ')})` : ''}` });

    const task = await kit.startDeskTask('complaint', assessment.priority, `Complaint ${input.caseId} (${assessment.severity}): ${input.details.slice(0, 500)}`);
    deskTask = task;
    let deskPriority = assessment.priority;
    void task.result().then(
      (view) => {
        agentOutcome = view;
        if (view.status === 'withdrawn') return;
        state.record(view.status === 'resolved' ? 'agent_resolved' : 'agent_handed_back', Date.now(), { ...(view.agentId ? { by: view.agentId } : {}), ...(view.resolutionNote ? { detail: view.resolutionNote } : {}) });
        if (view.status !== 'resolved' && state.resolution === undefined && state.isOpen && patched(HANDED_BACK_ALERT_PATCH)) void alertHandedBack(view.agentId);
      },
      () => state.record('desk_task_failed', Date.now()),
    );
    setStatus('assigned');
    await persist();

    for (const [index, afterMs] of settings.complaintTierMs.entries()) {
      if (await wait(resolved, Math.max(1, openedAt + afterMs - Date.now()))) return;
      const tier = index + 2;
      state.set('tier', tier);
      state.set('priority', 'high');
      state.record('tier_escalated', Date.now(), { detail: `tier ${tier} after ${Math.round(afterMs / 3_600_000)}h unresolved` });
      await kit.alert(`complaint_tier_${tier}`, `unresolved after ${Math.round(afterMs / 3_600_000)}h`);
      if (deskPriority !== 'high') {
        await task.raisePriority(`complaint tier ${tier}`);
        deskPriority = 'high';
      }
      await notify(`tier-${tier}`, { kind: 'complaint_escalated', tier });
      await persist();
    }
    await wait(resolved);
  }

  async function resolve(): Promise<void> {
    await withdrawDeskTask(`resolved through the case by ${state.resolution?.by ?? 'a supervisor'}`);
    setStatus('resolving');
    await persist();
    const proposal = state.resolution ?? { by: agentOutcome?.agentId ?? 'desk', resolution: agentOutcome?.resolutionNote ?? (input.lang === 'zh' ? '客服已处理完毕' : 'handled by our service team') };
    let coupon: { code: string; amount: number } | undefined;
    const amount = state.resolution?.goodwillAmount;
    if (amount && amount > 0) {
      const decision = amount <= settings.goodwillApprovalThreshold ? 'approve' : await kit.approval('goodwill_approval', amount);
      if (decision === 'approve') {
        coupon = await step('goodwill_coupon', () => kit.records.issueGoodwillCoupon({ caseId: input.caseId, customerId: input.customerId, amount }));
        state.set('couponCode', coupon.code);
        state.record('goodwill_coupon_issued', Date.now(), { detail: `${coupon.code} ${coupon.amount}` });
      } else if (decision === 'expired') {
        // No coupon without a supervisor's yes; a complaints agent agrees compensation with the customer instead.
        state.record('goodwill_coupon_declined', Date.now(), { detail: 'no approval by the deadline: handed to the complaints desk' });
        await kit.startDeskTask('goodwill', 'high', `Goodwill coupon of ${amount} for complaint ${input.caseId} had no supervisor decision by the deadline and was not issued; agree compensation with the customer.`);
        await notify('approval-expired', { kind: 'approval_expired', what: 'goodwill', amount });
      } else {
        state.record('goodwill_coupon_declined', Date.now());
      }
      setStatus('resolving');
    }
    await notify('resolved', { kind: 'complaint_resolved', resolution: proposal.resolution, ...(coupon ? { couponCode: coupon.code, couponAmount: coupon.amount } : {}) });
    setStatus('awaiting_csat');
    await notify('csat', { kind: 'csat_request', caseId: input.caseId });
    await persist();
    await condition(() => state.view.csat !== undefined, settings.csatWaitMs);
    state.close(state.resolution ? 'resolved' : 'resolved_by_agent', Date.now());
    setStatus('closed');
    await persist();
  }
}
