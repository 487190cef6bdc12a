/**
 * open-conversations: one worker holding many open conversations (running workflows) with only
 * WORKER_MAX_CACHED_WORKFLOWS (1 000) of them in memory, its RSS, and the latency of a turn on a
 * conversation that is no longer cached, which the worker must replay from its history first.
 *
 * The API and the worker run in separate processes, so the RSS is the worker's alone. Conversations
 * are opened through the API (one message each, Update-with-Start) until the target count or the
 * time budget is reached; then the oldest ones, long evicted from the cache, each take a turn (cold),
 * and so do the newest ones, still cached (warm), for comparison.
 */
import { randomUUID } from 'node:crypto';
import {
  LatencyRecorder,
  QUESTIONS,
  demoCustomer,
  database,
  inParallel,
  lookupCost,
  machine,
  round,
  sampleRss,
  staffToken,
  startBenchStack,
  startSystemProcess,
  timedJson,
  verdict,
  workerTuningFromEnvironment,
  writeWorkflowBundle,
} from './harness';
import type { BenchmarkResult } from './run';

const TARGET_OPEN = Number(process.env.BENCH_CONVERSATIONS ?? 5_000);
const OPEN_BUDGET_S = Number(process.env.BENCH_OPEN_BUDGET_S ?? 480);
const OPEN_LANES = Number(process.env.BENCH_LANES ?? 8);
const CACHED = Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 1_000);
const PROBE_TURNS = 100;
const PROBE_LANES = 4;
const TASK_QUEUE = 'bench-open';
const GiB = 2 ** 30;

const TARGETS = { openConversations: 5_000, rssBytes: 2 * GiB, coldTurnP99Ms: 1_500 };

