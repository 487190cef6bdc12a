import type { Channel } from '../conversation';
import type { Lang } from '../language';
import type { QueueSlaTargets, SlaTargets } from '../escalation/routing';

export const CASE_TYPES = ['return', 'exchange', 'complaint'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export const RETURN_STATUSES = [
  'checking',
  'awaiting_pickup',
  'in_transit',
  'inspecting',
  'awaiting_approval',
  'refunding',
  'shipping_replacement',
  'awaiting_finance',
  'step_failed',
  'awaiting_csat',
  'closed',
  'cancelled',
] as const;
export const COMPLAINT_STATUSES = ['acknowledging', 'assigned', 'awaiting_approval', 'resolving', 'step_failed', 'awaiting_csat', 'closed', 'cancelled'] as const;
export const CASE_STATUSES = [...new Set([...RETURN_STATUSES, ...COMPLAINT_STATUSES])] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];
export type CaseStatus = ReturnStatus | ComplaintStatus;

/** Why a case ended; lists and reports group by it. */
export type ClosureReason =
  | 'refunded'
  | 'replaced'
  | 'ineligible'
  | 'inspection_failed'
  | 'refund_declined'
  | 'finance_settled'
  | 'pickup_timeout'
  | 'cancelled'
  | 'resolved'
  | 'resolved_by_agent'
  | 'withdrawn';

export interface TimelineEntry {
  at: string;
  type: string;
  detail?: string;
  by?: string;
  /** The event an entry came from, when it may be delivered more than once. */
  ref?: string;
}

/** Timers and thresholds a case runs with; from the configuration, shortened in tests. */
export interface CaseSettings {
  refundApprovalThreshold: number;
  approvalWaitMs: number;
  /**
   * Measured from the request for approval: still undecided then, the approval expires (declined, no
   * money moves) and a person takes the case over. Absent in cases started before it existed: they wait.
   */
  approvalDeadlineMs?: number;
  goodwillApprovalThreshold: number;
  pickupReminderMs: number[];
  pickupDeadlineMs: number;
  csatWaitMs: number;
  complaintAckMs: number;
  complaintTierMs: number[];
  /** The desk a case's complaint or finance work goes to. */
  desk: { sla: SlaTargets; slaByQueue?: QueueSlaTargets; businessHours: string };
}

export const DEFAULT_CASE_SETTINGS: CaseSettings = {
  refundApprovalThreshold: 2000,
  approvalWaitMs: 24 * 3_600_000,
  approvalDeadlineMs: 72 * 3_600_000,
  goodwillApprovalThreshold: 200,
  pickupReminderMs: [3 * 86_400_000, 7 * 86_400_000],
  pickupDeadlineMs: 14 * 86_400_000,
  csatWaitMs: 3 * 86_400_000,
  complaintAckMs: 3_600_000,
  complaintTierMs: [24 * 3_600_000, 72 * 3_600_000],
  desk: { sla: { firstResponseMs: 2 * 60_000, resolutionMs: 30 * 60_000 }, businessHours: '24x7' },
};

/** Who the case is for and how to reach them. */
export interface CaseParty {
  caseId: string;
  customerId: string;
  lang: Lang;
  /** The conversation's channel when the case came from one, else the customer's preferred channel. */
  channel?: Channel;
  conversationId?: string;
}

export interface ReturnCaseInput extends CaseParty {
  request: 'return' | 'exchange';
  orderId: string;
  reason: 'fault' | 'no_reason';
  details: string;
  settings: CaseSettings;
}

export interface ComplaintCaseInput extends CaseParty {
  details: string;
  orderId?: string;
  /** What the conversation already judged (a regulator mentioned, a lasting bad mood). */
  severityHint?: 'normal' | 'high';
  settings: CaseSettings;
}

/** Events from the outside world and from people, delivered to a case as one signal. */
export type CaseEvent =
  | { type: 'carrier'; eventId: string; status: 'picked_up' | 'in_transit' | 'delivered'; trackingNumber?: string }
  | { type: 'warehouse'; eventId: string; status: 'received' | 'inspected'; passed?: boolean; note?: string }
  | { type: 'approval'; eventId: string; decision: 'approve' | 'reject'; by: string; note?: string }
  | { type: 'resolve'; eventId: string; by: string; resolution: string; goodwillAmount?: number }
  | { type: 'csat'; eventId: string; score: number; comment?: string }
  | { type: 'note'; eventId: string; by: string; text: string }
  /** An agent on the case's desk task wrote to the customer (relayed by the desk, recorded here). */
  | { type: 'agent_reply'; eventId: string; by: string; text: string; channel?: Channel };

export interface RefundRecord {
  refundId: string;
  amount: number;
  status: 'succeeded' | 'rejected';
  idempotencyKey: string;
}

/** What screens and the read model show of a case. */
export interface CaseView {
  caseId: string;
  type: CaseType;
  status: CaseStatus;
  customerId: string;
  orderId?: string;
  conversationId?: string;
  channel?: Channel;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
  closureReason?: ClosureReason;
  priority?: 'normal' | 'high';
  severity?: string;
  tier?: number;
  rmaId?: string;
  returnTrackingNumber?: string;
  refund?: RefundRecord;
  replacementShipmentId?: string;
  couponCode?: string;
  escalationId?: string;
  approvalTaskId?: string;
  failedStep?: { name: string; message: string; at: string };
  csat?: { score: number; comment?: string };
  timeline: TimelineEntry[];
}

/** Work a case hands to people on the desk: the complaint itself, a refund for finance, a goodwill coupon nobody approved in time. */
export type DeskTaskKind = 'complaint' | 'finance' | 'goodwill';

export const caseWorkflowId = (caseId: string) => `case-${caseId}`;
