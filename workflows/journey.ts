import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { MarketingActivities } from '../activities/marketing';
import type { JourneyInput, JourneyOutcome } from '../activities/marketing/journeys';

export interface JourneyWorkflowInput extends Omit<JourneyInput, 'instanceKey'> {
  /** How long to wait before deciding (asked-but-didn't-buy waits to see whether they buy). */
  waitMs: number;
  /** Defaults to this run: replenishment keys by the purchase instead, so it reminds once per purchase. */
  instanceKey?: string;
}

const steps = proxyActivities<MarketingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One triggered journey for one customer: wait if it should, then reach them at most once. */
export async function journeyWorkflow(input: JourneyWorkflowInput): Promise<JourneyOutcome> {
  if (input.waitMs > 0) await sleep(input.waitMs);
  const { waitMs: _waitMs, ...journey } = input;
  return steps.runJourney({ ...journey, instanceKey: input.instanceKey ?? workflowInfo().runId });
}
