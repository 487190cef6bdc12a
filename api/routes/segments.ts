import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { RFM_SEGMENTS } from '../../domain/marketing/rfm';
import { segmentFieldCatalogue, segmentFilterSchema, SEGMENT_FIELDS } from '../../domain/marketing/segment-filter';
import type { RouteTable } from '../route';
import type { MarketingService } from '../services/marketing';
import type { ProfileService } from '../services/marketing-profiles';

const segmentParams = z.strictObject({ segmentId: z.string().regex(/^seg-[0-9a-f-]{12}$/, 'a segment id such as seg-0123456789ab') });

export function segmentRoutes(table: RouteTable, deps: { marketing: MarketingService; profiles: ProfileService; audit: AuditLog }): void {
  const { marketing } = deps;

  table.add({
    method: 'get',
    path: '/api/segments',
    summary: 'The RFM segments with their sizes, the fields a marketer segment may filter on (with their operators and values in fieldSpecs), and the marketer segments',
    tags: ['segments'],
    access: { roles: ['marketer', 'ops'] },
    responses: { 200: { description: 'Segments' } },
    handler: async () => {
      const counts = await deps.profiles.segmentCounts();
      return {
        body: {
          rfm: [...RFM_SEGMENTS, 'unscored'].map((segment) => ({ segment, customers: counts[segment] ?? 0 })),
          fields: Object.keys(SEGMENT_FIELDS),
          fieldSpecs: segmentFieldCatalogue(),
          segments: await marketing.listSegments(),
        },
      };
    },
  });

  table.add({
    method: 'post',
    path: '/api/segments',
    summary: 'Define a segment as conditions over profile fields, e.g. {"all":[{"field":"tier","op":"in","value":["gold","platinum"]}]}',
    tags: ['segments'],
    access: { roles: ['marketer'] },
    body: z.strictObject({ name: z.string().trim().min(1).max(100), description: z.string().max(500).optional(), filter: segmentFilterSchema }),
    responses: { 201: { description: 'The segment with its current size' } },
    handler: async ({ body, actor, origin }) => {
      const segment = await marketing.createSegment(body, actor.id);
      await deps.audit.record({ actor, action: 'segment.create', target: { type: 'segment', id: segment.segmentId }, details: { name: body.name }, ...origin });
      return { status: 201, body: segment };
    },
  });

  table.add({
    method: 'post',
    path: '/api/segments/preview',
    summary: 'How many customers a filter matches, without saving it',
    tags: ['segments'],
    access: { roles: ['marketer'] },
    body: z.strictObject({ filter: segmentFilterSchema }),
    responses: { 200: { description: 'The size' } },
    handler: async ({ body }) => ({ body: { size: await marketing.segmentSize(body.filter) } }),
  });

  table.add({
    method: 'get',
    path: '/api/segments/:segmentId',
    summary: 'A marketer segment with its size and first members',
    tags: ['segments'],
    access: { roles: ['marketer', 'ops'] },
    params: segmentParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    responses: { 200: { description: 'The segment' }, 404: { description: 'No such segment' } },
    handler: async ({ params, query }) => ({ body: await marketing.segmentMembers(params.segmentId, query.limit) }),
  });

  table.add({
    method: 'post',
    path: '/api/rfm/rescore',
    summary: 'Rescore RFM now (the Schedule does it nightly); at-risk moves start win-back journeys',
    tags: ['segments'],
    access: { roles: ['marketer'] },
    responses: { 200: { description: 'Customers rescored, segment moves, journeys started' } },
    handler: async ({ actor, origin }) => {
      const result = await marketing.rescoreNow();
      await deps.audit.record({ actor, action: 'rfm.rescore', details: { ...result }, ...origin });
      return { body: result };
    },
  });
}
