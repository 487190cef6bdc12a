import type { Response } from 'express';
import { z } from 'zod';
import type { RouteTable } from '../route';
import type { OptOutService } from '../services/marketing-opt-out';

const tokenQuery = z.object({ token: z.string().min(1, 'token is required').max(600).describe('The signed, expiring token from the link') });

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small bilingual page for people who open the link in a browser rather than through their mail client's button. */
function page(res: Response, body: string): { body: null } {
  res
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>退订 · Unsubscribe</title></head><body>${body}</body></html>`);
  return { body: null };
}

/**
 * The one-click unsubscribe link of marketing e-mail (RFC 8058). A mail client POSTs
 * `List-Unsubscribe=One-Click` to it; a browser opening it gets a page with one button, since a GET
 * must change nothing (mail scanners follow links).
 */
export function unsubscribeRoutes(table: RouteTable, deps: { optOut: OptOutService }): void {
  table.add({
    method: 'get',
    path: '/api/unsubscribe',
    summary: 'The page behind the one-click unsubscribe link, for a browser: a button that POSTs to the same link. Changes nothing by itself',
    tags: ['marketing'],
    access: { public: true },
    query: tokenQuery,
    responses: {
      200: { description: 'text/html: a page asking to confirm' },
      400: { description: 'Not an unsubscribe token' },
      403: { description: 'A token this server did not sign, or one that has expired' },
    },
    handler: ({ query, res }) => {
      deps.optOut.customerOfToken(query.token);
      const action = `/api/unsubscribe?token=${encodeURIComponent(query.token)}`;
      return Promise.resolve(
        page(
          res,
          `<h1>退订营销邮件 · Unsubscribe</h1><p>不再接收我们的营销邮件?订单和售后邮件不受影响。</p><p>Stop our marketing e-mails? Order and service e-mails still reach you.</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">退订 · Unsubscribe</button></form>`,
        ),
      );
    },
  });

  table.add({
    method: 'post',
    path: '/api/unsubscribe',
    summary:
      "One-click unsubscribe from marketing e-mail (RFC 8058): the List-Unsubscribe link of each marketing e-mail, POSTed by the mail client with the body List-Unsubscribe=One-Click. Withdraws the customer's e-mail consent; using a link again changes nothing. A browser's form gets a page, others JSON",
    tags: ['marketing'],
    access: { public: true },
    query: tokenQuery,
    responses: {
      200: { description: 'Unsubscribed (or already)', schema: z.object({ unsubscribed: z.literal(true), channel: z.literal('email'), alreadyUnsubscribed: z.boolean() }) },
      400: { description: 'Not an unsubscribe token' },
      403: { description: 'A token this server did not sign, or one that has expired' },
      404: { description: 'The customer is no longer on record' },
    },
    handler: async ({ query, origin, req, res }) => {
      const result = await deps.optOut.unsubscribeByToken(query.token, origin);
      if (req.accepts(['json', 'html']) === 'html') {
        return page(res, '<h1>已退订 · Unsubscribed</h1><p>您将不再收到我们的营销邮件。</p><p>You will get no more marketing e-mail from us.</p>');
      }
      return { body: result };
    },
  });
}
