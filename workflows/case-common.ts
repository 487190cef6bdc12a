import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CaseState } from '../domain/cases/case-state';
import type { CaseMessage } from '../domain/cases/messages';
import type { CaseEvent, CaseParty, CaseSettings, CaseStatus, CaseView } from '../domain/cases/types';
import type { EscalationView } from '../domain/escalation/escalation-state';
import { slaTargets, type Priority } from '../domain/escalation/routing';
import { CaseTypeKey, StatusKey } from '../domain/search-attributes';
import { escalationWorkflow } from './escalation';

/** Carrier scans, warehouse results, approvals, resolutions and ratings: facts the case waits for. */
export const caseEventSignal = defineSignal<[CaseEvent]>('caseEvent');
export const cancelCaseUpdate = defineUpdate<CaseView, [{ reason: string; by: string }]>('cancelCase');
export const retryStepUpdate = defineUpdate<CaseView, [{ by: string }]>('retryStep');
export const caseViewQuery = defineQuery<CaseView>('caseView');

/** Order-system refusals: business answers the workflow compensates for, never retried. */
export const REFUSALS = ['order_not_found', 'refund_rejected', 'out_of_stock'] as const;
export type Refusal = (typeof REFUSALS)[number];

/** Database writes and the outbox: quick, idempotent, retried until the database is back. */
const records = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Calls to the order system: a few attempts, then the case waits for ops to retry the step. */
export const orderSystem = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 4 },
});

export function refusalOf(error: unknown): Refusal | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && (REFUSALS as readonly string[]).includes(cause.type ?? '')) return cause.type as Refusal;
  return undefined;
}

export function refuseIf(problem: string | undefined): void {
  if (problem) throw ApplicationFailure.create({ type: 'InvalidCaseAction', message: problem, nonRetryable: true });
}

/**
 * Thrown out of a wait when ops cancel the case. Only waits are interrupted: an activity already
 * running (a database write, a message) finishes, so nothing is left half done.
 */
export class CaseCancelled extends Error {
  override name = 'CaseCancelled';
}

function messageOf(error: unknown): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The steps both case workflows share: read model, customer messages, retries by ops, approvals, desk work. */
export function caseToolkit(state: CaseState, party: CaseParty, settings: CaseSettings) {
  // Indexed only when started with search attributes: the time-skipping test server has no visibility store.
  const indexed = workflowInfo().typedSearchAttributes.get(CaseTypeKey) !== undefined;

  const persist = () => records.recordCase(state.view);

  /** Waits for `ready` (or the timeout: answers whether it became ready), unless the case is cancelled first. */
  async function wait(ready: () => boolean, timeoutMs?: number): Promise<boolean> {
    const done = () => ready() || state.cancelled;
    const met = timeoutMs === undefined ? (await condition(done), true) : await condition(done, timeoutMs);
    if (state.cancelled) throw new CaseCancelled();
    return met;
  }

  function setStatus(status: CaseStatus, detail?: string): void {
    state.moveTo(status, Date.now(), detail);
    if (indexed) upsertSearchAttributes([{ key: StatusKey, value: status }]);
  }

  async function notify(step: string, message: CaseMessage): Promise<void> {
    const sent = await records.notifyCustomer({
      caseId: party.caseId,
      step,
      customerId: party.customerId,
      lang: party.lang,
      ...(party.channel ? { channel: party.channel } : {}),
      ...(party.conversationId ? { conversationId: party.conversationId } : {}),
      message,
    });
    state.record('customer_notified', Date.now(), { detail: `${message.kind}${sent.channel ? ` via ${sent.channel}` : ' (no reachable channel)'}` });
  }

  /**
   * Runs a step; when the world keeps failing it (not a business refusal), the case parks in
   * `step_failed` and waits for ops to retry it through the API rather than losing the case.
   */
  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (error) {
        if (refusalOf(error) || isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
        state.stepFailed(name, messageOf(error), Date.now());
        if (indexed) upsertSearchAttributes([{ key: StatusKey, value: 'step_failed' }]);
        await persist();
        await wait(() => state.retryRequested);
        if (indexed) upsertSearchAttributes([{ key: StatusKey, value: state.status }]);
        await persist();
      }
    }
  }

  /**
   * A supervisor's yes or no on an amount above the threshold. Nobody answering within the wait
   * escalates the task and alerts supervisors; the case keeps waiting for an answer.
   */
  async function approval(kind: 'refund_approval' | 'goodwill_approval', amount: number): Promise<boolean> {
    const { taskId } = await records.openApprovalTask({ caseId: party.caseId, kind, amount });
    state.set('approvalTaskId', taskId);
    setStatus('awaiting_approval', `${kind} of ${amount}`);
    await persist();
    if (!(await wait(() => state.approval !== undefined, settings.approvalWaitMs))) {
      await records.escalateApprovalTask({ taskId, caseId: party.caseId });
      state.record('approval_escalated', Date.now(), { detail: taskId });
      await persist();
      await wait(() => state.approval !== undefined);
    }
    const decision = state.approval!;
    await records.closeApprovalTask({ taskId, decision: decision.decision, by: decision.by, ...(decision.note ? { note: decision.note } : {}) });
    return decision.decision === 'approve';
  }

  /** Work for a person on the desk (the complaint queue, a finance agent), as an escalation workflow of its own. */
  async function startDeskTask(kind: 'complaint' | 'finance', priority: Priority, summary: string) {
    const packet = { reason: 'unresolved' as const, summary, lang: party.lang, intents: [], slots: { case: party.caseId, case_task: kind }, verified: false, recentTurns: [] };
    const task = await step(`${kind}_task`, () =>
      records.openDeskTask({ caseId: party.caseId, kind, customerId: party.customerId, ...(party.channel ? { channel: party.channel } : {}), ...(party.conversationId ? { conversationId: party.conversationId } : {}), packet }),
    );
    state.set('escalationId', task.escalationId);
    state.record(`${kind}_task_opened`, Date.now(), { detail: task.escalationId });
    const child = await startChild(escalationWorkflow, {
      workflowId: `escalation-${task.escalationId}`,
      parentClosePolicy: 'ABANDON',
      args: [
        {
          escalationId: task.escalationId,
          conversationId: task.conversationId,
          customerId: party.customerId,
          channel: task.channel,
          lang: party.lang,
          queue: kind === 'finance' ? 'finance' : 'complaints',
          priority,
          packet,
          sla: slaTargets(settings.desk.sla, priority),
          businessHours: settings.desk.businessHours,
          csatWaitMs: settings.csatWaitMs,
          caseId: party.caseId,
        },
      ],
    });
    return { escalationId: task.escalationId, result: (): Promise<EscalationView> => child.result() };
  }

  return { persist, wait, setStatus, notify, step, approval, startDeskTask, records };
}
