import { Schema, type InferSchemaType } from 'mongoose';

/**
 * The embedded order system's own records beside `orders`, and the case machinery's tasks, coupons
 * and webhook receipts. Every write is keyed by a unique index, so retries never double anything.
 */

/** Outbound (an order's delivery, a replacement) and inbound (a return under an RMA) parcels. */
export const shipmentSchema = new Schema(
  {
    shipmentId: { type: String, required: true, unique: true },
    idempotencyKey: { type: String, required: true, unique: true },
    orderId: { type: String, required: true, index: true },
    customerId: { type: String, required: true },
    direction: { type: String, enum: ['outbound', 'return'], required: true },
    kind: { type: String, enum: ['order', 'replacement', 'return'], required: true },
    rmaId: { type: String },
    carrier: { type: String, required: true },
    trackingNumber: { type: String, required: true, index: true },
    status: { type: String, required: true },
    items: [{ sku: { type: String, required: true }, quantity: { type: Number, required: true } }],
  },
  { timestamps: true },
);

/** The money captured for an order; refunds draw on it. */
export const paymentSchema = new Schema(
  {
    paymentId: { type: String, required: true, unique: true },
    orderId: { type: String, required: true, unique: true },
    customerId: { type: String, required: true },
    method: { type: String, required: true },
    amount: { type: Number, required: true },
    currency: { type: String, default: 'CNY' },
    /** A closed card or account cannot take a refund back: the gateway rejects it. */
    refundable: { type: Boolean, default: true },
    capturedAt: { type: Date, required: true },
  },
  { timestamps: true },
);

/** One row per refund; the idempotency key is unique, so a retried refund returns the first. */
export const refundSchema = new Schema(
  {
    refundId: { type: String, required: true, unique: true },
    idempotencyKey: { type: String, required: true, unique: true },
    orderId: { type: String, required: true, index: true },
    paymentId: { type: String, required: true },
    amount: { type: Number, required: true },
    reason: { type: String, default: '' },
    status: { type: String, enum: ['succeeded'], required: true },
  },
  { timestamps: true },
);

/** Work a person must do for a case: a supervisor's approval of a large refund or goodwill coupon. */
export const caseTaskSchema = new Schema(
  {
    taskId: { type: String, required: true, unique: true },
    caseId: { type: String, required: true, index: true },
    kind: { type: String, enum: ['refund_approval', 'goodwill_approval'], required: true },
    role: { type: String, required: true },
    amount: { type: Number, required: true },
    status: { type: String, enum: ['open', 'escalated', 'approved', 'rejected', 'expired'], required: true },
    escalatedAt: { type: Date },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    note: { type: String },
  },
  { timestamps: true },
);
caseTaskSchema.index({ status: 1, createdAt: -1 });

/** A goodwill coupon: at most one per case, whatever retries or replays happen. */
export const goodwillCouponSchema = new Schema(
  {
    caseId: { type: String, required: true, unique: true },
    code: { type: String, required: true, unique: true },
    customerId: { type: String, required: true, index: true },
    amount: { type: Number, required: true },
    currency: { type: String, default: 'CNY' },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true },
);

/** Carrier and warehouse webhook deliveries already taken, by the sender's event id. */
export const webhookEventSchema = new Schema(
  {
    eventKey: { type: String, required: true, unique: true },
    source: { type: String, enum: ['carrier', 'warehouse'], required: true },
    caseId: { type: String },
    payload: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, minimize: false },
);

export type ShipmentDoc = InferSchemaType<typeof shipmentSchema>;
export type PaymentDoc = InferSchemaType<typeof paymentSchema>;
export type RefundDoc = InferSchemaType<typeof refundSchema>;
export type CaseTaskDoc = InferSchemaType<typeof caseTaskSchema>;
export type GoodwillCouponDoc = InferSchemaType<typeof goodwillCouponSchema>;
export type WebhookEventDoc = InferSchemaType<typeof webhookEventSchema>;
