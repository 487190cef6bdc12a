import type { OrderSummary } from './types';

export const NO_REASON_DAYS = 7;
export const FAULT_DAYS = 15;
/** Finance products never; opened earbuds are personal-hygiene items: a fault, not a change of mind. */
const NEVER_RETURNABLE = new Set(['finance']);
const FAULT_ONLY = new Set(['audio']);

const DAY_MS = 86_400_000;

export type Eligibility =
  | { eligible: true; daysSinceDelivery: number }
  | { eligible: false; why: 'not_delivered' | 'already_closed' | 'excluded_category' | 'hygiene_item' | 'too_late'; daysSinceDelivery?: number; limitDays?: number };

/** The return policy of the knowledge base (kb-return-policy), as a rule. */
export function returnEligibility(order: OrderSummary, reason: 'fault' | 'no_reason', now: Date): Eligibility {
  if (order.status === 'cancelled' || order.status === 'returned') return { eligible: false, why: 'already_closed' };
  if (!order.deliveredAt || order.status !== 'delivered') return { eligible: false, why: 'not_delivered' };
  if (order.items.some((i) => NEVER_RETURNABLE.has(i.category))) return { eligible: false, why: 'excluded_category' };
  if (reason === 'no_reason' && order.items.some((i) => FAULT_ONLY.has(i.category))) return { eligible: false, why: 'hygiene_item' };
  const daysSinceDelivery = Math.floor((now.getTime() - new Date(order.deliveredAt).getTime()) / DAY_MS);
  const limitDays = reason === 'fault' ? FAULT_DAYS : NO_REASON_DAYS;
  if (daysSinceDelivery > limitDays) return { eligible: false, why: 'too_late', daysSinceDelivery, limitDays };
  return { eligible: true, daysSinceDelivery };
}
