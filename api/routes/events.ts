import { z } from 'zod';
import type { EventIngest } from '../../activities/marketing/events';
import { behaviourEventSchema, type BehaviourEventInput } from '../../domain/marketing/events';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';

const BATCH_LIMIT = 500;

const COUPON_RULE = 'A coupon_redeemed event, or a purchase with a couponCode, must name a coupon issued to that customer that is not void, expired or already redeemed by another event, and (with an amount) meet its threshold: else 422, or 409 when it was already redeemed.';

export function eventRoutes(table: RouteTable, deps: { ingest: EventIngest }): void {
  /** Coupons named by the events are checked before anything is stored, so a refused request records nothing. */
  async function refuseBadCoupons(events: BehaviourEventInput[], many: boolean): Promise<void> {
    const found = await deps.ingest.couponProblemIn(events, new Date());
    if (!found) return;
    const where = many ? `events[${found.index}] (${events[found.index]!.eventId}): ` : '';
    const status = found.problem.code === 'coupon_already_redeemed' ? 409 : 422;
    throw new HttpError(status, found.problem.code, `${where}${found.problem.message}`);
  }

  table.add({
    method: 'post',
    path: '/api/events',
    summary: 'Record one behaviour event (page_view, product_view, consult, add_to_cart, purchase, coupon_redeemed, unsubscribe); idempotent by eventId',
    tags: ['events'],
    access: { roles: ['ops', 'marketer'] },
    body: behaviourEventSchema,
    responses: {
      202: { description: 'Accepted (or already recorded under the same eventId)' },
      409: { description: 'The coupon named was already redeemed by another event' },
      422: { description: COUPON_RULE },
    },
    handler: async ({ body }) => {
      await refuseBadCoupons([body], false);
      return { status: 202, body: await deps.ingest.ingest([body]) };
    },
  });

  table.add({
    method: 'post',
    path: '/api/events/batch',
    summary: `Record up to ${BATCH_LIMIT} behaviour events; a batch with any invalid event is refused whole, naming each bad one`,
    tags: ['events'],
    access: { roles: ['ops', 'marketer'] },
    body: z.strictObject({
      events: z
        .array(behaviourEventSchema)
        .min(1, 'send at least one event')
        .max(BATCH_LIMIT, `at most ${BATCH_LIMIT} events per batch`)
        .refine((events) => new Set(events.map((e) => e.eventId)).size === events.length, 'eventIds must be unique within a batch'),
    }),
    responses: {
      202: { description: 'Counts of accepted and already-recorded events' },
      409: { description: 'A coupon named was already redeemed by another event; nothing in the batch is recorded' },
      422: { description: `${COUPON_RULE} Nothing in the batch is recorded.` },
    },
    handler: async ({ body }) => {
      await refuseBadCoupons(body.events, true);
      return { status: 202, body: await deps.ingest.ingest(body.events) };
    },
  });
}
