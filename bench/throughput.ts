/**
 * throughput: real conversation workflows from start to completion per second, and a worker's cold
 * start from a prebuilt bundle, and the bundle's size.
 *
 * Each workflow is started with its close signal (signal-with-start), so it runs the real
 * conversation workflow's start and close: load the conversation and the customer, close, record
 * the outcome events, complete. LANES clients each start one and wait for its result, then the next.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ChannelKey, CustomerIdKey, StatusKey } from '../domain/search-attributes';
import { closeConversationSignal, conversationWorkflow } from '../workflows/conversation';
import {
  LatencyRecorder,
  demoCustomer,
  database,
  inParallel,
  lookupCost,
  machine,
  percentile,
  round,
  startBenchStack,
  startSystemProcess,
  temporalClient,
  verdict,
  workerTuningFromEnvironment,
  writeWorkflowBundle,
  type BenchStack,
  type SystemProcess,
} from './harness';
import type { BenchmarkResult } from './run';

const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 2_000);
const LANES = Number(process.env.BENCH_LANES ?? 64);
/** No new workflow starts after this long, so a slow stack still finishes in bounded time. */
const BUDGET_S = Number(process.env.BENCH_BUDGET_S ?? 300);
/** The first completions are discarded from the sustained rate: the worker is still warming up. */
const WARMUP_FRACTION = 0.1;
const COLD_STARTS = 3;
const TASK_QUEUE = 'bench-throughput';

const TARGETS = { completionsPerS: 50, coldStartMs: 3_000 };

async function coldStarts(stack: BenchStack, bundlePath: string): Promise<{ spawnToReadyMs: number[]; workerStartMs: number[]; worker: SystemProcess }> {
  const spawnToReadyMs: number[] = [];
  const workerStartMs: number[] = [];
  for (let i = 1; ; i++) {
    const worker = await startSystemProcess(stack, { role: 'worker', taskQueue: TASK_QUEUE, bundlePath });
    spawnToReadyMs.push(round(worker.spawnToReadyMs));
    workerStartMs.push(round(worker.workerStartMs ?? Number.NaN));
    // The last one stays up and serves the throughput run.
    if (i === COLD_STARTS) return { spawnToReadyMs, workerStartMs, worker };
    await worker.stop();
  }
}

async function completeWorkflows(client: Client, count: number): Promise<{ completedAt: number[]; latency: LatencyRecorder; startedAt: number }> {
  const runId = randomUUID().slice(0, 8);
  const latency = new LatencyRecorder();
  const completedAt: number[] = [];
  const startedAt = performance.now();
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    LANES,
    async (i) => {
      if (performance.now() - startedAt > BUDGET_S * 1_000) return;
      const conversationId = `bench-tp-${runId}-${i}`;
      const customerId = demoCustomer(i);
      const begun = performance.now();
      try {
        const handle = await client.workflow.signalWithStart(conversationWorkflow, {
          workflowId: `conversation-${conversationId}`,
          taskQueue: TASK_QUEUE,
          args: [{ conversationId, channel: 'web', customerId, idleTimeoutMs: 60_000, turnCap: 200 }],
          typedSearchAttributes: [
            { key: CustomerIdKey, value: customerId },
            { key: ChannelKey, value: 'web' },
            { key: StatusKey, value: 'open' },
          ],
          signal: closeConversationSignal,
          signalArgs: [],
        });
        await handle.result();
        const now = performance.now();
        latency.record(now - begun);
        completedAt.push(now);
      } catch (error) {
        latency.fail(error instanceof Error ? error.message : String(error));
      }
    },
  );
  return { completedAt, latency, startedAt };
}

export default async function run(): Promise<BenchmarkResult> {
  const stack = await startBenchStack('throughput');
  try {
    const bundle = await writeWorkflowBundle(stack.dataDir);
    const cold = await coldStarts(stack, bundle.path);
    const client = await temporalClient(stack);
    try {
      const rssBefore = cold.worker.rssBytes();
      const { completedAt, latency, startedAt } = await completeWorkflows(client, WORKFLOWS);
      const sorted = [...completedAt].sort((a, b) => a - b);
      const skip = Math.floor(sorted.length * WARMUP_FRACTION);
      const steady = sorted.slice(skip);
      const steadyWindowS = steady.length > 1 ? (steady.at(-1)! - steady[0]!) / 1_000 : Number.NaN;
      const sustained = round((steady.length - 1) / steadyWindowS, 1);
      const overall = round(sorted.length / ((sorted.at(-1)! - startedAt) / 1_000), 1);
      const coldStartMs = round(percentile(cold.spawnToReadyMs, 100));
      const db = await database(stack);
      const lookups = await lookupCost(db).finally(() => db.close());
      const figures = {
        benchmark: 'throughput',
        completionsPerS: sustained,
        overallCompletionsPerS: overall,
        workflows: WORKFLOWS,
        budgetS: BUDGET_S,
        lanes: LANES,
        completed: completedAt.length,
        errors: latency.errors,
        startToCompleteP50Ms: latency.p(50),
        startToCompleteP99Ms: latency.p(99),
        coldStartMs,
        coldStartsMs: cold.spawnToReadyMs,
        workerCreateAndRunMs: cold.workerStartMs,
        bundleBytes: bundle.bytes,
        bundleMs: round(bundle.bundleMs),
        workerRssBytes: { beforeRun: rssBefore, afterRun: cold.worker.rssBytes() },
        lookupAfterRun: lookups,
        targets: TARGETS,
        met: { completionsPerS: sustained >= TARGETS.completionsPerS, coldStart: coldStartMs <= TARGETS.coldStartMs },
        workerTuning: workerTuningFromEnvironment(),
        stack: stack.routes,
        machine: machine(),
      };
      const allMet = Object.values(figures.met).every(Boolean);
      const summary = [
        `throughput: up to ${WORKFLOWS} conversation workflows (no new start after ${BUDGET_S} s), start → close → complete, ${LANES} at a time; ${completedAt.length} completed`,
        `  Temporal: ${stack.routes.temporal}; database: ${stack.routes.mongo}`,
        `  sustained ${sustained} completions/s (first ${skip} discarded); overall ${overall}/s; errors ${latency.errors}`,
        `  ${latency.summary('start → complete')}`,
        ...latency.errorMessages.map((m) => `  error: ${m}`),
        `  worker cold start from a prebuilt bundle (process start → polling), ${COLD_STARTS} runs: ${cold.spawnToReadyMs.join(', ')} ms; of which connect + Worker.create + run: ${cold.workerStartMs.join(', ')} ms`,
        `  one lookup after the run (${lookups.conversations} conversations): by conversationId ${lookups.byFieldMs} ms, by _id ${lookups.byIdMs} ms`,
        `  workflow bundle ${(bundle.bytes / 1024).toFixed(0)} KiB, built in ${round(bundle.bundleMs / 1000, 1)} s`,
        `  ≥ ${TARGETS.completionsPerS}/s: ${verdict(figures.met.completionsPerS)}; cold start ≤ ${TARGETS.coldStartMs} ms: ${verdict(figures.met.coldStart)}`,
        `  all targets ${allMet ? 'met' : 'NOT met'}`,
      ].join('\n');
      return { summary, figures: { ...figures, allMet } };
    } finally {
      await client.connection.close();
      await cold.worker.stop();
    }
  } finally {
    await stack.stop();
  }
}
