import { z } from 'zod';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../domain/oms/signature';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import type { CaseService } from '../services/cases';

const eventId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "the sender's event id: letters, digits and _ . : -");
const rmaId = z.string().regex(/^RMA-[0-9A-Z]{4,40}$/, 'an RMA number such as RMA-0123456789');

const carrierEvent = z
  .strictObject({ eventId, status: z.enum(['picked_up', 'in_transit', 'delivered']), trackingNumber: z.string().regex(/^[A-Za-z0-9-]{4,64}$/).optional(), rmaId: rmaId.optional(), occurredAt: z.iso.datetime().optional() })
  .refine((e) => e.trackingNumber || e.rmaId, 'give trackingNumber or rmaId');
const warehouseEvent = z
  .strictObject({ eventId, rmaId, status: z.enum(['received', 'inspected']), passed: z.boolean().optional(), note: z.string().max(1_000).optional(), occurredAt: z.iso.datetime().optional() })
  .refine((e) => e.status !== 'inspected' || e.passed !== undefined, 'an inspection result needs passed: true or false');

const SIGNING = `Signed: header ${TIMESTAMP_HEADER} (Unix seconds) and ${SIGNATURE_HEADER} = hex HMAC-SHA256 of "<timestamp>.<raw body>" with WEBHOOK_SECRET; a duplicate eventId is acknowledged and ignored.`;

/** Carrier and warehouse webhooks: authenticated by signature, not by token, and idempotent by event id. */
export function omsWebhookRoutes(table: RouteTable, deps: { cases: CaseService; secret: string | undefined; toleranceMs: number }): void {
  function verified<T>(req: { body: unknown; get(name: string): string | undefined }, schema: z.ZodType<T>): T {
    if (!deps.secret) throw new HttpError(503, 'not_configured', 'Webhooks are off: set WEBHOOK_SECRET.');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const problem = verifySignature({ secret: deps.secret, rawBody, signature: req.get(SIGNATURE_HEADER), timestamp: req.get(TIMESTAMP_HEADER), nowMs: Date.now(), toleranceMs: deps.toleranceMs });
    if (problem) throw new HttpError(401, 'bad_signature', `The webhook signature is ${problem}. ${SIGNING}`);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_request', 'The event is not valid.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    }
    return parsed.data;
  }

  const responses = { 200: { description: 'Taken (or a duplicate, ignored)' }, 401: { description: 'Missing, stale or wrong signature' }, 404: { description: 'No return case has this RMA or tracking number' }, 409: { description: 'The case has ended' } };

  table.add({
    method: 'post',
    path: '/api/oms/webhooks/carrier',
    summary: `Carrier scan of a return parcel {eventId, status: picked_up|in_transit|delivered, trackingNumber or rmaId}. ${SIGNING}`,
    tags: ['oms'],
    access: { public: true },
    responses,
    handler: async ({ req }) => {
      const event = verified(req, carrierEvent);
      return {
        body: await deps.cases.takeWebhook('carrier', event, (key) => ({ type: 'carrier', eventId: key, status: event.status, ...(event.trackingNumber ? { trackingNumber: event.trackingNumber } : {}) })),
      };
    },
  });

  table.add({
    method: 'post',
    path: '/api/oms/webhooks/warehouse',
    summary: `Warehouse receipt or inspection result of a return {eventId, rmaId, status: received|inspected, passed?, note?}. ${SIGNING}`,
    tags: ['oms'],
    access: { public: true },
    responses,
    handler: async ({ req }) => {
      const event = verified(req, warehouseEvent);
      return {
        body: await deps.cases.takeWebhook('warehouse', event, (key) => ({ type: 'warehouse', eventId: key, status: event.status, ...(event.passed !== undefined ? { passed: event.passed } : {}), ...(event.note ? { note: event.note } : {}) })),
      };
    },
  });
}
