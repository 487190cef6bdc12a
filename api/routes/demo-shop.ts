import { z } from 'zod';
import { DEMO_CUSTOMERS } from '../../domain/demo-data';
import type { RouteTable } from '../route';
import { widgetIdentitySignature } from './conversations';

const demoCustomerSchema = z.object({
  customerId: z.string(),
  name: z.string(),
  lang: z.enum(['zh', 'en']),
  identitySignature: z.string().describe('What a shop backend signs for its logged-in customer; pass it to POST /api/widget/sessions'),
});

/**
 * Stands in for the demo shop's own backend, which in a real shop signs the id of the customer
 * who is logged in there. Registered only with the demo data (never in production), and only for
 * the seeded demo customers, so /shop can chat as one of them.
 */
export function demoShopRoutes(table: RouteTable, deps: { widgetIdentitySecret: string }): void {
  table.add({
    method: 'get',
    path: '/api/demo/shop-customers',
    summary: 'Demo only: the seeded customers the demo shop can log in as, each with its widget identity signature',
    tags: ['demo'],
    access: { public: true },
    responses: { 200: { description: 'The demo customers', schema: z.object({ customers: z.array(demoCustomerSchema) }) } },
    handler: () =>
      Promise.resolve({
        body: {
          customers: DEMO_CUSTOMERS.map((c) => ({
            customerId: c.customerId,
            name: c.name,
            lang: c.lang,
            identitySignature: widgetIdentitySignature(deps.widgetIdentitySecret, c.customerId),
          })),
        },
      }),
  });
}
