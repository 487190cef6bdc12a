import type { Lang } from '../language';
import type { NluResult } from '../nlu';

export interface OrderSummary {
  orderId: string;
  status: 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'returned';
  placedAt: string;
  deliveredAt?: string;
  carrier?: string;
  trackingNumber?: string;
  total: number;
  items: Array<{ sku: string; name: string; category: string; quantity: number }>;
}

export interface CustomerSummary {
  customerId: string;
  tier: 'standard' | 'silver' | 'gold' | 'platinum';
  lang: Lang;
  /** The masked number one-time codes go to, when the customer has a phone on file. */
  phoneMasked?: string;
}

export type HandoffReason = 'requested' | 'negative_sentiment' | 'low_confidence' | 'loan' | 'vip_complaint' | 'verification_failed' | 'unresolved' | 'verified_request';

export type Effect =
  | { kind: 'lookup_order'; orderId?: string; phone?: string }
  | { kind: 'send_code' }
  | { kind: 'check_code'; challengeId: string; code: string }
  | { kind: 'record_return'; order: OrderSummary; request: 'return' | 'exchange'; reason: 'fault' | 'no_reason'; details: string }
  | { kind: 'open_complaint'; details: string; orderId?: string; severity: 'normal' | 'high' }
  | { kind: 'hand_off'; reason: HandoffReason; packet: HandoffPacket };

export type EffectResult =
  | { kind: 'lookup_order'; order?: OrderSummary }
  | { kind: 'send_code'; challengeId?: string; destination?: string }
  | { kind: 'check_code'; outcome: 'ok' | 'wrong' | 'expired' | 'locked'; attemptsLeft: number }
  /** `existing`: the order already had an open return or exchange case, `requestId`; none was opened. */
  | { kind: 'record_return'; requestId: string; existing?: { orderId: string } }
  | { kind: 'open_complaint'; caseId: string }
  | { kind: 'hand_off'; handoffId: string };

export interface TurnSignal {
  intent: NluResult['intent'];
  confidence: number;
  sentiment: NluResult['sentiment'];
}

/** Everything an agent needs so the customer never repeats themself. */
export interface HandoffPacket {
  reason: HandoffReason;
  summary: string;
  lang: Lang;
  intents: TurnSignal[];
  slots: Record<string, string>;
  lastProduct?: string;
  verified: boolean;
  recentTurns: Array<{ role: string; text: string }>;
}

/** One piece of a reply: fixed text, or an answer from the knowledge base and catalog. */
export type ReplyPart = { text: string } | { answer: true };

export type Step = { kind: 'effect'; effect: Effect } | { kind: 'reply'; parts: ReplyPart[] };

export type Outcome = 'resolved_by_bot' | 'handed_off' | 'case_opened' | 'purchase_intent';
