/**
 * A Loopdesk worker in a process of its own, so a test can kill it with SIGKILL the way a crash or
 * an OOM kill would. Configured like `npm run worker` (TEMPORAL_ADDRESS, MONGODB_URI and the rest of
 * the environment); LOOPDESK_WORKFLOW_BUNDLE names a prebuilt workflow bundle, to start in a second
 * rather than bundling again. Started by test/helpers/worker-process.ts, which it tells over IPC
 * when it is polling.
 */
import pino from 'pino';
import { parseConfig } from '../../domain/config';
import { startWorker } from '../../workers/run';

const config = parseConfig(process.env);
const { address: temporalAddress } = config.temporal;
const { uri: mongoUri } = config.mongo;
if (!temporalAddress || !mongoUri) throw new Error('TEMPORAL_ADDRESS and MONGODB_URI must be set');

// The test that started this process owns it: when the test process goes, so does this worker, so
// no orphan keeps polling a test's task queue.
process.once('disconnect', () => process.exit(1));

const bundlePath = process.env.LOOPDESK_WORKFLOW_BUNDLE;
const worker = await startWorker(config, { temporalAddress, mongoUri }, {
  log: pino({ level: config.logLevel }),
  workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
});
process.once('SIGTERM', () => void worker.stop());
process.send?.('ready');
await worker.done;
process.exit(0);
