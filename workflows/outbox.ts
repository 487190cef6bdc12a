import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { RateWindow, type RateLimits } from '../domain/channels/outbox-policy';

/**
 * The outbox dispatcher: one per task queue, it sends every queued row of `deliveries` exactly once
 * through the channel's adapter. Whoever writes a row may signal `outboxKick` to have it sent at
 * once; rows written without a kick (one-time codes, campaigns, case notices) are found by the poll.
 * Per-channel rate limits are kept here, in one place, so they hold however many workers run sends.
 */
export interface OutboxDispatcherInput {
  pollIntervalMs: number;
  rateLimits: RateLimits;
  /** Present when this run continues an earlier one. */
  carriedWindow?: Record<string, number[]>;
}

export const outboxKickSignal = defineSignal<[]>('outboxKick');

export function outboxDispatcherWorkflowId(taskQueue: string): string {
  return `outbox-dispatcher-${taskQueue}`;
}

const BATCH = 50;
const ROUNDS_PER_RUN = 500;

const listing = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumInterval: '5 seconds' } });

/** A send retries transient failures (timeouts, 5xx) with backoff; permanent ones are settled inside the activity. */
const sending = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});
const settling = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds' } });

export async function outboxDispatcherWorkflow(input: OutboxDispatcherInput): Promise<void> {
  const window = new RateWindow(input.rateLimits, input.carriedWindow);
  const inFlight = new Set<string>();
  let kicked = false;
  setHandler(outboxKickSignal, () => {
    kicked = true;
  });

  async function deliver(idempotencyKey: string): Promise<void> {
    try {
      await sending.sendDelivery({ idempotencyKey });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await settling.failDelivery({ idempotencyKey, reason: 'retries_exhausted' });
    } finally {
      inFlight.delete(idempotencyKey);
      kicked = true;
    }
  }

  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    kicked = false;
    const due = await listing.dueDeliveries({ limit: BATCH, exclude: [...inFlight] });
    let waitMs = input.pollIntervalMs;
    for (const row of due) {
      const wait = window.take(row.channel, Date.now());
      if (wait > 0) {
        waitMs = Math.min(waitMs, wait);
        continue;
      }
      inFlight.add(row.idempotencyKey);
      void deliver(row.idempotencyKey);
    }
    await condition(() => kicked, waitMs);
  }
  await condition(() => inFlight.size === 0 && allHandlersFinished());
  await continueAsNew<typeof outboxDispatcherWorkflow>({ ...input, carriedWindow: window.snapshot() });
}
