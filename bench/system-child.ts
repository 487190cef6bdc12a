/**
 * Loopdesk's API and/or worker in a process of their own, configured from the environment like
 * `npm start` (TEMPORAL_ADDRESS, MONGODB_URI, WORKER_*, …), so a benchmark measures them the way
 * they run in production and the load generator does not share their event loop.
 * LOOPDESK_BENCH_ROLE is `api+worker`, `api` or `worker`; LOOPDESK_WORKFLOW_BUNDLE names a prebuilt
 * workflow bundle. Started by bench/harness.ts, which it tells over IPC when it is serving.
 */
import pino from 'pino';
import { startApi, type RunningApi } from '../api/server';
import { parseConfig } from '../domain/config';
import { startWorker, type RunningWorker } from '../workers/run';

const processStartedAt = Date.now() - Math.round(process.uptime() * 1000);
const config = parseConfig(process.env);
const { address: temporalAddress } = config.temporal;
const { uri: mongoUri } = config.mongo;
if (!temporalAddress || !mongoUri) throw new Error('TEMPORAL_ADDRESS and MONGODB_URI must be set');
const role = process.env.LOOPDESK_BENCH_ROLE ?? 'api+worker';
const endpoints = { temporalAddress, mongoUri };
const log = pino({ level: config.logLevel });

// The benchmark that started this process owns it: when the benchmark goes, so does this process.
process.once('disconnect', () => process.exit(1));

let api: RunningApi | undefined;
let worker: RunningWorker | undefined;
if (role.includes('api')) api = await startApi(config, endpoints, { log });
const workerCreateStartedAt = Date.now();
if (role.includes('worker')) {
  const bundlePath = process.env.LOOPDESK_WORKFLOW_BUNDLE;
  worker = await startWorker(config, endpoints, { log, workflowBundle: bundlePath ? { codePath: bundlePath } : undefined });
}
const readyAt = Date.now();

process.once('SIGTERM', () => {
  void (async () => {
    await api?.stop();
    await worker?.stop();
    process.exit(0);
  })();
});
process.send?.({
  ready: true,
  apiUrl: api?.url,
  /** From the process's own start (before any module loaded) to serving. */
  processToReadyMs: readyAt - processStartedAt,
  /** Connecting, Worker.create and run: the worker's own share of a cold start. */
  workerStartMs: worker ? readyAt - workerCreateStartedAt : undefined,
});
await worker?.done;
