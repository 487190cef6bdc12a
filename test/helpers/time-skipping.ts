import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { workflowBundle } from './stack';

/*
 * Two defects of Temporal's time-skipping test server (the Java one the SDK downloads) that a
 * test on it has to step around; neither exists on a real server:
 *
 * - A workflow task that cancels a timer which fired while the task was with the worker is
 *   refused ("invalid history builder state for action") and never timed out or sent again: the
 *   run is stranded and its Update never completes (temporalio/sdk-java#2606, #3088). A skip
 *   lands at real pace, so a message sent just as a workflow's timer comes due hits this. Hence
 *   `skipTime`, which never leaves a watched workflow's timer due within `guardMs` of the landing.
 *
 * - A child workflow that ends after its parent has closed (an abandoned escalation that completes
 *   or times out at the server's ten-year run limit) keeps a time-skipping lock its parent was
 *   meant to release, so every later skip on that server waits in real time
 *   (temporalio/sdk-typescript#1101, sdk-java#2392). `result()` lets an otherwise idle server jump
 *   to its next timer, ten years out if nothing else waits, so abandoned children left by earlier
 *   tests time out this way. Hence `startTimeSkippingWorker`: a server of its own for a test that
 *   must not inherit them.
 */

const DEFAULT_GUARD_MS = 60_000;
const MAX_EXTRA_SKIPS = 10;
const SETTLE_POLL_MS = 50;
const SETTLE_LIMIT_MS = 20_000;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const millis = (t?: { seconds?: unknown; nanos?: number | null } | null) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);

/** When each timer still open in a history comes due, on the server's clock. */
function openTimerDueTimes(events: HistoryEvent[]): number[] {
  const open = new Map<string, number>();
  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    if (started?.timerId) open.set(started.timerId, millis(event.eventTime) + millis(started.startToFireTimeout));
    const ended = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (ended?.timerId) open.delete(ended.timerId);
  }
  return [...open.values()];
}

const taskInFlight = (events: HistoryEvent[]) => {
  const last = events.at(-1);
  return Boolean(last?.workflowTaskScheduledEventAttributes || last?.workflowTaskStartedEventAttributes);
};

async function histories(env: TestWorkflowEnvironment, workflowIds: string[]): Promise<HistoryEvent[][]> {
  return Promise.all(
    workflowIds.map(async (id) => {
      const handle = env.client.workflow.getHandle(id);
      if ((await handle.describe()).status.name !== 'RUNNING') return [];
      return (await handle.fetchHistory()).events ?? [];
    }),
  );
}

/** Waits (in real time, the clock locked) until no watched workflow has a task in flight. */
async function settle(env: TestWorkflowEnvironment, workflowIds: string[]): Promise<HistoryEvent[][]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    const all = await histories(env, workflowIds);
    if (!all.some(taskInFlight)) return all;
    if (Date.now() > deadline) throw new Error(`workflows still busy ${SETTLE_LIMIT_MS} ms after a time skip: ${workflowIds.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/**
 * Moves the test server's clock forward by at least `ms`, then on past any timer of the watched
 * workflows due within `guardMs`, so that what the test sends next cannot race a timer.
 */
export async function skipTime(env: TestWorkflowEnvironment, ms: number, opts: { workflowIds: string[]; guardMs?: number }): Promise<void> {
  const guardMs = opts.guardMs ?? DEFAULT_GUARD_MS;
  await env.sleep(ms);
  for (let extra = 0; extra <= MAX_EXTRA_SKIPS; extra += 1) {
    const all = await settle(env, opts.workflowIds);
    const now = await env.currentTimeMs();
    const dueSoon = all.flatMap(openTimerDueTimes).filter((due) => due - now < guardMs);
    if (dueSoon.length === 0) return;
    await env.sleep(Math.max(1, Math.max(...dueSoon) - now + 1));
  }
  throw new Error(`timers of ${opts.workflowIds.join(', ')} keep coming due within ${guardMs} ms; skipTime cannot land clear of them`);
}

export interface TimeSkippingWorker {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A time-skipping server of its own, with a worker running the project's workflows on it. */
export async function startTimeSkippingWorker(label: string, activities: (client: Client, taskQueue: string) => object): Promise<TimeSkippingWorker> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  const taskQueue = `${label}-${randomUUID()}`;
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: activities(env.client, taskQueue) });
    const running = worker.run();
    return {
      env,
      taskQueue,
      async stop() {
        worker.shutdown();
        await running;
        await env.teardown();
      },
    };
  } catch (error) {
    await env.teardown();
    throw error;
  }
}
