import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { OrderSummary } from '../../domain/dialogue/types';
import { OmsRefusal, type OrderSystem, type RefundResult, type ReturnLabel, type ShipmentResult } from '../../domain/oms/types';
import type { Models, OrderDoc } from '../db/models';

const DUPLICATE_KEY = 11000;
export const RETURN_ADDRESS = '上海市青浦区华新镇华志路 88 号 Loopdesk 退货仓 201708 (Loopdesk Returns, 88 Huazhi Rd, Qingpu, Shanghai 201708)';
const RETURN_CARRIER = 'SF Express';
/** Enough for a burst of refunds on one order; each lost race means another refund was booked. */
const MAX_SLOT_ATTEMPTS = 20;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const keyedId = (prefix: string, key: string) => `${prefix}-${digest(key).slice(0, 12).toUpperCase()}`;
const trackingFor = (key: string) => `SF${BigInt(`0x${digest(key).slice(0, 12)}`).toString().padStart(13, '0').slice(0, 13)}`;

function isDuplicateKey(error: unknown): boolean {
  return Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
}

/** Creates once under a unique key; a retry (or a racing twin) reads back the first row. */
async function createOnce<T>(create: () => Promise<unknown>, existing: () => Promise<T | null>): Promise<T> {
  const found = await existing();
  if (found) return found;
  try {
    await create();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const row = await existing();
  if (!row) throw new Error('a row written under a unique key could not be read back');
  return row;
}

export async function orderSummaryOf(models: Pick<Models, 'Product'>, order: OrderDoc): Promise<OrderSummary> {
  const products = new Map((await models.Product.find({ sku: mongoose.trusted({ $in: order.items.map((i) => i.sku) }) }, { sku: 1, name: 1, category: 1 }).lean()).map((p) => [p.sku, p]));
  return {
    orderId: order.orderId,
    status: order.status,
    placedAt: order.placedAt.toISOString(),
    ...(order.deliveredAt ? { deliveredAt: order.deliveredAt.toISOString() } : {}),
    ...(order.carrier ? { carrier: order.carrier } : {}),
    ...(order.trackingNumber ? { trackingNumber: order.trackingNumber } : {}),
    total: order.total,
    items: order.items.map((i) => {
      const product = products.get(i.sku);
      return { sku: i.sku, name: product?.name?.zh ?? i.sku, category: product?.category ?? 'unknown', quantity: i.quantity };
    }),
  };
}

/** The order system built into Loopdesk: orders, shipments, payments and refunds in MongoDB. */
export function createEmbeddedOrderSystem(models: Models): OrderSystem {
  /** The payment an order was paid with; an order seeded before payments existed counts its total as captured. */
  async function paymentFor(order: OrderDoc) {
    return createOnce(
      () => models.Payment.create({ paymentId: `PAY-${order.orderId}`, orderId: order.orderId, customerId: order.customerId, method: 'card', amount: order.total, capturedAt: order.placedAt }),
      () => models.Payment.findOne({ orderId: order.orderId }).lean(),
    );
  }

  /**
   * Reserves a refund's amount in the order's refund ledger (see refund-ledger.ts): the next slot,
   * taken only if the slots before it plus this amount stay within what was paid. A slot lost to a
   * racing refund is retried on the new total; a retry of the same refund finds its slot.
   */
  async function takeRefundSlot(input: { orderId: string; idempotencyKey: string; amount: number; paid: number; paymentId: string }): Promise<{ amount: number }> {
    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt += 1) {
      const slots = await models.RefundSlot.find({ orderId: input.orderId }, { idempotencyKey: 1, seq: 1, amount: 1 }).lean();
      const mine = slots.find((slot) => slot.idempotencyKey === input.idempotencyKey);
      if (mine) return { amount: mine.amount };
      // Refunds paid before the ledger existed count too.
      const slotted = new Set(slots.map((slot) => slot.idempotencyKey));
      const unslotted = (await models.Refund.find({ orderId: input.orderId }, { idempotencyKey: 1, amount: 1 }).lean()).filter((r) => !slotted.has(r.idempotencyKey));
      const refunded = [...slots, ...unslotted].reduce((sum, r) => sum + r.amount, 0);
      if (input.amount <= 0 || refunded + input.amount > input.paid) {
        throw new OmsRefusal('refund_rejected', `A refund of ${input.amount} would exceed the ${input.paid - refunded} left on payment ${input.paymentId}.`);
      }
      const seq = slots.reduce((max, slot) => Math.max(max, slot.seq), 0) + 1;
      try {
        await models.RefundSlot.create({ slotKey: `${input.orderId}:${seq}`, idempotencyKey: input.idempotencyKey, orderId: input.orderId, seq, amount: input.amount });
        return { amount: input.amount };
      } catch (error) {
        // Another refund took this slot (or this refund's twin took one): read the ledger again.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new Error(`refunds on order ${input.orderId} kept racing for the ledger; retry`);
  }

  return {
    async getOrder(orderId) {
      const order = await models.Order.findOne({ orderId }).lean();
      return order ? orderSummaryOf(models, order) : undefined;
    },

    async createReturnLabel(input): Promise<ReturnLabel> {
      const order = await models.Order.findOne({ orderId: input.orderId }).lean();
      if (!order) throw new OmsRefusal('order_not_found', `Order ${input.orderId} does not exist.`);
      const shipment = await createOnce(
        () =>
          models.Shipment.create({
            shipmentId: keyedId('SHP', input.idempotencyKey),
            idempotencyKey: input.idempotencyKey,
            orderId: input.orderId,
            customerId: input.customerId,
            direction: 'return',
            kind: 'return',
            rmaId: input.rmaId,
            carrier: RETURN_CARRIER,
            trackingNumber: trackingFor(input.idempotencyKey),
            status: 'label_created',
            items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
          }),
        () => models.Shipment.findOne({ idempotencyKey: input.idempotencyKey }).lean(),
      );
      return { rmaId: input.rmaId, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, labelUrl: `https://labels.loopdesk.local/${shipment.shipmentId}.pdf`, returnAddress: RETURN_ADDRESS };
    },

    async refund(input): Promise<RefundResult> {
      const earlier = await models.Refund.findOne({ idempotencyKey: input.idempotencyKey }).lean();
      if (earlier) return { refundId: earlier.refundId, amount: earlier.amount, status: 'succeeded' };
      const order = await models.Order.findOne({ orderId: input.orderId }).lean();
      if (!order) throw new OmsRefusal('order_not_found', `Order ${input.orderId} does not exist.`);
      const payment = await paymentFor(order);
      if (!payment.refundable) throw new OmsRefusal('refund_rejected', `The ${payment.method} payment ${payment.paymentId} can no longer take a refund.`);
      const slot = await takeRefundSlot({ orderId: input.orderId, idempotencyKey: input.idempotencyKey, amount: input.amount, paid: payment.amount, paymentId: payment.paymentId });
      const row = await createOnce(
        () => models.Refund.create({ refundId: keyedId('RF', input.idempotencyKey), idempotencyKey: input.idempotencyKey, orderId: input.orderId, paymentId: payment.paymentId, amount: slot.amount, reason: input.reason, status: 'succeeded' }),
        () => models.Refund.findOne({ idempotencyKey: input.idempotencyKey }).lean(),
      );
      return { refundId: row.refundId, amount: row.amount, status: 'succeeded' };
    },

    async shipReplacement(input): Promise<ShipmentResult> {
      const earlier = await models.Shipment.findOne({ idempotencyKey: input.idempotencyKey }).lean();
      if (earlier) return { shipmentId: earlier.shipmentId, carrier: earlier.carrier, trackingNumber: earlier.trackingNumber };
      const products = await models.Product.find({ sku: mongoose.trusted({ $in: input.items.map((i) => i.sku) }) }, { sku: 1, stock: 1 }).lean();
      const stock = new Map(products.map((p) => [p.sku, p.stock]));
      const short = input.items.filter((i) => {
        const left = stock.get(i.sku);
        return left === undefined || (left !== null && left < i.quantity);
      });
      if (short.length > 0) throw new OmsRefusal('out_of_stock', `Out of stock: ${short.map((i) => i.sku).join(', ')}.`);
      // Stock is reserved before the shipment row exists; a crash in between over-reserves (safe), never ships twice.
      for (const item of input.items) {
        if (stock.get(item.sku) === null) continue;
        const taken = await models.Product.updateOne({ sku: item.sku, stock: mongoose.trusted({ $gte: item.quantity }) }, { $inc: { stock: -item.quantity } });
        if (taken.modifiedCount === 0) throw new OmsRefusal('out_of_stock', `Out of stock: ${item.sku}.`);
      }
      const shipment = await createOnce(
        () =>
          models.Shipment.create({
            shipmentId: keyedId('SHP', input.idempotencyKey),
            idempotencyKey: input.idempotencyKey,
            orderId: input.orderId,
            customerId: input.customerId,
            direction: 'outbound',
            kind: 'replacement',
            carrier: RETURN_CARRIER,
            trackingNumber: trackingFor(input.idempotencyKey),
            status: 'created',
            items: input.items,
          }),
        () => models.Shipment.findOne({ idempotencyKey: input.idempotencyKey }).lean(),
      );
      return { shipmentId: shipment.shipmentId, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber };
    },
  };
}

/** Payments and outbound shipments for seeded orders, so the embedded order system has what a real one would. */
export async function seedOrderSystem(models: Models, orders: Array<{ orderId: string; customerId: string; status: string; total: number; placedAt: Date; carrier?: string; trackingNumber?: string; items: Array<{ sku: string; quantity: number }> }>): Promise<void> {
  const paid = orders.filter((o) => o.status !== 'cancelled');
  if (paid.length > 0) {
    await models.Payment.bulkWrite(
      paid.map((o) => ({
        updateOne: {
          filter: { orderId: o.orderId },
          update: { $setOnInsert: { paymentId: `PAY-${o.orderId}`, orderId: o.orderId, customerId: o.customerId, method: 'card', amount: o.total, refundable: true, capturedAt: o.placedAt } },
          upsert: true,
        },
      })),
    );
  }
  const shipped = orders.filter((o) => o.trackingNumber);
  if (shipped.length > 0) {
    await models.Shipment.bulkWrite(
      shipped.map((o) => ({
        updateOne: {
          filter: { idempotencyKey: `order:${o.orderId}` },
          update: {
            $setOnInsert: {
              shipmentId: `SHP-${o.orderId}`,
              idempotencyKey: `order:${o.orderId}`,
              orderId: o.orderId,
              customerId: o.customerId,
              direction: 'outbound',
              kind: 'order',
              carrier: o.carrier ?? RETURN_CARRIER,
              trackingNumber: o.trackingNumber ?? `${o.orderId}`,
              status: o.status === 'delivered' ? 'delivered' : 'in_transit',
              items: o.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
            },
          },
          upsert: true,
        },
      })) as never[],
    );
  }
}
