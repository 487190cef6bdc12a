import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../activities/log';
import { generatePayloadKeySpec } from '../activities/security/payload-codec';
import { startApi, type RunningApi } from '../api/server';
import { ConfigError, parseConfig } from '../domain/config';
import { startWorker, type RunningWorker } from '../workers/run';
import { ProvisionError, projectRoot } from './dev/provision';
import { startStack, type RunningStack } from './dev/stack';
import { ensureWebBuild } from './build-web';

/**
 * Without PAYLOAD_KEYS the embedded default makes one key on the first start and keeps it beside
 * the data it protects, so histories written yesterday still decrypt today.
 */
function ensureEmbeddedPayloadKeys(): void {
  if (process.env.PAYLOAD_KEYS) return;
  const keyFile = path.resolve(projectRoot, process.env.LOOPDESK_DATA_DIR ?? '.data', 'payload-keys');
  if (!existsSync(keyFile)) {
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, generatePayloadKeySpec('embedded-1'), { mode: 0o600 });
  }
  process.env.PAYLOAD_KEYS = readFileSync(keyFile, 'utf8').trim();
}

/** `npm start`: the whole system on the embedded defaults (or on TEMPORAL_ADDRESS / MONGODB_URI when set). */
async function main(): Promise<void> {
  ensureEmbeddedPayloadKeys();
  const config = parseConfig(process.env);
  const log = createLogger(config.logLevel);
  const dataDir = path.resolve(projectRoot, config.dataDir);
  const started = Date.now();
  let stack: RunningStack | undefined;
  let worker: RunningWorker | undefined;
  let api: RunningApi | undefined;

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Loopdesk…');
    await api?.stop().catch((e: unknown) => log.error({ err: e }, 'API stop failed'));
    await worker?.stop().catch((e: unknown) => log.error({ err: e }, 'worker stop failed'));
    await stack?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  if (await ensureWebBuild({ quiet: true })) console.log('Built the web pages (web/dist).');
  console.log('Starting Loopdesk: Temporal and the database first (the first start also provisions them; later starts take seconds)…');
  stack = await startStack({
    dataDir,
    cacheDir: config.cacheDir,
    temporalAddress: config.temporal.address,
    mongoUri: config.mongo.uri,
    temporalPort: config.temporal.embeddedPort,
    temporalUiPort: config.temporal.embeddedUiPort,
    mongoPort: config.mongo.embeddedPort,
    namespace: config.temporal.namespace,
    ui: true,
    uiCodecEndpoint: `http://127.0.0.1:${config.http.port}/api/codec`,
  });
  const endpoints = { temporalAddress: stack.temporalAddress, mongoUri: stack.mongoUri };
  api = await startApi(config, endpoints, { log });
  worker = await startWorker(config, endpoints, { log });
  worker.done.catch((error: unknown) => {
    log.error({ err: error }, 'worker stopped with an error');
    void stop(1);
  });

  console.log(`
Loopdesk is up in ${((Date.now() - started) / 1000).toFixed(1)} s.
  API            ${api.url}   (health: ${api.url}/health, OpenAPI: ${api.url}/openapi.json)
  Shop + chat    ${api.url}/shop
  Workbench      ${api.url}/workbench   (agent or supervisor)
  Supervisor     ${api.url}/supervisor
  Marketing      ${api.url}/marketing    (marketer)
  Temporal       ${stack.temporalAddress}   (${stack.routes.temporal})
  Temporal UI    ${stack.temporalUiUrl ?? 'external Temporal: use its own UI'}
  Database       ${stack.mongoUri}   (${stack.routes.mongo})
  Data           ${dataDir}
Demo users (demo only): admin, ops, supervisor, agent, marketer; password "${config.demoPassword}".
Press Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ProvisionError) console.error(error.message);
  else console.error('Loopdesk could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
