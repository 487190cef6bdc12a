/**
 * What every benchmark shares: its own real stack (Temporal dev server + MongoDB-compatible database
 * on free loopback ports, data in a folder of its own), Loopdesk's API and worker in child processes
 * as production runs them, an HTTP client that records latencies, percentiles, and RSS sampling.
 * Set TEMPORAL_ADDRESS / MONGODB_URI to point the same benchmark at external servers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { connectDatabase, type Database } from '../activities/db/models';
import { generatePayloadKeySpec, payloadCodecFor } from '../activities/security/payload-codec';
import { projectRoot } from '../scripts/dev/provision';
import { startStack } from '../scripts/dev/stack';
import { workflowsPath } from '../workers/worker';

export const DEMO_PASSWORD = 'loopdesk-bench-demo';

export interface BenchStack {
  temporalAddress: string;
  mongoUri: string;
  /** Where this run's SQLite files, logs and bundle go; removed by stop(). */
  dataDir: string;
  routes: { temporal: string; mongo: string };
  /** True when the servers came from TEMPORAL_ADDRESS / MONGODB_URI rather than the embedded stack. */
  external: { temporal: boolean; mongo: boolean };
  /** One payload key for every process of the run, so they can read each other's histories. */
  payloadKeys: string;
  stop(): Promise<void>;
}

/** Brings up a fresh embedded stack (or checks the external servers) for one benchmark run. */
export async function startBenchStack(name: string): Promise<BenchStack> {
  const dataDir = path.join(projectRoot, '.data', 'bench', `${name}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const runId = randomUUID().slice(0, 8);
  const externalMongo = process.env.MONGODB_URI;
  const stack = await startStack({
    dataDir,
    cacheDir: process.env.LOOPDESK_CACHE_DIR,
    temporalAddress: process.env.TEMPORAL_ADDRESS,
    // A database of its own on an external server, so runs never see each other's data.
    mongoUri: externalMongo ? withDatabase(externalMongo, `bench-${name}-${runId}`) : undefined,
    temporalPort: 0,
    temporalUiPort: 0,
    mongoPort: 0,
    namespace: 'default',
    ui: false,
  });
  return {
    temporalAddress: stack.temporalAddress,
    mongoUri: stack.mongoUri,
    dataDir,
    routes: stack.routes,
    external: { temporal: Boolean(process.env.TEMPORAL_ADDRESS), mongo: Boolean(externalMongo) },
    payloadKeys: generatePayloadKeySpec(`bench-${runId}`),
    async stop() {
      await stack.stop();
      // BENCH_KEEP_DATA=1 keeps the servers' files and the Loopdesk processes' logs for a look afterwards.
      if (!process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The environment of a Loopdesk process joining this stack; `extra` carries WORKER_* tuning and the like. */
export function systemEnvironment(stack: BenchStack, taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    MONGODB_URI: stack.mongoUri,
    PAYLOAD_KEYS: stack.payloadKeys,
    JWT_SECRET: `bench-jwt-secret-${'x'.repeat(32)}`,
    WIDGET_IDENTITY_SECRET: `bench-widget-secret-${'x'.repeat(32)}`,
    // Production settings, but the demo accounts the benchmarks sign in with: a throwaway stack on loopback.
    LOOPDESK_SEED_DEMO: 'true',
    LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION: 'true',
    LOOPDESK_DEMO_PASSWORD: DEMO_PASSWORD,
    RATE_LIMIT_LOGIN: '1000000',
    RATE_LIMIT_PUBLIC: '1000000',
    // The inbound e-mail listener is not measured here; off, so no fixed port is needed.
    SMTP_INBOUND_ENABLED: 'false',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...(process.env.BENCH_DB_PROFILE ? { LOOPDESK_DB_PROFILE: path.resolve(process.env.BENCH_DB_PROFILE) } : {}),
    ...workerTuningFromEnvironment(),
    ...extra,
  };
}

/** WORKER_* variables set for the benchmark pass on to its worker, to compare tunings run against run. */
export function workerTuningFromEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('WORKER_') && entry[1] !== undefined));
}

export interface SystemProcess {
  readonly pid: number;
  /** Set when the process runs the API. */
  readonly apiUrl?: string;
  /** From the process's start to serving, as the process measured it. */
  readonly processToReadyMs: number;
  /** Connecting, Worker.create and run, as the process measured it. */
  readonly workerStartMs?: number;
  /** From spawn to the ready message, as this process measured it. */
  readonly spawnToReadyMs: number;
  rssBytes(): number;
  stop(): Promise<void>;
  output(): string;
}

const CHILD_SCRIPT = path.join(import.meta.dirname, 'system-child.ts');
const READY_TIMEOUT_MS = 120_000;
const OUTPUT_KEPT = 20_000;

/** Starts Loopdesk's API and/or worker in a child process and resolves once it serves. */
export async function startSystemProcess(
  stack: BenchStack,
  opts: { role: 'api+worker' | 'api' | 'worker'; taskQueue: string; env?: Record<string, string>; bundlePath?: string },
): Promise<SystemProcess> {
  const spawnedAt = performance.now();
  // node --import tsx rather than the tsx CLI, which would run the script in a grandchild whose RSS we could not see.
  // BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of the process there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF_DIR)] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', CHILD_SCRIPT], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...systemEnvironment(stack, opts.taskQueue, opts.env),
      LOOPDESK_BENCH_ROLE: opts.role,
      ...(opts.bundlePath ? { LOOPDESK_WORKFLOW_BUNDLE: opts.bundlePath } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  mkdirSync(path.join(stack.dataDir, 'logs'), { recursive: true });
  const log = createWriteStream(path.join(stack.dataDir, 'logs', `loopdesk-${opts.role}-${Date.now()}.log`));
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
    log.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let hasExited = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  });
  const stop = async () => {
    if (!hasExited) child.kill('SIGTERM');
    const escalate = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(escalate);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await Promise.race([
      new Promise<{ apiUrl?: string; processToReadyMs: number; workerStartMs?: number }>((resolve) =>
        child.once('message', (message) => resolve(message as { apiUrl?: string; processToReadyMs: number; workerStartMs?: number })),
      ),
      exited.then((how) => Promise.reject(new Error(`Loopdesk ${opts.role} process ${how} before it was ready:\n${output}`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Loopdesk ${opts.role} process not ready within ${READY_TIMEOUT_MS / 1000}s:\n${output}`)), READY_TIMEOUT_MS);
      }),
    ]);
    const spawnToReadyMs = performance.now() - spawnedAt;
    const pid = child.pid ?? -1;
    return { pid, ...ready, spawnToReadyMs, rssBytes: () => rssOf(pid), stop, output: () => output };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Bundles the workflows once and writes the bundle where worker processes load it. */
