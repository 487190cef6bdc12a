/**
 * turn-latency: customer message → bot reply through the conversation workflow over HTTP, with the
 * embedded answerer. Open loop: messages leave on a fixed schedule (10/s spread over 20 live
 * conversations) whether or not earlier replies have come back, and each latency is measured from
 * the message's scheduled time, so a stall shows up in the figures rather than slowing the load.
 * Every conversation takes TURNS_PER_CONVERSATION messages and is then replaced by a new one, so
 * first messages (Update-with-Start: the workflow starts and loads the customer) are measured too.
 */
import { randomUUID } from 'node:crypto';
import {
  LatencyRecorder,
  QUESTIONS,
  demoCustomer,
  machine,
  round,
  sleep,
  staffToken,
  startBenchStack,
  startSystemProcess,
  verdict,
  workerTuningFromEnvironment,
  writeWorkflowBundle,
} from './harness';
import type { BenchmarkResult } from './run';

const RATE_PER_S = Number(process.env.BENCH_RATE ?? 10);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const MEASURE_S = Number(process.env.BENCH_DURATION_S ?? 60);
const TURNS_PER_CONVERSATION = 10;
const REQUEST_TIMEOUT_MS = 30_000;

const TARGETS = { p50Ms: 150, p99Ms: 800, firstP99Ms: 1_200, errors: 0 };

interface Phase {
  all: LatencyRecorder;
  first: LatencyRecorder;
  later: LatencyRecorder;
  handedOff: number;
  elapsedS: number;
}

/** Sends RATE_PER_S messages a second for durationS seconds, round-robin over CONVERSATIONS conversations. */
async function openLoop(apiUrl: string, token: string, label: string, durationS: number): Promise<Phase> {
  const phase: Phase = { all: new LatencyRecorder(), first: new LatencyRecorder(), later: new LatencyRecorder(), handedOff: 0, elapsedS: 0 };
  const runId = randomUUID().slice(0, 8);
  const total = Math.round(durationS * RATE_PER_S);
  const intervalMs = 1_000 / RATE_PER_S;
  const inFlight: Promise<void>[] = [];
  const startedAt = performance.now();
  for (let k = 0; k < total; k++) {
    const scheduledAt = startedAt + k * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await sleep(wait);
    const slot = k % CONVERSATIONS;
    const turn = Math.floor(k / CONVERSATIONS);
    const generation = Math.floor(turn / TURNS_PER_CONVERSATION);
    const isFirst = turn % TURNS_PER_CONVERSATION === 0;
    const conversationId = `bench-${label}-${runId}-${slot}-${generation}`;
    const body = { channel: 'web', customerId: demoCustomer(slot), text: QUESTIONS[(slot + turn) % QUESTIONS.length], messageId: `m-${runId}-${k}` };
    inFlight.push(
      (async () => {
        try {
          const response = await fetch(`${apiUrl}/api/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await response.text();
          if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 200)}`);
          const ms = performance.now() - scheduledAt;
          phase.all.record(ms);
          (isFirst ? phase.first : phase.later).record(ms);
          if ((JSON.parse(text) as { handedOff?: boolean }).handedOff) phase.handedOff++;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          phase.all.fail(message);
          (isFirst ? phase.first : phase.later).fail(message);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  phase.elapsedS = (performance.now() - startedAt) / 1_000;
  return phase;
}

export default async function run(): Promise<BenchmarkResult> {
  const stack = await startBenchStack('turn-latency');
  try {
    const bundle = await writeWorkflowBundle(stack.dataDir);
    const system = await startSystemProcess(stack, { role: 'api+worker', taskQueue: 'bench-turns', bundlePath: bundle.path });
    try {
      const token = await staffToken(system.apiUrl!);
      const warmup = await openLoop(system.apiUrl!, token, 'warm', WARMUP_S);
      const measured = await openLoop(system.apiUrl!, token, 'run', MEASURE_S);
      const figures = {
        benchmark: 'turn-latency',
        p50Ms: measured.all.p(50),
        p95Ms: measured.all.p(95),
        p99Ms: measured.all.p(99),
        maxMs: measured.all.p(100),
        firstP50Ms: measured.first.p(50),
        firstP99Ms: measured.first.p(99),
        laterP99Ms: measured.later.p(99),
        errors: measured.all.errors,
        messages: measured.all.samples.length + measured.all.errors,
        firstMessages: measured.first.samples.length + measured.first.errors,
        throughput: round(measured.all.samples.length / measured.elapsedS, 2),
        handedOff: measured.handedOff,
        warmupMessages: warmup.all.samples.length + warmup.all.errors,
        warmupErrors: warmup.all.errors,
        load: { ratePerS: RATE_PER_S, conversations: CONVERSATIONS, measureS: MEASURE_S, warmupS: WARMUP_S, turnsPerConversation: TURNS_PER_CONVERSATION },
        targets: TARGETS,
        met: {
          p50: measured.all.p(50) <= TARGETS.p50Ms,
          p99: measured.all.p(99) <= TARGETS.p99Ms,
          firstP99: measured.first.p(99) <= TARGETS.firstP99Ms,
          errors: measured.all.errors === TARGETS.errors,
        },
        workerRssBytes: system.rssBytes(),
        workerTuning: workerTuningFromEnvironment(),
        stack: stack.routes,
        machine: machine(),
      };
      const allMet = Object.values(figures.met).every(Boolean);
      const summary = [
        `turn-latency: ${RATE_PER_S} messages/s over ${CONVERSATIONS} conversations for ${MEASURE_S} s after a ${WARMUP_S} s warm-up (discarded)`,
        `  Temporal: ${stack.routes.temporal}; database: ${stack.routes.mongo}`,
        `  ${measured.all.summary('all turns     ')}`,
        `  ${measured.first.summary('first messages')}`,
        `  ${measured.later.summary('later turns   ')}`,
        `  throughput ${figures.throughput} replies/s; hand-offs ${measured.handedOff}`,
        ...measured.all.errorMessages.map((m) => `  error: ${m}`),
        `  p50 ≤ ${TARGETS.p50Ms} ms: ${verdict(figures.met.p50)}; p99 ≤ ${TARGETS.p99Ms} ms: ${verdict(figures.met.p99)}; first p99 ≤ ${TARGETS.firstP99Ms} ms: ${verdict(figures.met.firstP99)}; zero errors: ${verdict(figures.met.errors)}`,
        `  all targets ${allMet ? 'met' : 'NOT met'}`,
      ].join('\n');
      return { summary, figures: { ...figures, allMet } };
    } finally {
      await system.stop();
    }
  } finally {
    await stack.stop();
  }
}
