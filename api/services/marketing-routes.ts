import type { Client } from '@temporalio/client';
import type { AuditLog } from '../../activities/audit';
import type { Models } from '../../activities/db/models';
import { createCouponLedger } from '../../activities/marketing/coupons';
import { createEventIngest } from '../../activities/marketing/events';
import { createRfmStore } from '../../activities/marketing/rfm';
import { createMarketingTemporal } from '../../activities/marketing/temporal';
import type { RouteTable } from '../route';
import { campaignRoutes } from '../routes/campaigns';
import { couponRoutes } from '../routes/coupons';
import { eventRoutes } from '../routes/events';
import { experimentRoutes } from '../routes/experiments';
import { profileRoutes } from '../routes/profiles';
import { segmentRoutes } from '../routes/segments';
import { unsubscribeRoutes } from '../routes/unsubscribe';
import { createMarketingService, type MarketingService } from './marketing';
import type { OptOutService } from './marketing-opt-out';
import { createProfileService } from './marketing-profiles';

/** Wires profiles, events, segments, campaigns, experiments, coupons and one-click unsubscribe into the route table. */
export function marketingRoutes(table: RouteTable, deps: { client: Client; models: Models; taskQueue: string; audit: AuditLog; optOut: OptOutService }): MarketingService {
  const rfm = createRfmStore(deps.models);
  const marketing = createMarketingService({ client: deps.client, models: deps.models, taskQueue: deps.taskQueue });
  const profiles = createProfileService({ models: deps.models, rfm });
  const ingest = createEventIngest({ models: deps.models, rfm, temporal: createMarketingTemporal({ client: deps.client, taskQueue: deps.taskQueue }) });
  profileRoutes(table, { profiles, audit: deps.audit });
  eventRoutes(table, { ingest });
  segmentRoutes(table, { marketing, profiles, audit: deps.audit });
  campaignRoutes(table, { marketing, audit: deps.audit });
  experimentRoutes(table, { marketing, audit: deps.audit });
  couponRoutes(table, { coupons: createCouponLedger(deps.models), ingest, audit: deps.audit });
  unsubscribeRoutes(table, { optOut: deps.optOut });
  return marketing;
}
