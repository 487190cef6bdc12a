import type { Client } from '@temporalio/client';
import type { AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import { createEventIngest } from '../../activities/marketing/events';
import { createRfmStore } from '../../activities/marketing/rfm';
import { createMarketingTemporal } from '../../activities/marketing/temporal';
import type { RouteTable } from '../route';
import { campaignRoutes } from '../routes/campaigns';
import { eventRoutes } from '../routes/events';
import { experimentRoutes } from '../routes/experiments';
import { profileRoutes } from '../routes/profiles';
import { segmentRoutes } from '../routes/segments';
import { createMarketingService, type MarketingService } from './marketing';
import { createProfileService } from './marketing-profiles';

/** Wires profiles, events, segments, campaigns and experiments into the route table. */
export function marketingRoutes(table: RouteTable, deps: { client: Client; models: Models; taskQueue: string; audit: AuditLog }): MarketingService {
  const rfm = createRfmStore(deps.models);
  const marketing = createMarketingService({ client: deps.client, models: deps.models, taskQueue: deps.taskQueue });
  const profiles = createProfileService({ models: deps.models, rfm });
  const ingest = createEventIngest({ models: deps.models, rfm, temporal: createMarketingTemporal({ client: deps.client, taskQueue: deps.taskQueue }) });
  profileRoutes(table, { profiles, audit: deps.audit });
  eventRoutes(table, { ingest });
  segmentRoutes(table, { marketing, profiles, audit: deps.audit });
  campaignRoutes(table, { marketing, audit: deps.audit });
  experimentRoutes(table, { marketing, audit: deps.audit });
  return marketing;
}
