import type { CaseEvent, CaseStatus, CaseType, CaseView, ClosureReason, TimelineEntry } from './types';

/** Statuses a case may still be cancelled from: nothing has been refunded, shipped or promised yet. */
const CANCELLABLE: ReadonlySet<CaseStatus> = new Set(['checking', 'awaiting_pickup', 'in_transit', 'inspecting', 'awaiting_approval', 'acknowledging', 'assigned', 'step_failed']);
const ENDED: ReadonlySet<CaseStatus> = new Set(['closed', 'cancelled']);

const REPLY_DETAIL_CHARS = 500;

/** Why a supervisor's decision on a case is refused. */
export type ApprovalRefusal = 'case_ended' | 'approval_expired' | 'approval_decided' | 'no_pending_approval';

/** How an agent's reply reads on the timeline: where it went and (the start of) what it said. */
export function agentReplyDetail(text: string, channel: string | undefined): string {
  const shown = text.length > REPLY_DETAIL_CHARS ? `${text.slice(0, REPLY_DETAIL_CHARS)}…` : text;
  return channel ? `via ${channel}: ${shown}` : `not delivered (no reachable channel): ${shown}`;
}

/**
 * The process state of one return, exchange or complaint case: its status, the facts gathered on the
 * way and a timeline. Pure, so the workflows stay short and the rules are unit-tested.
 */
export class CaseState {
  readonly view: CaseView;
  /** Event ids already applied: a webhook or signal delivered twice changes nothing. */
  private readonly seen = new Set<string>();
  pickedUp = false;
  received = false;
  inspection: { passed: boolean; note?: string } | undefined;
  approval: { decision: 'approve' | 'reject'; by: string; note?: string } | undefined;
  /** A supervisor's decision is awaited now (set by the workflow while it waits, cleared by no one: the decision or expiry ends it). */
  approvalPending = false;
  /** The final deadline passed undecided: no decision is taken any more. */
  approvalExpired = false;
  /** The decision has been written to the approval task; a decision's caller waits for this. */
  approvalSettled = false;
  resolution: { by: string; resolution: string; goodwillAmount?: number } | undefined;
  cancelRequest: { reason: string; by: string } | undefined;
  retryRequested = false;
  /** Past the point of no return: money or goods are moving, or the resolution is being carried out. */
  committed = false;
  private resumeTo: CaseStatus | undefined;

  constructor(facts: { caseId: string; type: CaseType; customerId: string; orderId?: string; conversationId?: string; channel?: CaseView['channel'] }, status: CaseStatus, now: number) {
    const at = new Date(now).toISOString();
    this.view = {
      caseId: facts.caseId,
      type: facts.type,
      status,
      customerId: facts.customerId,
      ...(facts.orderId ? { orderId: facts.orderId } : {}),
      ...(facts.conversationId ? { conversationId: facts.conversationId } : {}),
      ...(facts.channel ? { channel: facts.channel } : {}),
      createdAt: at,
      updatedAt: at,
      timeline: [{ at, type: 'opened' }],
    };
  }

  get status(): CaseStatus {
    return this.view.status;
  }

  get isOpen(): boolean {
    return !ENDED.has(this.view.status);
  }

  get cancelled(): boolean {
    return this.cancelRequest !== undefined;
  }

  record(type: string, now: number, extra: Omit<TimelineEntry, 'at' | 'type'> = {}): void {
    const at = new Date(now).toISOString();
    this.view.timeline.push({ at, type, ...extra });
    this.view.updatedAt = at;
  }

  moveTo(status: CaseStatus, now: number, detail?: string): void {
    if (this.view.status === status) return;
    this.view.status = status;
    this.record(status, now, detail ? { detail } : {});
  }

  set<K extends keyof CaseView>(key: K, value: CaseView[K]): void {
    this.view[key] = value;
  }

