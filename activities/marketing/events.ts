import type { Models } from '../db/models';
import { isDuplicateKey, trustedQuery } from '../db/marketing';
import type { BehaviourEventInput } from '../../domain/marketing/events';
import type { CouponProblem } from '../../domain/marketing/coupons';
import { createCouponLedger } from './coupons';
import type { RfmStore } from './rfm';
import type { MarketingTemporal } from './temporal';

/** How long after a conversation a purchase still counts for the reply strategy it was given. */
const EXPERIMENT_ATTRIBUTION_MS = 7 * 86_400_000;

/** Every channel that has marketing consent, for an unsubscribe from "all". */
const CONSENT_CHANNELS = ['sms', 'email', 'wechat', 'app'] as const;

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/**
 * Stores behaviour events once each (by event id) and applies what they mean: purchases refresh
 * the buyer's RFM aggregate and count as conversions for open campaign runs and reply
 * experiments, redemptions close coupons, unsubscribes withdraw consent. Every effect is keyed or
 * set-if-unset, so a retried batch or a replayed event changes nothing twice.
 */
export function createEventIngest(deps: { models: Models; rfm: RfmStore; temporal: Pick<MarketingTemporal, 'signalConversion' | 'startJourney'> }) {
  const { models } = deps;
  const coupons = createCouponLedger(models);

  async function store(events: BehaviourEventInput[], now: Date): Promise<IngestResult> {
    const rows = events.map((e) => ({ eventId: e.eventId, customerId: e.customerId, type: e.type, occurredAt: e.occurredAt ? new Date(e.occurredAt) : now, properties: e.properties }));
    try {
      await models.BehaviourEvent.insertMany(rows, { ordered: false });
      return { accepted: rows.length, duplicates: 0 };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const duplicates = ((error as { writeErrors?: unknown[] }).writeErrors ?? [error]).length;
      return { accepted: rows.length - duplicates, duplicates };
    }
  }

  /** A purchase or a redemption counts as a conversion for the customer's campaign runs whose window is open. */
  async function signalOpenRuns(customerId: string, eventId: string, amount: number, at: Date): Promise<void> {
    const open = await models.CampaignTarget.find(
      trustedQuery({ customerId, windowEndsAt: { $gte: at }, createdAt: { $lte: at }, convertedAt: { $exists: false } }),
      { runId: 1 },
    ).lean();
    for (const runId of new Set(open.map((t) => t.runId))) {
      await deps.temporal.signalConversion(runId, { customerId, eventId, amount, at: at.toISOString() });
    }
  }

  async function onPurchase(e: Extract<BehaviourEventInput, { type: 'purchase' }>, at: Date): Promise<void> {
    const move = await deps.rfm.refreshCustomer(e.customerId);
    if (move?.to === 'at_risk') await deps.temporal.startJourney('win_back', e.customerId);
    await signalOpenRuns(e.customerId, e.eventId, e.properties.amount, at);
    await models.Exposure.updateMany(
      trustedQuery({ customerId: e.customerId, at: { $gte: new Date(at.getTime() - EXPERIMENT_ATTRIBUTION_MS), $lte: at }, convertedAt: { $exists: false } }),
      { $set: { convertedAt: at, revenue: e.properties.amount } },
    );
    if (e.properties.couponCode) await coupons.redeem({ code: e.properties.couponCode, customerId: e.customerId, orderAmount: e.properties.amount, eventId: e.eventId, at, ...(e.properties.orderId ? { orderId: e.properties.orderId } : {}) });
  }

  async function onRedeemed(e: Extract<BehaviourEventInput, { type: 'coupon_redeemed' }>, at: Date): Promise<void> {
    const result = await coupons.redeem({ code: e.properties.code, customerId: e.customerId, eventId: e.eventId, at, ...(e.properties.orderId ? { orderId: e.properties.orderId } : {}), ...(e.properties.amount !== undefined ? { orderAmount: e.properties.amount } : {}) });
    if (result.redeemed) await signalOpenRuns(e.customerId, e.eventId, e.properties.amount ?? 0, at);
  }

  /** Withdraws consent (all channels: do-not-contact too) and stops the marketing already queued there. */
  async function unsubscribe(customerId: string, channel: 'sms' | 'email' | 'wechat' | 'app' | 'all'): Promise<void> {
    const update = channel === 'all' ? { doNotContact: true, 'consent.sms': false, 'consent.email': false, 'consent.wechat': false, 'consent.app': false } : { [`consent.${channel}`]: false };
    await models.Customer.updateOne({ customerId }, { $set: update });
    await coupons.stopQueuedMarketing(customerId, channel === 'all' ? CONSENT_CHANNELS : [channel], channel === 'all' ? 'do_not_contact' : 'no_consent');
  }

  /**
   * The first event naming a coupon that cannot be redeemed by it: unknown, someone else's, void,
   * expired, below its threshold, or already redeemed by another event. Checked before anything is
   * stored, so a refused batch records nothing; an event already recorded passes (a retry).
   */
  async function couponProblemIn(events: BehaviourEventInput[], now: Date): Promise<{ index: number; problem: CouponProblem } | undefined> {
    for (const [index, e] of events.entries()) {
      const use = e.type === 'coupon_redeemed' ? { code: e.properties.code, amount: e.properties.amount } : e.type === 'purchase' ? { code: e.properties.couponCode, amount: e.properties.amount } : undefined;
      const code = use?.code;
      if (!code) continue;
      const at = e.occurredAt ? new Date(e.occurredAt) : now;
      const amount = use.amount;
      const { coupon, problem } = await coupons.check(code, { customerId: e.customerId, ...(amount !== undefined ? { orderAmount: amount } : {}) }, at.getTime());
      if (!problem) continue;
      if (problem.code === 'coupon_already_redeemed' && coupon) {
        const settled = await models.CouponSettlement.findOne({ code }, { eventId: 1 }).lean();
        if (settled?.eventId === e.eventId) continue;
      }
      return { index, problem };
    }
    return undefined;
  }

  return {
    async ingest(events: BehaviourEventInput[], now = new Date()): Promise<IngestResult> {
      const result = await store(events, now);
      for (const e of events) {
        const at = e.occurredAt ? new Date(e.occurredAt) : now;
        if (e.type === 'purchase') await onPurchase(e, at);
        else if (e.type === 'coupon_redeemed') await onRedeemed(e, at);
        else if (e.type === 'unsubscribe') await unsubscribe(e.customerId, e.properties.channel);
      }
      return result;
    },
    couponProblemIn,
  };
}

export type EventIngest = ReturnType<typeof createEventIngest>;
