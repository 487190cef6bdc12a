/** The behaviour events the events API takes, validated before anything is stored. */
import { z } from 'zod';
import { COUPON_CODE_PATTERN } from './coupons';

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits and _ . : - (at most 128)');
const sku = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a SKU such as PH-X5-128');
const at = z.iso.datetime({ offset: true, message: 'an ISO 8601 time such as 2026-11-24T08:00:00Z' });

const base = { eventId: id, customerId: id, occurredAt: at.optional() };

export const behaviourEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('page_view'), properties: z.strictObject({ path: z.string().min(1).max(512) }) }),
  z.strictObject({ ...base, type: z.literal('product_view'), properties: z.strictObject({ sku }) }),
  z.strictObject({ ...base, type: z.literal('consult'), properties: z.strictObject({ sku: sku.optional(), category: z.string().max(64).optional(), conversationId: id.optional() }) }),
  z.strictObject({ ...base, type: z.literal('add_to_cart'), properties: z.strictObject({ sku, quantity: z.number().int().min(1).max(999).default(1) }) }),
  z.strictObject({
    ...base,
    type: z.literal('purchase'),
    properties: z.strictObject({
      orderId: id.optional(),
      amount: z.number().positive('amount must be above 0').max(10_000_000),
      items: z.array(sku).min(1, 'a purchase has at least one item').max(200),
      couponCode: z.string().max(32).optional(),
    }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('coupon_redeemed'),
    properties: z.strictObject({
      code: z.string().regex(COUPON_CODE_PATTERN, 'a coupon code such as LD1A2B3C4D5E or GW-1A2B3C4D5E'),
      orderId: id.optional(),
      amount: z.number().positive('amount must be above 0').max(10_000_000).optional().describe("The order's amount: checked against the coupon's threshold and counted as the conversion's revenue"),
    }),
  }),
  z.strictObject({ ...base, type: z.literal('unsubscribe'), properties: z.strictObject({ channel: z.enum(['sms', 'email', 'wechat', 'app', 'all']) }) }),
]);

export type BehaviourEventInput = z.output<typeof behaviourEventSchema>;
export const EVENT_TYPES = ['page_view', 'product_view', 'consult', 'add_to_cart', 'purchase', 'coupon_redeemed', 'unsubscribe'] as const;
