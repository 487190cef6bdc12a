import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { quietHoursWait } from '../domain/marketing/campaign';
import type { MarketingActivities } from '../activities/marketing';
import type { Conversion, PageResult } from '../activities/marketing/campaigns';

/** A purchase by someone in this run's audience while its conversion window is open. */
export const conversionSignal = defineSignal<[Conversion]>('conversion');
export const campaignRunProgressQuery = defineQuery<CampaignRunProgress>('campaignRunProgress');

export interface CampaignRunInput {
  campaignId: string;
  /** Recipients per page; each page is one activity. */
  pageSize?: number;
}

export interface CampaignRunProgress {
  phase: 'starting' | 'quiet_hours' | 'sending' | 'awaiting_conversions' | 'completed' | 'skipped';
  pages: number;
  targeted: number;
  holdout: number;
  sent: number;
  suppressed: number;
  conversions: number;
  startedAt: string;
  /** When sending began, after any quiet hours. */
  sendingAt?: string;
}

const DEFAULT_PAGE_SIZE = 500;

const pages = proxyActivities<MarketingActivities>({
  startToCloseTimeout: '5 minutes',
  // A killed worker is noticed by the missing heartbeat, and the page is retried elsewhere, keyed.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
/** The audience snapshot reads the whole audience in one attempt; it heartbeats on a clock while it does. */
const snapshot = proxyActivities<MarketingActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const steps = proxyActivities<MarketingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One run of a campaign, started by its Schedule (or "trigger now"): the run id is the workflow id
 * the Schedule gives it. Reads the audience once into pages, sends one activity per page, then keeps the
 * conversion window open on a durable timer while purchases are signalled in.
 */
export async function campaignRunWorkflow(input: CampaignRunInput): Promise<CampaignRunProgress> {
  const runId = workflowInfo().workflowId;
  const progress: CampaignRunProgress = { phase: 'starting', pages: 0, targeted: 0, holdout: 0, sent: 0, suppressed: 0, conversions: 0, startedAt: new Date().toISOString() };
  const pending: Conversion[] = [];
  setHandler(conversionSignal, (conversion) => {
    pending.push(conversion);
  });
  setHandler(campaignRunProgressQuery, () => progress);

  const plan = await steps.beginCampaignRun({ campaignId: input.campaignId, runId });
  if (!plan.active) {
    progress.phase = 'skipped';
    return progress;
  }
  // Quiet hours are judged on the workflow's clock, so the wait is a durable timer that survives restarts.
  const quietWaitMs = quietHoursWait(Date.now(), plan.quietHours);
  if (quietWaitMs > 0) {
    progress.phase = 'quiet_hours';
    await sleep(quietWaitMs);
  }

  progress.phase = 'sending';
  progress.sendingAt = new Date().toISOString();
  const windowEndsAt = Date.now() + plan.windowMs;
  const audience = await snapshot.snapshotAudience({ runId, pageSize: input.pageSize ?? DEFAULT_PAGE_SIZE });
  for (let index = 0; index < audience.pages; index++) {
    const page: PageResult = await pages.sendCampaignPage({ runId, page: index, windowEndsAt: new Date(windowEndsAt).toISOString(), snapshotId: audience.snapshotId });
    progress.pages++;
    progress.targeted += page.targeted;
    progress.holdout += page.holdout;
    progress.sent += page.sent;
    progress.suppressed += page.suppressed;
  }

  await steps.markCampaignSent({ runId, windowEndsAt: new Date(windowEndsAt).toISOString() });
  progress.phase = 'awaiting_conversions';
  // Conversions are written as they arrive, in one activity per burst; the timer closes the window.
  for (;;) {
    const remaining = windowEndsAt - Date.now();
    if (remaining > 0) await condition(() => pending.length > 0, remaining);
    if (pending.length > 0) progress.conversions += await steps.recordConversions({ runId, conversions: pending.splice(0, pending.length) });
    else if (windowEndsAt - Date.now() <= 0) break;
  }
  await steps.completeCampaignRun({ runId });
  progress.phase = 'completed';
  return progress;
}
