import { Schema, type InferSchemaType } from 'mongoose';

/**
 * The embedded order system's refunds on an order, in order: each refund first takes the next
 * slot (`<orderId>:<seq>`, unique) after checking the total of the slots before it against the
 * payment. Two refunds racing for one slot cannot both take it, so the loser re-reads the total
 * (now with the winner's amount) before it tries the next: an order can never be refunded more
 * than was paid, without transactions or atomic increments.
 */
export const refundSlotSchema = new Schema(
  {
    slotKey: { type: String, required: true, unique: true },
    /** One slot per refund, whatever retries happen. */
    idempotencyKey: { type: String, required: true, unique: true },
    orderId: { type: String, required: true, index: true },
    seq: { type: Number, required: true },
    amount: { type: Number, required: true },
  },
  { timestamps: true },
);

export type RefundSlotDoc = InferSchemaType<typeof refundSlotSchema>;
