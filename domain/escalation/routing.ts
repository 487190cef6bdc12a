import type { HandoffPacket } from '../dialogue/types';

export const QUEUES = ['general', 'returns', 'complaints', 'finance'] as const;
export type Queue = (typeof QUEUES)[number];
export type Priority = 'normal' | 'high';

export interface SlaTargets {
  firstResponseMs: number;
  resolutionMs: number;
}

const MINUTE = 60_000;

/** Default targets per priority; high priority (VIP or angry customers) gets half the time. */
export function slaTargets(base: SlaTargets, priority: Priority): SlaTargets {
  return priority === 'high' ? { firstResponseMs: Math.round(base.firstResponseMs / 2), resolutionMs: Math.round(base.resolutionMs / 2) } : base;
}

export const DEFAULT_SLA: SlaTargets = { firstResponseMs: 2 * MINUTE, resolutionMs: 30 * MINUTE };

/** Targets for queues whose work takes longer than a chat (a complaint, a refund); other queues take the desk's own. */
export type QueueSlaTargets = Partial<Record<Queue, SlaTargets>>;

/** The SLA part of the desk settings a workflow is started with; inputs from before per-queue targets carry `sla` alone. */
export interface DeskSla {
  sla: SlaTargets;
  slaByQueue?: QueueSlaTargets;
}

/** The targets for one piece of work: its queue's (or the desk's), halved for high priority. */
export function queueSlaTargets(desk: DeskSla, queue: Queue, priority: Priority): SlaTargets {
  return slaTargets(desk.slaByQueue?.[queue] ?? desk.sla, priority);
}

const FINANCE_INTENTS = new Set(['financial_product', 'loan']);

/** Which skill queue a hand-off goes to, from why it happened and what the customer was after. */
export function queueFor(packet: Pick<HandoffPacket, 'reason' | 'intents' | 'slots'>): Queue {
  if (packet.reason === 'loan') return 'finance';
  const intents = packet.intents.map((s) => s.intent);
  if (packet.reason === 'vip_complaint' || packet.slots.complaint || intents.at(-1) === 'complaint') return 'complaints';
  if (intents.some((i) => FINANCE_INTENTS.has(i))) return 'finance';
  if (packet.slots.return_request || intents.some((i) => i === 'return_exchange' || i === 'refund_status')) return 'returns';
  return 'general';
}

/** VIP members and customers who are upset go first. */
export function priorityFor(packet: Pick<HandoffPacket, 'reason' | 'intents'>, tier: string | undefined): Priority {
  if (tier === 'gold' || tier === 'platinum') return 'high';
  if (packet.reason === 'negative_sentiment' || packet.reason === 'vip_complaint') return 'high';
  const recent = packet.intents.slice(-2);
  return recent.length > 0 && recent.every((s) => s.sentiment === 'negative') ? 'high' : 'normal';
}