export default async function run(): Promise<BenchmarkResult> {
  const stack = await startBenchStack('open-conversations');
  try {
    const bundle = await writeWorkflowBundle(stack.dataDir);
    // Conversations must stay open for the whole run: no idle close.
    const env = { CONVERSATION_IDLE_TIMEOUT: '6h', WORKER_MAX_CACHED_WORKFLOWS: String(CACHED) };
    const worker = await startSystemProcess(stack, { role: 'worker', taskQueue: TASK_QUEUE, bundlePath: bundle.path, env });
    const api = await startSystemProcess(stack, { role: 'api', taskQueue: TASK_QUEUE, env });
    const rss = sampleRss(worker.pid, 1_000);
    try {
      const apiUrl = api.apiUrl!;
      const token = await staffToken(apiUrl);
      const runId = randomUUID().slice(0, 8);
      const conversationId = (i: number) => `bench-open-${runId}-${i}`;
      const send = (recorder: LatencyRecorder, i: number, turn: number) =>
        timedJson(recorder, `${apiUrl}/api/conversations/${conversationId(i)}/messages`, {
          token,
          body: { channel: 'web', customerId: demoCustomer(i), text: QUESTIONS[(i + turn) % QUESTIONS.length], messageId: `m-${runId}-${i}-${turn}` },
        });

      // Open conversations until the target or the time budget, whichever comes first.
      const opening = new LatencyRecorder();
      const openStarted = performance.now();
      const deadline = openStarted + OPEN_BUDGET_S * 1_000;
      let opened = 0;
      const progress: Array<{ opened: number; atS: number; rssMiB: number }> = [];
      await inParallel(
        Array.from({ length: TARGET_OPEN }, (_, i) => i),
        OPEN_LANES,
        async (i) => {
          if (performance.now() > deadline) return;
          await send(opening, i, 0);
          opened++;
          if (opened % 500 === 0) progress.push({ opened, atS: round((performance.now() - openStarted) / 1_000), rssMiB: round(worker.rssBytes() / 2 ** 20) });
        },
      );
      const openSeconds = (performance.now() - openStarted) / 1_000;
      const openOk = opening.samples.length;

      // The oldest conversations were evicted long ago (the cache keeps the most recently used).
      const probeCount = Math.min(PROBE_TURNS, Math.max(0, openOk - CACHED));
      const cold = new LatencyRecorder();
      await inParallel(Array.from({ length: probeCount }, (_, i) => i), PROBE_LANES, (i) => send(cold, i, 1).then(() => undefined));
      const warm = new LatencyRecorder();
      const newest = Array.from({ length: Math.min(PROBE_TURNS, openOk) }, (_, k) => openOk - 1 - k);
      await inParallel(newest, PROBE_LANES, (i) => send(warm, i, 1).then(() => undefined));

      const db = await database(stack);
      const lookups = await lookupCost(db).finally(() => db.close());
      rss.stop();
      const peakRss = Math.max(rss.peakBytes(), worker.rssBytes());
      const figures = {
        benchmark: 'open-conversations',
        openConversations: openOk,
        targetOpen: TARGET_OPEN,
        openErrors: opening.errors,
        openSeconds: round(openSeconds),
        opensPerS: round(openOk / openSeconds, 1),
        openBudgetS: OPEN_BUDGET_S,
        openP50Ms: opening.p(50),
        openP99Ms: opening.p(99),
        cachedWorkflows: CACHED,
        workerRssPeakBytes: peakRss,
        workerRssPeakMiB: round(peakRss / 2 ** 20),
        coldTurns: cold.samples.length,
        coldTurnP50Ms: cold.p(50),
        coldTurnP99Ms: cold.p(99),
        coldErrors: cold.errors,
        warmTurnP50Ms: warm.p(50),
        warmTurnP99Ms: warm.p(99),
        warmErrors: warm.errors,
        progress,
        lookupAfterRun: lookups,
        targets: TARGETS,
        met: {
          openConversations: openOk >= TARGETS.openConversations,
          rss: peakRss <= TARGETS.rssBytes,
          coldTurnP99: cold.samples.length > 0 && cold.p(99) <= TARGETS.coldTurnP99Ms && cold.errors === 0,
        },
        workerTuning: { ...workerTuningFromEnvironment(), WORKER_MAX_CACHED_WORKFLOWS: String(CACHED) },
        stack: stack.routes,
        machine: machine(),
      };
      const allMet = Object.values(figures.met).every(Boolean);
      const summary = [
        `open-conversations: one worker, ${CACHED} workflows cached, opening up to ${TARGET_OPEN} conversations within ${OPEN_BUDGET_S} s (${OPEN_LANES} at a time)`,
        `  Temporal: ${stack.routes.temporal}; database: ${stack.routes.mongo}`,
        `  opened ${openOk} in ${round(openSeconds)} s (${figures.opensPerS}/s); ${opening.summary('first message')}`,
        `  progress: ${progress.map((p) => `${p.opened} at ${p.atS} s (${p.rssMiB} MiB)`).join(', ') || 'n/a'}`,
        `  one lookup at the end (${lookups.conversations} conversations, ${lookups.messages} messages): by conversationId ${lookups.byFieldMs} ms, by _id ${lookups.byIdMs} ms`,
        `  worker RSS peak ${figures.workerRssPeakMiB} MiB`,
        `  ${cold.summary('cold turn (evicted, replayed)')}`,
        `  ${warm.summary('warm turn (cached)           ')}`,
        ...[...opening.errorMessages, ...cold.errorMessages, ...warm.errorMessages].map((m) => `  error: ${m}`),
        `  ≥ ${TARGETS.openConversations} open: ${verdict(figures.met.openConversations)}; RSS ≤ 2 GiB: ${verdict(figures.met.rss)}; cold turn p99 ≤ ${TARGETS.coldTurnP99Ms} ms: ${verdict(figures.met.coldTurnP99)}`,
        `  all targets ${allMet ? 'met' : 'NOT met'}`,
      ].join('\n');
      return { summary, figures: { ...figures, allMet } };
    } finally {
      rss.stop();
      await api.stop();
      await worker.stop();
    }
  } finally {
    await stack.stop();
  }
}
