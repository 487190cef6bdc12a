import { proxyActivities } from '@temporalio/workflow';
import type { MarketingActivities } from '../activities/marketing';

const steps = proxyActivities<MarketingActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

export interface RfmRescoreResult {
  events: number;
  customers: number;
  moved: number;
  winBacksStarted: number;
  replenishmentsStarted: number;
}

/**
 * Started by the RFM Schedule: aggregates rebuilt from the purchase history, quintiles over the
 * whole base, each customer rescored (a move into "at risk" starts a win-back journey), then the
 * day's replenishment reminders.
 */
export async function rfmRescoreWorkflow(): Promise<RfmRescoreResult> {
  const { events } = await steps.rebuildRfmAggregates();
  const rescored = await steps.rescoreRfm();
  const replenishmentsStarted = await steps.startReplenishmentJourneys();
  return { events, ...rescored, replenishmentsStarted };
}
