import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import type { CouponLedger } from '../../activities/marketing/coupons';
import type { EventIngest } from '../../activities/marketing/events';
import { COUPON_CODE_PATTERN } from '../../domain/marketing/coupons';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import { customerIdSchema } from './profiles';

const codeParams = z.strictObject({ code: z.string().regex(COUPON_CODE_PATTERN, 'a coupon code such as LD1A2B3C4D5E or GW-1A2B3C4D5E: 4-32 capital letters, digits and "-"') });
const orderId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'an order id: 1-100 letters, digits or "_.:-"');
const orderAmount = z.number().positive('orderAmount must be above 0').max(10_000_000);

const couponView = z.object({
  code: z.string(),
  customerId: z.string(),
  amount: z.number(),
  threshold: z.number(),
  expiresAt: z.string(),
  source: z.string(),
  status: z.enum(['valid', 'redeemed', 'expired', 'void']),
  redeemedAt: z.string().optional(),
});

const REFUSALS = {
  403: { description: 'The coupon was issued to another customer' },
  404: { description: 'No coupon has this code' },
  409: { description: 'Already redeemed (on another order)' },
  410: { description: 'Expired, or void (the message offering it was never sent)' },
  422: { description: 'The order is below the coupon\'s threshold' },
};

/** Checking and redeeming coupons from the shop's checkout (an API key with the ops role). */
export function couponRoutes(table: RouteTable, deps: { coupons: CouponLedger; ingest: EventIngest; audit: AuditLog }): void {
  table.add({
    method: 'get',
    path: '/api/coupons/:code',
    summary: 'Whether a coupon can be redeemed now; with customerId and orderAmount, by that customer on that order',
    tags: ['coupons'],
    access: { roles: ['ops', 'marketer', 'supervisor', 'agent'] },
    params: codeParams,
    query: z.strictObject({ customerId: customerIdSchema.optional(), orderAmount: z.coerce.number().positive('orderAmount must be above 0').max(10_000_000).optional() }),
    responses: {
      200: { description: 'The coupon, `redeemable`, and the reason when it is not', schema: z.object({ coupon: couponView, redeemable: z.boolean(), problem: z.object({ code: z.string(), message: z.string() }).optional() }) },
      404: { description: 'No coupon has this code' },
    },
    handler: async ({ params, query }) => {
      const { coupon, problem } = await deps.coupons.check(params.code, { ...(query.customerId ? { customerId: query.customerId } : {}), ...(query.orderAmount !== undefined ? { orderAmount: query.orderAmount } : {}) });
      if (!coupon) throw new HttpError(404, problem?.code ?? 'coupon_unknown', problem?.message ?? `No coupon has the code "${params.code}".`);
      return { body: { coupon, redeemable: !problem, ...(problem ? { problem: { code: problem.code, message: problem.message } } : {}) } };
    },
  });

  table.add({
    method: 'post',
    path: '/api/coupons/:code/redeem',
    summary:
      "Redeem a coupon on an order, exactly once: checks owner, expiry and threshold, and records a coupon_redeemed event (a conversion for the customer's open campaigns). Repeating the same orderId answers as the first time.",
    tags: ['coupons'],
    access: { roles: ['ops'] },
    params: codeParams,
    body: z.strictObject({
      customerId: customerIdSchema,
      orderAmount: orderAmount.describe('The order total before the discount, checked against the threshold'),
      orderId: orderId.optional().describe('With it, a retried request for the same order gets the same 200 instead of a 409'),
    }),
    responses: {
      200: { description: 'Redeemed (or this order had redeemed it already: `replay: true`)', schema: z.object({ coupon: couponView, discount: z.number(), orderAmount: z.number(), eventId: z.string(), replay: z.boolean() }) },
      ...REFUSALS,
    },
    handler: async ({ params, body, actor, origin }) => {
      const eventId = body.orderId ? `redeem:${params.code}:${body.orderId}` : `redeem:${params.code}:${randomUUID()}`;
      const result = await deps.coupons.redeem({ code: params.code, customerId: body.customerId, orderAmount: body.orderAmount, eventId, at: new Date(), ...(body.orderId ? { orderId: body.orderId } : {}) });
      if (!result.redeemed) throw new HttpError(result.problem.status, result.problem.code, result.problem.message);
      // The event is what the funnel counts; a repeat of the same redemption records it once.
      await deps.ingest.ingest([{ eventId: result.eventId, customerId: body.customerId, type: 'coupon_redeemed', properties: { code: params.code, amount: body.orderAmount, ...(body.orderId ? { orderId: body.orderId } : {}) } }]);
      if (!result.replay) {
        await deps.audit.record({ actor, action: 'coupon.redeem', target: { type: 'coupon', id: params.code }, details: { customerId: body.customerId, orderAmount: body.orderAmount, ...(body.orderId ? { orderId: body.orderId } : {}) }, ...origin });
      }
      return { body: { coupon: result.coupon, discount: result.coupon.amount, orderAmount: body.orderAmount, eventId: result.eventId, replay: result.replay } };
    },
  });

}
