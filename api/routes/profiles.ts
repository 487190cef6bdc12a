import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { hasAnyRole, type Principal } from '../auth';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import type { ProfileService } from '../services/marketing-profiles';
import { PII_REVEAL_ROLES } from './conversations';

export const customerIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a customer id such as c-1001');
const params = z.strictObject({ customerId: customerIdSchema });
const PROFILE_ROLES = ['marketer', 'ops', 'supervisor', 'agent'] as const;
const tag = z.string().regex(/^[\p{L}\p{N}_-]{1,32}$/u, 'tags are letters, digits, _ or -, at most 32');

const canSeePii = (principal: Principal | undefined) => Boolean(principal && 'roles' in principal && hasAnyRole(principal.roles, PII_REVEAL_ROLES));
const revealQuery = z.enum(['true', 'false']).default('false').describe('Show personal data unmasked: supervisors and admins only, and audited.');

/** Unmasked only when asked for, by a role that may, and then audited by the caller. */
function mayReveal(reveal: 'true' | 'false', principal: Principal | undefined): Promise<boolean> {
  if (reveal !== 'true') return Promise.resolve(false);
  if (!canSeePii(principal)) return Promise.reject(new HttpError(403, 'forbidden', `Revealing personal data needs one of the roles: ${PII_REVEAL_ROLES.join(', ')}.`));
  return Promise.resolve(true);
}

export function profileRoutes(table: RouteTable, deps: { profiles: ProfileService; audit: AuditLog }): void {
  const { profiles } = deps;

  table.add({
    method: 'get',
    path: '/api/profiles',
    summary: 'Find profiles by a channel identity (phone, e-mail, WeChat openid, web visitor id, app user id), or list by tier or RFM segment',
    tags: ['profiles'],
    access: { roles: PROFILE_ROLES },
    query: z.strictObject({
      phone: z.string().regex(/^\+?\d{6,15}$/, 'digits, optionally with a leading +').optional(),
      email: z.email('an e-mail address').optional(),
      wechatOpenId: z.string().max(128).optional(),
      webVisitorId: z.string().max(128).optional(),
      appUserId: z.string().max(128).optional(),
      tier: z.enum(['standard', 'silver', 'gold', 'platinum']).optional(),
      segment: z.enum(['champions', 'loyal', 'potential', 'new', 'at_risk', 'hibernating', 'lost']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      reveal: revealQuery,
    }),
    responses: { 200: { description: 'Matching profiles, personal data masked unless revealed' }, 403: { description: 'Reveal asked for without the role' } },
    handler: async ({ query: { reveal, ...filter }, principal, actor, origin }) => {
      const unmasked = await mayReveal(reveal, principal);
      const found = await profiles.find(filter, unmasked);
      if (unmasked) await deps.audit.record({ actor, action: 'pii.reveal', target: { type: 'profiles', id: 'search' }, details: { count: found.length }, ...origin });
      return { body: { profiles: found } };
    },
  });

  table.add({
    method: 'get',
    path: '/api/profiles/:customerId',
    summary: "A customer's profile across channels: identities, consent, tier, tags, preferences, RFM, coupons and recent events",
    tags: ['profiles'],
    access: { roles: PROFILE_ROLES },
    params,
    query: z.strictObject({ reveal: revealQuery }),
    responses: { 200: { description: 'The profile, personal data masked unless revealed' }, 403: { description: 'Reveal asked for without the role' }, 404: { description: 'No such customer' } },
    handler: async ({ params: p, query, principal, actor, origin }) => {
      const unmasked = await mayReveal(query.reveal, principal);
      const profile = await profiles.get(p.customerId, unmasked);
      if (unmasked) await deps.audit.record({ actor, action: 'pii.reveal', target: { type: 'customer', id: p.customerId }, ...origin });
      return { body: profile };
    },
  });

  table.add({
    method: 'patch',
    path: '/api/profiles/:customerId',
    summary: 'Change name, language, membership tier, tags or preferences',
    tags: ['profiles'],
    access: { roles: ['marketer', 'supervisor'] },
    params,
    body: z
      .strictObject({
        name: z.string().trim().min(1).max(100).optional(),
        lang: z.enum(['zh', 'en']).optional(),
        tier: z.enum(['standard', 'silver', 'gold', 'platinum']).optional(),
        tags: z.array(tag).max(50).optional(),
        preferences: z
          .strictObject({
            categories: z.array(z.string().regex(/^[a-z_-]{1,32}$/, 'a catalog category such as home')).max(20).optional(),
            preferredChannel: z.enum(['sms', 'email', 'wechat', 'app']).optional(),
            offers: z.boolean().optional(),
          })
          .optional(),
      })
      .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
    responses: { 200: { description: 'The profile after the change' }, 404: { description: 'No such customer' } },
    handler: async ({ params: p, body, principal, actor, origin }) => {
      const profile = await profiles.update(p.customerId, body, canSeePii(principal));
      await deps.audit.record({ actor, action: 'profile.update', target: { type: 'customer', id: p.customerId }, details: { fields: Object.keys(body) }, ...origin });
      return { body: profile };
    },
  });

  table.add({
    method: 'put',
    path: '/api/profiles/:customerId/consent',
    summary: 'Set consent per channel and do-not-contact (audited)',
    tags: ['profiles'],
    access: { roles: ['marketer', 'supervisor', 'ops'] },
    params,
    body: z
      .strictObject({ sms: z.boolean().optional(), email: z.boolean().optional(), wechat: z.boolean().optional(), app: z.boolean().optional(), doNotContact: z.boolean().optional() })
      .refine((b) => Object.keys(b).length > 0, 'give at least one of sms, email, wechat, app, doNotContact'),
    responses: { 200: { description: 'The profile after the change' }, 404: { description: 'No such customer' } },
    handler: async ({ params: p, body, principal, actor, origin }) => {
      const { before, profile } = await profiles.setConsent(p.customerId, body, canSeePii(principal));
      await deps.audit.record({ actor, action: 'profile.consent_change', target: { type: 'customer', id: p.customerId }, details: { before, change: body }, ...origin });
      return { body: profile };
    },
  });

  table.add({
    method: 'post',
    path: '/api/profiles/:customerId/merge',
    summary: 'Merge a duplicate profile into this one: identities and tags united, consent kept per channel, events, orders and coupons moved (audited)',
    tags: ['profiles'],
    access: { roles: ['marketer', 'supervisor'] },
    params,
    body: z.strictObject({ from: customerIdSchema }),
    responses: { 200: { description: 'The merged profile' }, 404: { description: 'No such customer' }, 409: { description: 'One of them was already merged' } },
    handler: async ({ params: p, body, principal, actor, origin }) => {
      const merged = await profiles.merge(p.customerId, body.from, canSeePii(principal));
      await deps.audit.record({ actor, action: 'profile.merge', target: { type: 'customer', id: p.customerId }, details: { from: body.from, moved: merged.moved }, ...origin });
      return { body: merged };
    },
  });
}
