import mongoose from 'mongoose';
import type { Models } from '../db/models';
import { isDuplicateKey } from '../db/marketing';
import { couponProblem, type CouponFacts, type CouponProblem } from '../../domain/marketing/coupons';

export interface CouponView {
  code: string;
  customerId: string;
  amount: number;
  threshold: number;
  expiresAt: string;
  source: string;
  status: 'valid' | 'redeemed' | 'expired' | 'void';
  redeemedAt?: string;
}

export interface Redemption {
  code: string;
  customerId: string;
  /** Checked against the threshold when given (a coupon_redeemed event may not say). */
  orderAmount?: number;
  orderId?: string;
  /** The behaviour event the redemption is recorded as. */
  eventId: string;
  at: Date;
}

export type RedeemResult = { redeemed: true; replay: boolean; coupon: CouponView; eventId: string } | { redeemed: false; problem: CouponProblem };

function view(row: CouponFacts & { source: string }, now: number): CouponView {
  const status = row.voidedAt ? 'void' : row.redeemedAt ? 'redeemed' : row.expiresAt.getTime() < now ? 'expired' : 'valid';
  return {
    code: row.code,
    customerId: row.customerId,
    amount: row.amount,
    threshold: row.threshold,
    expiresAt: row.expiresAt.toISOString(),
    source: row.source,
    status,
    ...(row.redeemedAt ? { redeemedAt: row.redeemedAt.toISOString() } : {}),
  };
}

/**
 * Coupons are settled once: redeemed on one order, or voided when the message offering them is
 * never sent. Both go through one insert under the coupon's code (`coupon_settlements`, unique), so
 * of two requests racing for the same coupon exactly one wins, whatever the database's update
 * semantics; the coupon row's `redeemedAt` / `voidedAt` are then set from the winner.
 */