export async function writeWorkflowBundle(dir: string): Promise<{ path: string; bytes: number; bundleMs: number }> {
  const started = performance.now();
  const silent = () => undefined;
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { log: silent, trace: silent, debug: silent, info: silent, warn: silent, error: silent } });
  const bundleMs = performance.now() - started;
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, bundle.code);
  return { path: file, bytes: Buffer.byteLength(bundle.code), bundleMs };
}

/** A Temporal client with the run's payload codec, for starting and watching workflows directly. */
export async function temporalClient(stack: BenchStack): Promise<Client> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  return new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [payloadCodecFor(stack.payloadKeys)] } });
}

export function database(stack: BenchStack): Promise<Database> {
  return connectDatabase(stack.mongoUri);
}

/**
 * What one lookup costs the database at the collection's current size: by an indexed field and by
 * _id. FerretDB v1 on SQLite turns only an `_id` equality into an indexed SQL lookup and scans the
 * whole collection for anything else, so the first grows with the collection and the second does not.
 */
export async function lookupCost(db: Database): Promise<{ conversations: number; messages: number; byFieldMs: number; byIdMs: number }> {
  const { Conversation, Message } = db.models;
  const [conversations, messages] = await Promise.all([Conversation.estimatedDocumentCount(), Message.estimatedDocumentCount()]);
  const time = async (lookup: () => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < 10; i++) await lookup();
    return round((performance.now() - started) / 10, 2);
  };
  const byFieldMs = await time(() => Conversation.findOne({ conversationId: 'no-such-conversation' }).lean());
  const byIdMs = await time(() => Conversation.findById('000000000000000000000000').lean());
  return { conversations, messages, byFieldMs, byIdMs };
}

/** Resident set size of a process, from /proc (Linux); 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS on an interval and keeps the peak. */
export function sampleRss(pid: number, intervalMs = 500): { peakBytes(): number; lastBytes(): number; stop(): void } {
  let peak = rssOf(pid);
  let last = peak;
  const timer = setInterval(() => {
    last = rssOf(pid);
    peak = Math.max(peak, last);
  }, intervalMs);
  timer.unref();
  return { peakBytes: () => peak, lastBytes: () => last, stop: () => clearInterval(timer) };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Latencies of one kind of request and how many of them failed. */
export class LatencyRecorder {
  readonly samples: number[] = [];
  errors = 0;
  readonly errorMessages: string[] = [];

  record(ms: number): void {
    this.samples.push(ms);
  }

  fail(message: string): void {
    this.errors++;
    if (this.errorMessages.length < 5) this.errorMessages.push(message);
  }

  p(p: number): number {
    return round(percentile(this.samples, p));
  }

  summary(label: string): string {
    return `${label}: n=${this.samples.length} p50=${this.p(50)} ms p95=${this.p(95)} ms p99=${this.p(99)} ms max=${this.p(100)} ms errors=${this.errors}`;
  }
}

/** One JSON request to the API, timed; throws on a non-2xx status with the body in the message. */
export async function timedJson<T>(
  recorder: LatencyRecorder | undefined,
  url: string,
  opts: { method?: string; body?: unknown; token?: string } = {},
): Promise<T | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 300)}`);
    recorder?.record(performance.now() - started);
    return (text ? JSON.parse(text) : undefined) as T;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!recorder) throw error;
    recorder.fail(message);
    return undefined;
  }
}

/** A staff token from the API's demo users (seeded by the benchmark's own API process). */
export async function staffToken(apiUrl: string, username = 'ops'): Promise<string> {
  const body = await timedJson<{ token: string }>(undefined, `${apiUrl}/api/auth/login`, { body: { username, password: DEMO_PASSWORD } });
  if (!body?.token) throw new Error(`login as ${username} returned no token`);
  return body.token;
}

/** Bilingual customer questions the embedded answerer handles without a hand-off. */
export const QUESTIONS = [
  '几天内可以无理由退货?',
  'How many days do I have to return an item?',
  '退款多久到账?',
  'How long does delivery take?',
  '优惠券怎么用?',
  'What does the warranty cover?',
  '怎么开发票?',
  'My payment failed, what should I do?',
];

/** The demo customers seeded with the API (c-1001 … c-1012). */
export function demoCustomer(index: number): string {
  return `c-${1001 + (index % 12)}`;
}

/** The machine a figure was measured on, for the README table. */
export function machine(): { host: string; cores: number; memoryGiB: number; cpu: string; loadAverage: number[] } {
  return {
    host: os.hostname(),
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task` for each item with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** "met" / "MISSED" for a summary line. */
export function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}
