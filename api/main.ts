import { createLogger } from '../activities/log';
import { parseConfig } from '../domain/config';
import { startApi } from './server';

const config = parseConfig(process.env);
const log = createLogger(config.logLevel, 'loopdesk-api');
if (!config.temporal.address || !config.mongo.uri) {
  log.fatal('TEMPORAL_ADDRESS and MONGODB_URI must be set to run the API on its own; `npm start` runs the embedded stack instead.');
  process.exit(2);
}
const api = await startApi(config, { temporalAddress: config.temporal.address, mongoUri: config.mongo.uri }, { log });
log.info({ url: api.url }, 'API listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api.stop().then(() => process.exit(0));
  });
}