export function createCouponLedger(models: Models) {
  /**
   * A marketing coupon, or else a goodwill coupon a case issued (no threshold; its settlement row
   * alone says whether it was used), so the checkout redeems either through the same endpoint.
   */
  async function find(code: string): Promise<(CouponFacts & { source: string }) | undefined> {
    const coupon = await models.Coupon.findOne({ code }).lean();
    if (coupon) return coupon;
    const goodwill = await models.GoodwillCoupon.findOne({ code }).lean();
    if (!goodwill) return undefined;
    const settled = await models.CouponSettlement.findOne({ code }, { outcome: 1, at: 1 }).lean();
    return {
      code,
      customerId: goodwill.customerId,
      amount: goodwill.amount,
      threshold: 0,
      expiresAt: goodwill.expiresAt,
      source: `case:${goodwill.caseId}`,
      ...(settled?.outcome === 'redeemed' ? { redeemedAt: settled.at } : settled?.outcome === 'voided' ? { voidedAt: settled.at } : {}),
    };
  }

  /** Mirrors the settlement onto the coupon (again, harmlessly, after a crash between the two writes). */
  async function applySettlement(settlement: { code: string; outcome: string; eventId?: string | null; reason?: string | null; at: Date }): Promise<void> {
    const set = settlement.outcome === 'redeemed' ? { redeemedAt: settlement.at, ...(settlement.eventId ? { redemptionEventId: settlement.eventId } : {}) } : { voidedAt: settlement.at, voidReason: settlement.reason ?? 'not_sent' };
    await models.Coupon.updateOne({ code: settlement.code }, { $set: set });
  }

  /** Inserts the settlement; on a collision, the one already there. */
  async function settle(row: { code: string; outcome: 'redeemed' | 'voided'; customerId: string; redemptionKey?: string; orderId?: string; orderAmount?: number; eventId?: string; reason?: string; at: Date }) {
    try {
      await models.CouponSettlement.create(row);
      await applySettlement(row);
      return { won: true as const, settlement: row };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await models.CouponSettlement.findOne({ code: row.code }).lean();
      if (!existing) throw error;
      await applySettlement(existing);
      return { won: false as const, settlement: existing };
    }
  }

  /**
   * Voids the coupons offered by an outbox row that will never be sent (suppressed, failed for
   * good), so no live coupon is left that nobody was told about. A coupon already redeemed stays.
   */
  async function voidForDelivery(deliveryKey: string, reason: string, at = new Date()): Promise<number> {
    // Campaign coupons are keyed like their outbox row; journeys' name their row in deliveryKey. Two indexed equalities.
    const [keyed, named] = await Promise.all([models.Coupon.findOne({ couponKey: deliveryKey }, { code: 1, customerId: 1 }).lean(), models.Coupon.find({ deliveryKey }, { code: 1, customerId: 1 }).lean()]);
    const rows = new Map([...(keyed ? [keyed] : []), ...named].map((row) => [row.code, row]));
    let voided = 0;
    for (const row of rows.values()) {
      const result = await settle({ code: row.code, outcome: 'voided', customerId: row.customerId, reason, at });
      if (result.won) voided++;
    }
    return voided;
  }

  /** Stops a customer's queued marketing rows on the given channels and voids the coupons they offered. */
  async function stopQueuedMarketing(customerId: string, channels: readonly string[], reason: string): Promise<number> {
    const rows = await models.Delivery.find({ customerId, purpose: 'marketing', status: 'queued', channel: mongoose.trusted({ $in: [...channels] }) }, { idempotencyKey: 1 }).lean();
    let stopped = 0;
    for (const row of rows) {
      const result = await models.Delivery.updateOne({ idempotencyKey: row.idempotencyKey, status: 'queued' }, { $set: { status: 'failed', failureReason: reason } });
      stopped += result.modifiedCount;
      await voidForDelivery(row.idempotencyKey, reason);
    }
    return stopped;
  }

  return {
    async check(code: string, use: { customerId?: string; orderAmount?: number }, now = Date.now()): Promise<{ coupon?: CouponView; problem?: CouponProblem }> {
      const row = await find(code);
      const problem = couponProblem(row, { ...use, now }, code);
      return { ...(row ? { coupon: view(row, now) } : {}), ...(problem ? { problem } : {}) };
    },

    /**
     * Redeems a coupon for an order, exactly once. The same redemption asked again (same order id,
     * or same event id) answers as the first did, so a client retrying after a timeout gets its 200.
     */
    async redeem(input: Redemption): Promise<RedeemResult> {
      const now = input.at.getTime();
      const redemptionKey = input.orderId ? `order:${input.orderId}` : `event:${input.eventId}`;
      const row = await find(input.code);
      const problem = couponProblem(row, { customerId: input.customerId, ...(input.orderAmount !== undefined ? { orderAmount: input.orderAmount } : {}), now }, input.code);
      if (!row) return { redeemed: false, problem: problem! };
      if (problem && problem.code !== 'coupon_already_redeemed') return { redeemed: false, problem };
      const result = await settle({
        code: input.code,
        outcome: 'redeemed',
        customerId: input.customerId,
        redemptionKey,
        ...(input.orderAmount !== undefined ? { orderAmount: input.orderAmount } : {}),
        eventId: input.eventId,
        at: input.at,
        ...(input.orderId ? { orderId: input.orderId } : {}),
      });
      const settled = result.settlement;
      const sameRedemption = settled.outcome === 'redeemed' && settled.redemptionKey === redemptionKey && settled.customerId === input.customerId;
      if (!result.won && !sameRedemption) {
        const fresh = (await find(input.code)) ?? row;
        // The other settlement is mirrored onto the coupon by now, so this names it (redeemed or void).
        return { redeemed: false, problem: couponProblem({ ...fresh, ...(settled.outcome === 'voided' ? { voidedAt: settled.at } : { redeemedAt: settled.at }) }, { now }, input.code)! };
      }
      const after = (await find(input.code)) ?? row;
      return { redeemed: true, replay: !result.won, coupon: view(after, now), eventId: settled.eventId ?? input.eventId };
    },

    voidForDelivery,
    stopQueuedMarketing,
  };
}

export type CouponLedger = ReturnType<typeof createCouponLedger>;
