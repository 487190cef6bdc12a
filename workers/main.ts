import { createLogger } from '../activities/log';
import { parseConfig } from '../domain/config';
import { startWorker } from './run';

const config = parseConfig(process.env);
const log = createLogger(config.logLevel, 'loopdesk-worker');
if (!config.temporal.address || !config.mongo.uri) {
  log.fatal('TEMPORAL_ADDRESS and MONGODB_URI must be set to run a worker on its own; `npm start` runs the embedded stack instead.');
  process.exit(2);
}
const worker = await startWorker(config, { temporalAddress: config.temporal.address, mongoUri: config.mongo.uri }, { log });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'worker stopping');
    void worker.stop();
  });
}
await worker.done;
