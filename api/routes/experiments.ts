import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { REPLY_STYLES } from '../../domain/marketing/experiments';
import type { RouteTable } from '../route';
import type { MarketingService } from '../services/marketing';

const params = z.strictObject({ experimentId: z.string().regex(/^exp-[0-9a-f-]{12}$/, 'an experiment id such as exp-0123456789ab') });

export function experimentRoutes(table: RouteTable, deps: { marketing: MarketingService; audit: AuditLog }): void {
  const { marketing } = deps;
  const tags = ['experiments'];

  table.add({
    method: 'post',
    path: '/api/experiments',
    summary: 'Start an A/B test of reply strategies (recommendations on or off, reply style); the first variant is the control',
    tags,
    access: { roles: ['marketer', 'supervisor'] },
    body: z.strictObject({
      name: z.string().trim().min(1).max(100),
      variants: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a short id such as control'),
            weight: z.number().positive().max(100),
            settings: z.strictObject({ recommend: z.boolean().optional(), style: z.enum(REPLY_STYLES).optional() }),
          }),
        )
        .min(2, 'an experiment needs at least two variants')
        .max(6)
        .refine((v) => new Set(v.map((x) => x.id)).size === v.length, 'variant ids must be unique'),
    }),
    responses: { 201: { description: 'The experiment, running' } },
    handler: async ({ body, actor, origin }) => {
      const experiment = await marketing.createExperiment(body, actor.id);
      await deps.audit.record({ actor, action: 'experiment.create', target: { type: 'experiment', id: experiment.experimentId }, details: { name: body.name }, ...origin });
      return { status: 201, body: experiment };
    },
  });

  table.add({
    method: 'get',
    path: '/api/experiments',
    summary: 'Reply-strategy experiments',
    tags,
    access: { roles: ['marketer', 'supervisor'] },
    responses: { 200: { description: 'Experiments' } },
    handler: async () => ({ body: { experiments: await marketing.listExperiments() } }),
  });

  table.add({
    method: 'post',
    path: '/api/experiments/:experimentId/stop',
    summary: 'Stop assigning; conversations go back to the default replies',
    tags,
    access: { roles: ['marketer', 'supervisor'] },
    params,
    responses: { 200: { description: 'Stopped' }, 404: { description: 'No such experiment' } },
    handler: async ({ params: p, actor, origin }) => {
      const result = await marketing.stopExperiment(p.experimentId);
      await deps.audit.record({ actor, action: 'experiment.stop', target: { type: 'experiment', id: p.experimentId }, ...origin });
      return { body: result };
    },
  });

  table.add({
    method: 'get',
    path: '/api/experiments/:experimentId/report',
    summary: 'Per variant: conversations, resolved by bot, handed off, converted, CSAT, with significance against the control',
    tags,
    access: { roles: ['marketer', 'supervisor'] },
    params,
    responses: { 200: { description: 'The report' }, 404: { description: 'No such experiment' } },
    handler: async ({ params: p }) => ({ body: await marketing.experimentReport(p.experimentId) }),
  });
}
