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
    maxCachedWorkflows: 1_000,
  });
}
