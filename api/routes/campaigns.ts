import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { CAMPAIGN_CHANNELS, placeholdersIn, TEMPLATE_FIELDS } from '../../domain/marketing/campaign';
import { RFM_SEGMENTS } from '../../domain/marketing/rfm';
import type { RouteTable } from '../route';
import type { MarketingService } from '../services/marketing';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time such as 21:00');
const cronField = /^(\*|\d{1,2}(-\d{1,2})?(,\d{1,2}(-\d{1,2})?)*)(\/\d{1,2})?$/;

const template = z
  .string()
  .trim()
  .min(1, 'a message must not be empty')
  .max(500)
  .superRefine((text, ctx) => {
    const unknown = placeholdersIn(text).filter((p) => !(TEMPLATE_FIELDS as readonly string[]).includes(p));
    if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown placeholder(s) ${unknown.map((p) => `{{${p}}}`).join(', ')}; use ${TEMPLATE_FIELDS.map((p) => `{{${p}}}`).join(', ')}` });
  });

export const campaignInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    audience: z
      .strictObject({ segments: z.array(z.enum(RFM_SEGMENTS)).min(1).max(RFM_SEGMENTS.length).optional(), segmentId: z.string().regex(/^seg-[0-9a-f-]{12}$/, 'a segment id such as seg-0123456789ab').optional() })
      .refine((a) => a.segments || a.segmentId, 'give RFM segments, a marketer segmentId, or both'),
    offer: z
      .strictObject({
        amount: z.number().positive('amount must be above 0').max(10_000),
        threshold: z.number().min(0).max(1_000_000),
        expiryDays: z.number().int().min(1).max(365),
      })
      .optional(),
    channels: z.array(z.enum(CAMPAIGN_CHANNELS)).min(1).max(4).refine((c) => new Set(c).size === c.length, 'list each channel once'),
    variants: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a short id such as a or warm-tone'),
          weight: z.number().positive().max(100),
          templates: z.strictObject({ zh: template, en: template }),
          offerAmount: z.number().positive().max(10_000).optional(),
        }),
      )
      .min(1)
      .max(10)
      .refine((v) => new Set(v.map((x) => x.id)).size === v.length, 'variant ids must be unique')
      .refine((v) => !v.some((x) => x.id === 'holdout'), '"holdout" is reserved for the hold-out group'),
    holdoutShare: z.number().min(0).max(0.5, 'hold out at most half the audience').default(0.1),
    schedule: z
      .strictObject({
        cron: z
          .string()
          .trim()
          .refine((c) => {
            const fields = c.split(/\s+/);
            return fields.length === 5 && fields.every((f) => cronField.test(f));
          }, 'five cron fields such as "0 10 * * 1" (minute hour day month weekday)')
          .optional(),
        intervalMinutes: z.number().int().min(1).max(525_600).optional(),
      })
      .refine((s) => Boolean(s.cron) !== Boolean(s.intervalMinutes), 'give exactly one of cron or intervalMinutes'),
    quietHours: z.strictObject({ start: hhmm, end: hhmm, utcOffsetMinutes: z.number().int().min(-720).max(840).default(480) }).optional(),
    frequencyCap: z.strictObject({ maxMessages: z.number().int().min(1).max(100), perDays: z.number().int().min(1).max(365) }).optional(),
    goal: z.strictObject({ event: z.literal('purchase').default('purchase'), windowHours: z.number().positive().max(24 * 90) }),
  })
  .superRefine((c, ctx) => {
    const usesCoupon = c.variants.some((v) => [v.templates.zh, v.templates.en].some((t) => placeholdersIn(t).some((p) => ['coupon', 'amount', 'threshold', 'expiry'].includes(p))));
    if (usesCoupon && !c.offer) ctx.addIssue({ code: 'custom', path: ['offer'], message: 'the templates use the offer ({{coupon}}, {{amount}} …) but no offer is defined' });
  });

const params = z.strictObject({ campaignId: z.string().regex(/^cmp-[0-9a-f-]{12}$/, 'a campaign id such as cmp-0123456789ab') });

export function campaignRoutes(table: RouteTable, deps: { marketing: MarketingService; audit: AuditLog }): void {
  const { marketing } = deps;
  const tags = ['campaigns'];

  table.add({
    method: 'post',
    path: '/api/campaigns',
    summary: 'Define a campaign: audience, offer, channels, bilingual templates, variants and hold-out, schedule, quiet hours, frequency cap, goal',
    tags,
    access: { roles: ['marketer'] },
    body: campaignInputSchema,
    responses: { 201: { description: 'The campaign with its Schedule' } },
    handler: async ({ body, actor, origin }) => {
      const campaign = await marketing.createCampaign(body, actor.id);
      await deps.audit.record({ actor, action: 'campaign.create', target: { type: 'campaign', id: campaign.campaignId }, details: { name: body.name }, ...origin });
      return { status: 201, body: campaign };
    },
  });

  table.add({
    method: 'get',
    path: '/api/campaigns',
    summary: 'Campaigns, newest first',
    tags,
    access: { roles: ['marketer', 'ops'] },
    responses: { 200: { description: 'Campaigns' } },
    handler: async () => ({ body: { campaigns: await marketing.listCampaigns() } }),
  });

  table.add({
    method: 'get',
    path: '/api/campaigns/:campaignId',
    summary: 'A campaign with its definition, Schedule state (paused, next runs) and recent runs',
    tags,
    access: { roles: ['marketer', 'ops'] },
    params,
    responses: { 200: { description: 'The campaign' }, 404: { description: 'No such campaign' } },
    handler: async ({ params: p }) => ({ body: await marketing.getCampaign(p.campaignId) }),
  });

  table.add({
    method: 'put',
    path: '/api/campaigns/:campaignId',
    summary: 'Replace the definition; runs already under way keep the definition they started with',
    tags,
    access: { roles: ['marketer'] },
    params,
    body: campaignInputSchema,
    responses: { 200: { description: 'The campaign' }, 404: { description: 'No such campaign' } },
    handler: async ({ params: p, body, actor, origin }) => {
      const campaign = await marketing.updateCampaign(p.campaignId, body);
      await deps.audit.record({ actor, action: 'campaign.update', target: { type: 'campaign', id: p.campaignId }, details: { name: body.name }, ...origin });
      return { body: campaign };
    },
  });

  const action = (path: 'pause' | 'resume' | 'trigger', summary: string, run: (campaignId: string) => Promise<unknown>) =>
    table.add({
      method: 'post',
      path: `/api/campaigns/:campaignId/${path}`,
      summary,
      tags,
      access: { roles: ['marketer'] },
      params,
      responses: { 200: { description: 'Done' }, 404: { description: 'No such campaign' }, 409: { description: 'Not possible in its current state' } },
      handler: async ({ params: p, actor, origin }) => {
        const result = await run(p.campaignId);
        await deps.audit.record({ actor, action: `campaign.${path}`, target: { type: 'campaign', id: p.campaignId }, ...origin });
        return { body: result };
      },
    });
  action('pause', "Pause the campaign's Schedule", (id) => marketing.setPaused(id, true));
  action('resume', "Resume the campaign's Schedule", (id) => marketing.setPaused(id, false));
  action('trigger', 'Run the campaign now, outside its schedule', (id) => marketing.triggerNow(id));

  table.add({
    method: 'delete',
    path: '/api/campaigns/:campaignId',
    summary: 'Delete the campaign and its Schedule; past runs, coupons and reports stay',
    tags,
    access: { roles: ['marketer'] },
    params,
    responses: { 200: { description: 'Deleted' }, 404: { description: 'No such campaign' } },
    handler: async ({ params: p, actor, origin }) => {
      const result = await marketing.deleteCampaign(p.campaignId);
      await deps.audit.record({ actor, action: 'campaign.delete', target: { type: 'campaign', id: p.campaignId }, ...origin });
      return { body: result };
    },
  });

  table.add({
    method: 'get',
    path: '/api/campaigns/:campaignId/report',
    summary: 'Funnel per variant and for the hold-out (targeted, sent, delivered, converted, revenue) with uplift and a two-proportion z-test',
    tags,
    access: { roles: ['marketer', 'ops'] },
    params,
    query: z.strictObject({ runId: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/).optional() }),
    responses: { 200: { description: 'The report' }, 404: { description: 'No such campaign or run' } },
    handler: async ({ params: p, query }) => ({ body: await marketing.campaignReport(p.campaignId, query.runId) }),
  });
}
