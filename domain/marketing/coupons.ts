/**
 * Whether a coupon may be redeemed now, by this customer, on this order: one answer per reason,
 * with the HTTP status the API gives it, so the redeem endpoint, the check endpoint and the events
 * API refuse alike.
 */

export interface CouponFacts {
  code: string;
  customerId: string;
  amount: number;
  threshold: number;
  expiresAt: Date;
  redeemedAt?: Date | null;
  voidedAt?: Date | null;
}

export type CouponProblemCode = 'coupon_unknown' | 'coupon_not_owned' | 'coupon_void' | 'coupon_already_redeemed' | 'coupon_expired' | 'coupon_below_threshold';

export interface CouponProblem {
  code: CouponProblemCode;
  status: 403 | 404 | 409 | 410 | 422;
  message: string;
}

/** Campaign and journey codes are capitals and digits; a case's goodwill codes start "GW-". */
export const COUPON_CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{3,31}$/;

const money = (n: number) => `¥${Number.isInteger(n) ? n : n.toFixed(2)}`;

/** The first reason the coupon cannot be redeemed, or undefined when it can. */
export function couponProblem(coupon: CouponFacts | undefined, use: { customerId?: string; orderAmount?: number; now: number }, code = coupon?.code ?? ''): CouponProblem | undefined {
  if (!coupon) return { code: 'coupon_unknown', status: 404, message: `No coupon has the code "${code}"; check it was typed as issued (capital letters and digits).` };
  if (use.customerId !== undefined && coupon.customerId !== use.customerId) {
    return { code: 'coupon_not_owned', status: 403, message: `Coupon ${coupon.code} was issued to another customer and only they can use it.` };
  }
  if (coupon.voidedAt) return { code: 'coupon_void', status: 410, message: `Coupon ${coupon.code} was withdrawn (the message offering it was never sent) and cannot be used.` };
  if (coupon.redeemedAt) return { code: 'coupon_already_redeemed', status: 409, message: `Coupon ${coupon.code} was already redeemed on ${coupon.redeemedAt.toISOString()}; each coupon is good for one order.` };
  if (coupon.expiresAt.getTime() < use.now) return { code: 'coupon_expired', status: 410, message: `Coupon ${coupon.code} expired on ${coupon.expiresAt.toISOString()}.` };
  if (use.orderAmount !== undefined && use.orderAmount < coupon.threshold) {
    return { code: 'coupon_below_threshold', status: 422, message: `Coupon ${coupon.code} needs an order of at least ${money(coupon.threshold)}; this order is ${money(use.orderAmount)}.` };
  }
  return undefined;
}
