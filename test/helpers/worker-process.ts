import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../domain/config';
import { projectRoot } from '../../scripts/dev/provision';
import { workflowBundle } from './stack';

const CHILD_SCRIPT = path.join(import.meta.dirname, 'run-worker-child.ts');
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_KEPT = 20_000;

/** A Loopdesk worker in a child process: the one kind of worker a test can kill like a crash does. */
export interface WorkerProcess {
  readonly pid: number;
  /** SIGKILL: no shutdown and no goodbye to Temporal, so the server finds out only by timeouts. */
  kill(): Promise<void>;
  /** SIGTERM: the worker finishes what it holds and exits (SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** The tail of what the process wrote, for failure messages. */
  output(): string;
}

const running = new Set<WorkerProcess>();

/** Writes this file's workflow bundle where worker processes can load it, so they need not bundle again. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, (await workflowBundle()).code);
  return file;
}

/** The environment that makes a worker process join the same system as a test's in-process API. */
export function workerEnvironment(config: AppConfig, endpoints: { temporalAddress: string; mongoUri: string }): Record<string, string> {
  return {
    NODE_ENV: config.env,
    TEMPORAL_ADDRESS: endpoints.temporalAddress,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    MONGODB_URI: endpoints.mongoUri,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? config.logLevel,
    ...(config.payloadKeys ? { PAYLOAD_KEYS: config.payloadKeys } : {}),
  };
}

/** Starts `tsx test/helpers/run-worker-child.ts` and resolves once its worker polls the task queue. */
export async function startWorkerProcess(env: Record<string, string>, opts: { bundlePath?: string } = {}): Promise<WorkerProcess> {
  // node --import tsx, not the tsx CLI: the CLI runs the script in a grandchild, which a SIGKILL of
  // the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      ...(opts.bundlePath ? { LOOPDESK_WORKFLOW_BUNDLE: opts.bundlePath } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let hasExited = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    child.once('error', (error) => {
      hasExited = true;
      resolve(`could not start: ${error.message}`);
    });
  });

  const signalAndWait = async (signal: NodeJS.Signals, graceMs?: number) => {
    running.delete(handle);
    if (!hasExited) child.kill(signal);
    const escalate = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(escalate);
  };
  const handle: WorkerProcess = {
    pid: child.pid ?? -1,
    kill: () => signalAndWait('SIGKILL'),
    stop: () => signalAndWait('SIGTERM', STOP_GRACE_MS),
    output: () => output,
  };
  running.add(handle);

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => child.once('message', () => resolve())),
      exited.then((how) => Promise.reject(new Error(`worker process ${how} before it was ready:\n${output}`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`worker process not ready within ${START_TIMEOUT_MS / 1000}s:\n${output}`)), START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await handle.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return handle;
}

/** Kills every worker process still running: for afterAll, whatever state a failed test left. */
export async function killWorkerProcesses(): Promise<void> {
  await Promise.all([...running].map((worker) => worker.kill()));
}
