import { z } from 'zod';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from '../../domain/oms/signature';
import { OmsRefusal, type OrderSystem } from '../../domain/oms/types';

const REQUEST_TIMEOUT_MS = 10_000;

const orderSchema = z.object({
  orderId: z.string(),
  status: z.enum(['paid', 'shipped', 'delivered', 'cancelled', 'returned']),
  placedAt: z.string(),
  deliveredAt: z.string().optional(),
  carrier: z.string().optional(),
  trackingNumber: z.string().optional(),
  total: z.number(),
  items: z.array(z.object({ sku: z.string(), name: z.string(), category: z.string(), quantity: z.number() })),
});
const labelSchema = z.object({ rmaId: z.string(), carrier: z.string(), trackingNumber: z.string(), labelUrl: z.string(), returnAddress: z.string() });
const refundSchema = z.object({ refundId: z.string(), amount: z.number(), status: z.literal('succeeded') });
const shipmentSchema = z.object({ shipmentId: z.string(), carrier: z.string(), trackingNumber: z.string() });
const refusalSchema = z.object({ code: z.enum(['order_not_found', 'refund_rejected', 'out_of_stock']), message: z.string().default('') });

/**
 * A real OMS/ERP or payment gateway over HTTP. Requests are signed like Loopdesk's own webhooks
 * (HMAC-SHA256 of "<timestamp>.<body>") and carry an Idempotency-Key; a 4xx with a refusal code is a
 * business answer, anything else (5xx, timeouts, bad JSON) is transient and retried by Temporal.
 */
export function createHttpOrderSystem(opts: { baseUrl: string; secret: string }): OrderSystem {
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown, idempotencyKey?: string): Promise<T | undefined> {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1_000);
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signPayload(opts.secret, timestamp, raw),
      },
      ...(body === undefined ? {} : { body: raw }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.status === 404 && method === 'GET') return undefined;
    if (response.status >= 400 && response.status < 500) {
      const refusal = refusalSchema.safeParse(json);
      if (refusal.success) throw new OmsRefusal(refusal.data.code, refusal.data.message || `${method} ${path} refused`);
      throw new Error(`order system answered ${response.status} to ${method} ${path}: ${text.slice(0, 200)}`);
    }
    if (!response.ok) throw new Error(`order system answered ${response.status} to ${method} ${path}`);
    return schema.parse(json);
  }

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`order system returned nothing for ${what}`);
    return value;
  };

  return {
    getOrder: (orderId) => call('GET', `/orders/${encodeURIComponent(orderId)}`, orderSchema),
    createReturnLabel: async (input) =>
      required(await call('POST', '/returns/labels', labelSchema, { rmaId: input.rmaId, orderId: input.orderId, customerId: input.customerId }, input.idempotencyKey), 'a return label'),
    refund: async (input) => required(await call('POST', '/refunds', refundSchema, { orderId: input.orderId, amount: input.amount, reason: input.reason }, input.idempotencyKey), 'a refund'),
    shipReplacement: async (input) =>
      required(await call('POST', '/shipments/replacements', shipmentSchema, { orderId: input.orderId, customerId: input.customerId, items: input.items }, input.idempotencyKey), 'a shipment'),
  };
}
