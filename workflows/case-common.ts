import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CaseState } from '../domain/cases/case-state';
import type { CaseMessage } from '../domain/cases/messages';
import type { CaseEvent, CaseParty, CaseSettings, CaseStatus, CaseView, DeskTaskKind } from '../domain/cases/types';
import type { EscalationView } from '../domain/escalation/escalation-state';
import { queueSlaTargets, type Priority, type Queue } from '../domain/escalation/routing';
import { CaseTypeKey, StatusKey } from '../domain/search-attributes';
import { escalationWorkflow, raisePrioritySignal, withdrawSignal } from './escalation';

/** Carrier scans, warehouse results, approvals, resolutions, ratings and desk replies: facts the case waits for or records. */
export const caseEventSignal = defineSignal<[CaseEvent]>('caseEvent');
export const cancelCaseUpdate = defineUpdate<CaseView, [{ reason: string; by: string }]>('cancelCase');
export const retryStepUpdate = defineUpdate<CaseView, [{ by: string }]>('retryStep');
export const caseViewQuery = defineQuery<CaseView>('caseView');

/** A supervisor's decision on the case's pending approval; refused (not recorded) when nothing waits, it was decided, or it expired. */
export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  by: string;
  note?: string;
}
export const decideApprovalUpdate = defineUpdate<CaseView, [ApprovalDecision]>('decideApproval');

/** Order-system refusals: business answers the workflow compensates for, never retried. */
/** Marks the change that gives an escalated approval a final deadline. */
export const APPROVAL_DEADLINE_PATCH = 'case-approval-deadline';

/** Marks the change that writes facts arriving as a case ends (a desk reply, a rating) to the read model. */
export const LATE_FACTS_PATCH = 'case-late-facts';

/** Marks the change that withdraws a complaint's open desk task when the case ends first, and raises its priority at each tier. */
export const DESK_TASK_FOLLOWS_CASE_PATCH = 'desk-task-follows-case';

/** A supervisor's answer, or none before the final deadline. */
export type ApprovalOutcome = 'approve' | 'reject' | 'expired';

/** The desk queue each kind of case work goes to. */
const DESK_QUEUES: Record<DeskTaskKind, Queue> = { complaint: 'complaints', finance: 'finance', goodwill: 'complaints' };

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

