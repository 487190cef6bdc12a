import type { OrderSummary } from '../dialogue/types';

/**
 * The order system a case talks to: orders, return labels, refunds and replacement shipments.
 * The embedded one keeps them in MongoDB; a real OMS/ERP or payment gateway plugs in over HTTP.
 * Every write carries an idempotency key, so a retried call changes nothing the second time.
 */
export interface OrderSystem {
  getOrder(orderId: string): Promise<OrderSummary | undefined>;
  createReturnLabel(input: { idempotencyKey: string; rmaId: string; orderId: string; customerId: string }): Promise<ReturnLabel>;
  refund(input: { idempotencyKey: string; orderId: string; amount: number; reason: string }): Promise<RefundResult>;
  shipReplacement(input: { idempotencyKey: string; orderId: string; customerId: string; items: Array<{ sku: string; quantity: number }> }): Promise<ShipmentResult>;
}

export interface ReturnLabel {
  rmaId: string;
  carrier: string;
  trackingNumber: string;
  labelUrl: string;
  returnAddress: string;
}

export interface RefundResult {
  refundId: string;
  amount: number;
  status: 'succeeded';
}

export interface ShipmentResult {
  shipmentId: string;
  carrier: string;
  trackingNumber: string;
}

/** A business answer from the order system: retrying the same call cannot change it. */
export type OmsRefusalCode = 'order_not_found' | 'refund_rejected' | 'out_of_stock';

export class OmsRefusal extends Error {
  override name = 'OmsRefusal';
  constructor(
    readonly code: OmsRefusalCode,
    message: string,
  ) {
    super(message);
  }
}
