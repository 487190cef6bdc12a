import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { caseDepsFrom } from '../activities/oms';
import { kickOutbox } from '../activities/channels/outbox';
import { connectTemporalClient } from '../api/temporal';
import { connectDatabase } from '../activities/db/models';
import { payloadCodecFor } from '../activities/security/payload-codec';
import type { AppConfig } from '../domain/config';
import { createLoopdeskWorker } from './worker';

export interface RunningWorker {
  stop(): Promise<void>;
  /** Settles when the worker stops, by request or by a fatal error. */
  done: Promise<void>;
}

const SDK_LOG_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
let runtimeInstalled = false;

/** The SDK's own logs follow LOG_LEVEL, one notch quieter: its INFO lines (bundle stats) are noise in operation. */
function installRuntime(level: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLevel = level === 'info' ? 'WARN' : (SDK_LOG_LEVELS[level] ?? 'WARN');
  try {
    Runtime.install({ logger: new DefaultLogger(sdkLevel) });
  } catch {
    // A runtime was already installed by the host process (a test harness); keep it.
  }
}

/** Connects a worker to Temporal and MongoDB and runs it until stopped. */
export async function startWorker(
  config: AppConfig,
  endpoints: { temporalAddress: string; mongoUri: string },
  opts: { log: Logger; workflowBundle?: WorkerOptions['workflowBundle'] },
): Promise<RunningWorker> {
  installRuntime(config.logLevel);
  const db = await connectDatabase(endpoints.mongoUri);
  const connection = await NativeConnection.connect({ address: endpoints.temporalAddress });
  const codec = payloadCodecFor(config.payloadKeys);
  const client = await connectTemporalClient(endpoints.temporalAddress, config.temporal.namespace, codec);
  const worker = await createLoopdeskWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      models: db.models,
      client,
      taskQueue: config.temporal.taskQueue,
      ...(config.llm.apiKey ? { llm: { apiKey: config.llm.apiKey, model: config.llm.model, timeoutMs: config.llm.timeoutMs, ...(config.llm.baseUrl ? { baseUrl: config.llm.baseUrl } : {}) } } : {}),
      log: opts.log,
      cases: caseDepsFrom(config),
      channels: config.channels,
    }),
    workflowBundle: opts.workflowBundle,
    codec,
    tuning: config.worker,
  });
  const done = worker.run().finally(async () => {
    await client.connection.close();
    await connection.close();
    await db.close();
  });
  // The outbox dispatcher runs as long as the task queue has workers; starting it again is a no-op.
  await kickOutbox(client, config.temporal.taskQueue, config.channels.outbox);
  opts.log.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