/** A refused decision carries its reason as the failure type, which the API answers as the 409's code. */
function refuseDecision(problem: { code: string; message: string } | undefined): void {
  if (problem) throw ApplicationFailure.create({ type: problem.code, message: problem.message, nonRetryable: true });
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

  // The decision answers once the approval task holds it, so the caller reads the task already decided.
  setHandler(
    decideApprovalUpdate,
    async (decision) => {
      state.decide(decision, Date.now());
      await condition(() => state.approvalSettled || !state.isOpen);
      return state.view;
    },
    { validator: (_decision: ApprovalDecision) => refuseDecision(state.problemWithDecision()) },
  );

  // One write at a time, each of the view as it is when it starts, so a background step (the
  // acknowledgement watch) and the main story never land an older view over a newer one.
  let writing: Promise<void> | undefined;
  let writtenEntries = 0;
  async function persist(): Promise<void> {
    while (writing) await writing.catch(() => undefined);
    writtenEntries = state.view.timeline.length;
    writing = records.recordCase(state.view);
    try {
      await writing;
    } finally {
      writing = undefined;
    }
  }

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

  /**
   * The last write of a case that has ended: facts signalled after its final write (a desk reply
   * as it closed) would otherwise live only in the workflow's memory. Once the workflow has
   * completed, late facts go to the read model directly (see relayDeskReply).
   */
  async function persistLateFacts(): Promise<void> {
    if (state.view.timeline.length > writtenEntries && patched(LATE_FACTS_PATCH)) await persist();
  }

  /** Answers whether a message was queued: false when no channel reaches the customer. */
  async function notify(step: string, message: CaseMessage): Promise<boolean> {
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
    return sent.queued;
  }

  /** A supervisor alert, once per case and kind, listed on the supervisor page; the timeline shows it too. */
  async function alert(kind: string, detail: string): Promise<void> {
    const queue: Queue = state.view.type === 'complaint' ? 'complaints' : 'returns';
    await records.raiseCaseAlert({ caseId: party.caseId, kind, detail, queue, priority: 'high', ...(party.conversationId ? { conversationId: party.conversationId } : {}) });
    state.record('alert_raised', Date.now(), { detail: `${kind}: ${detail}` });
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
   * escalates the task and alerts supervisors; still undecided at the final deadline, the approval
   * expires: declined, the task closed as expired, supervisors alerted, and the caller hands the
   * case to a person. A decision arriving after that changes nothing.
   */
  async function approval(kind: 'refund_approval' | 'goodwill_approval', amount: number): Promise<ApprovalOutcome> {
    const requestedAt = Date.now();
    const { taskId } = await records.openApprovalTask({ caseId: party.caseId, kind, amount });
    state.set('approvalTaskId', taskId);
    setStatus('awaiting_approval', `${kind} of ${amount}`);
    state.approvalPending = true;
    await persist();
    if (!(await wait(() => state.approval !== undefined, settings.approvalWaitMs))) {
      await records.escalateApprovalTask({ taskId, caseId: party.caseId });
      state.record('approval_escalated', Date.now(), { detail: taskId });
      await persist();
      const deadlineMs = settings.approvalDeadlineMs;
      if (deadlineMs !== undefined && patched(APPROVAL_DEADLINE_PATCH)) {
        if (!(await wait(() => state.approval !== undefined, Math.max(1, requestedAt + deadlineMs - Date.now())))) {
          state.expireApproval(Date.now());
          await records.closeApprovalTask({ taskId, decision: 'expire', by: 'system', note: `no decision within ${Math.round(deadlineMs / 3_600_000)}h` });
          await alert(`${kind}_expired`, `${amount} undecided after ${Math.round(deadlineMs / 3_600_000)}h: declined, handed to the desk`);
          await persist();
          return 'expired';
        }
      } else {
        await wait(() => state.approval !== undefined);
      }
    }
    const decision = state.approval!;
    await records.closeApprovalTask({ taskId, decision: decision.decision, by: decision.by, ...(decision.note ? { note: decision.note } : {}) });
    state.approvalSettled = true;
    return decision.decision;
  }

  /** Work for a person on the desk (the complaint queue, a finance agent), as an escalation workflow of its own. */
  async function startDeskTask(kind: DeskTaskKind, priority: Priority, summary: string) {
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
          queue: DESK_QUEUES[kind],
          priority,
          packet,
          sla: queueSlaTargets(settings.desk, DESK_QUEUES[kind], priority),
          businessHours: settings.desk.businessHours,
          csatWaitMs: settings.csatWaitMs,
          caseId: party.caseId,
        },
      ],
    });
    let settled = false;
    const result = child.result().finally(() => (settled = true));
    result.catch(() => undefined);
    const tell = async (what: string, send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>): Promise<void> => {
      if (settled || !patched(DESK_TASK_FOLLOWS_CASE_PATCH)) return;
      try {
        await send(getExternalWorkflowHandle(child.workflowId));
        state.record(what, Date.now(), { detail: task.escalationId });
      } catch (error) {
        // The task ended on the desk at the same moment: nothing is left to change.
        if (isCancellation(error)) throw error;
      }
    };
    return {
      escalationId: task.escalationId,
      result: (): Promise<EscalationView> => result,
      /** Takes the task off the desk when the case ends without it; agents' actions on it are refused from then on. */
      withdraw: (reason: string) =>
        tell(`${kind}_task_withdrawn`, async (handle) => {
          await handle.signal(withdrawSignal, { reason });
          // The task is off the desk (its agent's load released) before the case goes on or closes.
          await result.catch(() => undefined);
        }),
      /** Moves the task ahead in its queue. */
      raisePriority: (reason: string) => tell(`${kind}_task_priority_raised`, (handle) => handle.signal(raisePrioritySignal, { priority: 'high', reason })),
    };
  }

  return { persist, persistLateFacts, wait, setStatus, notify, alert, step, approval, startDeskTask, records };
}
