import { z } from 'zod';
import type { EventIngest } from '../../activities/marketing/events';
import { behaviourEventSchema } from '../../domain/marketing/events';
import type { RouteTable } from '../route';

const BATCH_LIMIT = 500;

export function eventRoutes(table: RouteTable, deps: { ingest: EventIngest }): void {
  table.add({
    method: 'post',
    path: '/api/events',
    summary: 'Record one behaviour event (page_view, product_view, consult, add_to_cart, purchase, coupon_redeemed, unsubscribe); idempotent by eventId',
    tags: ['events'],
    access: { roles: ['ops', 'marketer'] },
    body: behaviourEventSchema,
    responses: { 202: { description: 'Accepted (or already recorded under the same eventId)' } },
    handler: async ({ body }) => ({ status: 202, body: await deps.ingest.ingest([body]) }),
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
    responses: { 202: { description: 'Counts of accepted and already-recorded events' } },
    handler: async ({ body }) => ({ status: 202, body: await deps.ingest.ingest(body.events) }),
  });
}
