import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import type { Activities } from '../activities';

export const workflowsPath = path.resolve(import.meta.dirname, '..', 'workflows', 'index.ts');

export interface LoopdeskWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle starts faster than bundling the workflows again. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Encrypts what the worker writes into workflow histories. */
  codec: PayloadCodec;
  tuning?: WorkerTuning;
}

/** How much one worker holds and runs at once (WORKER_* variables); unset ones keep the SDK's defaults. */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks; one outside the cache is replayed from its history. */
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTasks?: number;
  maxConcurrentLocalActivities?: number;
  maxConcurrentActivities?: number;
  workflowTaskPollers?: number;
}

function workerTuningOptions(tuning: WorkerTuning = {}): Partial<WorkerOptions> {
  return {
    maxCachedWorkflows: tuning.maxCachedWorkflows ?? 1_000,
    ...(tuning.maxConcurrentWorkflowTasks ? { maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks } : {}),
    ...(tuning.maxConcurrentLocalActivities ? { maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivities } : {}),
    ...(tuning.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities } : {}),
    ...(tuning.workflowTaskPollers ? { maxConcurrentWorkflowTaskPolls: tuning.workflowTaskPollers } : {}),
  };
}

/** Wiring only: the one task queue Loopdesk's workflows and activities run on. */
export function createLoopdeskWorker(opts: LoopdeskWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    dataConverter: { payloadCodecs: [opts.codec] },
    ...workerTuningOptions(opts.tuning),
  });
}