  /** Applies an outside event once; answers whether anything changed. */
  apply(event: CaseEvent, now: number): boolean {
    if (this.seen.has(event.eventId)) return false;
    this.seen.add(event.eventId);
    switch (event.type) {
      case 'carrier':
        if (event.status === 'picked_up' || event.status === 'in_transit') this.pickedUp = true;
        if (event.status === 'delivered') this.pickedUp = true;
        this.record(`carrier_${event.status}`, now, event.trackingNumber ? { detail: event.trackingNumber } : {});
        return true;
      case 'warehouse':
        // A parcel at the warehouse was picked up, even if the carrier's scan never arrived.
        this.pickedUp = true;
        if (event.status === 'received') this.received = true;
        if (event.status === 'inspected') {
          this.received = true;
          this.inspection = { passed: event.passed === true, ...(event.note ? { note: event.note } : {}) };
        }
        this.record(`warehouse_${event.status}`, now, { detail: event.status === 'inspected' ? `${event.passed ? 'passed' : 'failed'}${event.note ? `: ${event.note}` : ''}` : undefined });
        return true;
      case 'approval':
        if (this.approval) return false;
        this.approval = { decision: event.decision, by: event.by, ...(event.note ? { note: event.note } : {}) };
        this.record(event.decision === 'approve' ? 'approved' : 'approval_rejected', now, { by: event.by, ...(event.note ? { detail: event.note } : {}) });
        return true;
      case 'resolve':
        if (this.resolution) return false;
        this.resolution = { by: event.by, resolution: event.resolution, ...(event.goodwillAmount ? { goodwillAmount: event.goodwillAmount } : {}) };
        this.record('resolution_proposed', now, { by: event.by, detail: event.resolution });
        return true;
      case 'csat':
        if (this.view.csat) return false;
        this.view.csat = { score: event.score, ...(event.comment ? { comment: event.comment } : {}) };
        this.record('csat', now, { detail: String(event.score) });
        return true;
      case 'note':
        this.record('note', now, { by: event.by, detail: event.text });
        return true;
      case 'agent_reply':
        this.record('agent_replied', now, { by: event.by, detail: agentReplyDetail(event.text, event.channel), ref: event.eventId });
        return true;
    }
  }

  /**
   * Nobody decided before the final deadline: the approval counts as declined, so a decision that
   * arrives later changes nothing and no money moves on it.
   */
  expireApproval(now: number): void {
    if (this.approval) return;
    this.approval = { decision: 'reject', by: 'system', note: 'no decision before the deadline' };
    this.approvalExpired = true;
    this.record('approval_expired', now, { by: 'system', detail: this.approval.note });
  }

  /**
   * Why a supervisor's decision is refused now (nothing waits, already decided, expired), or
   * undefined when it may be taken. The code names the refusal for the API's 409.
   */
  problemWithDecision(): { code: ApprovalRefusal; message: string } | undefined {
    if (!this.isOpen) return { code: 'case_ended', message: `this case has ended (${this.view.status}); it takes no decision` };
    if (this.approvalExpired) return { code: 'approval_expired', message: 'the approval expired without a decision before its deadline; nothing was paid and a person on the desk has taken it over' };
    if (this.approval) return { code: 'approval_decided', message: `the approval was already ${this.approval.decision === 'approve' ? 'approved' : 'rejected'} by ${this.approval.by}; a second decision changes nothing` };
    if (this.cancelled) return { code: 'case_ended', message: 'this case is being cancelled; it takes no decision' };
    if (!this.approvalPending) return { code: 'no_pending_approval', message: 'nothing on this case is waiting for approval' };
    return undefined;
  }

  /** A supervisor's decision taken through the case's decision Update (validated by problemWithDecision first). */
  decide(decision: { decision: 'approve' | 'reject'; by: string; note?: string }, now: number): void {
    this.apply({ type: 'approval', eventId: `decision:${this.view.approvalTaskId ?? 'approval'}`, ...decision }, now);
  }

  /** Why a cancellation is refused now, or undefined when it may go ahead. */
  problemWithCancel(): string | undefined {
    if (!this.isOpen) return `this case has ended (${this.view.status})`;
    if (this.cancelRequest) return 'this case is already being cancelled';
    if (this.committed) return 'the refund, replacement or resolution is already under way';
    if (!CANCELLABLE.has(this.view.status)) return `a case cannot be cancelled while ${this.view.status.replace(/_/g, ' ')}`;
    return undefined;
  }

  requestCancel(reason: string, by: string, now: number): void {
    this.cancelRequest = { reason, by };
    this.record('cancel_requested', now, { by, detail: reason });
  }

  problemWithRetry(): string | undefined {
    return this.view.status === 'step_failed' ? undefined : 'no step has failed; nothing to retry';
  }

  /** A step ran out of retries: the case waits for ops to retry it, rather than failing. */
  stepFailed(name: string, message: string, now: number): void {
    this.resumeTo = this.view.status;
    this.view.failedStep = { name, message, at: new Date(now).toISOString() };
    this.retryRequested = false;
    this.moveTo('step_failed', now, `${name}: ${message}`);
  }

  requestRetry(by: string, now: number): void {
    this.record('retry', now, { by, detail: this.view.failedStep?.name });
    delete this.view.failedStep;
    this.view.status = this.resumeTo ?? this.view.status;
    this.retryRequested = true;
  }

  close(reason: ClosureReason, now: number, status: 'closed' | 'cancelled' = 'closed'): void {
    this.view.closureReason = reason;
    this.view.closedAt = new Date(now).toISOString();
    this.moveTo(status, now, reason);
  }
}
