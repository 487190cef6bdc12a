import type { Models } from '../db/models';
import { isDuplicateKey, trustedQuery } from '../db/marketing';
import type { BehaviourEventInput } from '../../domain/marketing/events';
import type { RfmStore } from './rfm';
import type { MarketingTemporal } from './temporal';

/** How long after a conversation a purchase still counts for the reply strategy it was given. */
const EXPERIMENT_ATTRIBUTION_MS = 7 * 86_400_000;

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

  async function onPurchase(e: Extract<BehaviourEventInput, { type: 'purchase' }>, at: Date): Promise<void> {
    const move = await deps.rfm.refreshCustomer(e.customerId);
    if (move?.to === 'at_risk') await deps.temporal.startJourney('win_back', e.customerId);
    const open = await models.CampaignTarget.find(
      trustedQuery({ customerId: e.customerId, windowEndsAt: { $gte: at }, createdAt: { $lte: at }, convertedAt: { $exists: false } }),
      { runId: 1 },
    ).lean();
    for (const runId of new Set(open.map((t) => t.runId))) {
      await deps.temporal.signalConversion(runId, { customerId: e.customerId, eventId: e.eventId, amount: e.properties.amount, at: at.toISOString() });
    }
    await models.Exposure.updateMany(
      trustedQuery({ customerId: e.customerId, at: { $gte: new Date(at.getTime() - EXPERIMENT_ATTRIBUTION_MS), $lte: at }, convertedAt: { $exists: false } }),
      { $set: { convertedAt: at, revenue: e.properties.amount } },
    );
    if (e.properties.couponCode) await redeem(e.customerId, e.properties.couponCode, e.eventId, at);
  }

  async function redeem(customerId: string, code: string, eventId: string, at: Date): Promise<void> {
    await models.Coupon.updateOne(trustedQuery({ code, customerId, redeemedAt: { $exists: false } }), { $set: { redeemedAt: at, redemptionEventId: eventId } });
  }

  async function unsubscribe(customerId: string, channel: 'sms' | 'email' | 'wechat' | 'app' | 'all'): Promise<void> {
    const update = channel === 'all' ? { doNotContact: true, 'consent.sms': false, 'consent.email': false, 'consent.wechat': false, 'consent.app': false } : { [`consent.${channel}`]: false };
    await models.Customer.updateOne({ customerId }, { $set: update });
  }

  return {
    async ingest(events: BehaviourEventInput[], now = new Date()): Promise<IngestResult> {
      const result = await store(events, now);
      for (const e of events) {
        const at = e.occurredAt ? new Date(e.occurredAt) : now;
        if (e.type === 'purchase') await onPurchase(e, at);
        else if (e.type === 'coupon_redeemed') await redeem(e.customerId, e.properties.code, e.eventId, at);
        else if (e.type === 'unsubscribe') await unsubscribe(e.customerId, e.properties.channel);
      }
      return result;
    },
  };
}

export type EventIngest = ReturnType<typeof createEventIngest>;
