import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import mongoose from 'mongoose';
import { customSearchAttributes } from '../../domain/search-attributes';
import { indexedValueTypeFor } from './search-attribute-types';
import { freePort, portInUse, startProcess, waitFor, type ManagedProcess } from './processes';
import { provisionMongo, provisionTemporalCli, type MongoTool } from './provision';

export interface StackOptions {
  /** Where SQLite files and logs go. */
  dataDir: string;
  cacheDir?: string;
  temporalAddress?: string;
  mongoUri?: string;
  /** Fixed ports for `npm start`; tests pass 0 to get free ones. */
  temporalPort: number;
  temporalUiPort: number;
  mongoPort: number;
  namespace: string;
  ui: boolean;
  /** Where the Temporal Web UI asks to decrypt payloads (Loopdesk's codec endpoint). */
  uiCodecEndpoint?: string;
  preferMongo?: MongoTool['kind'];
  log?: (line: string) => void;
}

export interface RunningStack {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongoUri: string;
  routes: { temporal: string; mongo: string };
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 90_000;

async function pickPort(requested: number, what: string): Promise<number> {
  if (requested === 0) return freePort();
  if (await portInUse(requested)) {
    throw new Error(`${what} port ${requested} on 127.0.0.1 is already in use. Stop whatever holds it, or set the matching port variable (see README, Configuration).`);
  }
  return requested;
}

async function temporalHealthy(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function mongoHealthy(uri: string): Promise<boolean> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 2_000 });
  try {
    await connection.asPromise();
    await connection.db?.admin().ping();
    return true;
  } finally {
    await connection.close();
  }
}

/** Registers Loopdesk's custom search attributes; already-registered ones are left as they are. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = customSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueTypeFor(key.type)])),
  });
}

async function startTemporal(opts: StackOptions, stopList: ManagedProcess[]): Promise<{ address: string; uiUrl?: string; route: string }> {
  if (opts.temporalAddress) {
    await waitFor(`Temporal at ${opts.temporalAddress}`, () => temporalHealthy(opts.temporalAddress!), { timeoutMs: 30_000 });
    return { address: opts.temporalAddress, route: 'TEMPORAL_ADDRESS' };
  }
  const cli = await provisionTemporalCli({ cacheDir: opts.cacheDir });
  const port = await pickPort(opts.temporalPort, 'Temporal (TEMPORAL_PORT)');
  const uiPort = opts.ui ? await pickPort(opts.temporalUiPort, 'Temporal Web UI (TEMPORAL_UI_PORT)') : 0;
  const dbFile = path.join(opts.dataDir, 'temporal.sqlite');
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(await freePort()),
    '--metrics-port', String(await freePort()),
    '--db-filename', dbFile,
    '--namespace', opts.namespace,
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true',
  ];
  if (opts.ui) args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  if (opts.ui && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  else args.push('--headless');
  const server = startProcess('temporal', cli.path, args, { logDir: path.join(opts.dataDir, 'logs') });
  stopList.push(server);
  const address = `127.0.0.1:${port}`;
  await waitFor('Temporal dev server', () => temporalHealthy(address), { timeoutMs: STARTUP_TIMEOUT_MS, process: server });
  return { address, uiUrl: opts.ui ? `http://127.0.0.1:${uiPort}` : undefined, route: cli.route };
}

async function startMongo(opts: StackOptions, stopList: ManagedProcess[]): Promise<{ uri: string; route: string }> {
  if (opts.mongoUri) {
    await waitFor('MongoDB at MONGODB_URI', () => mongoHealthy(opts.mongoUri!), { timeoutMs: 30_000 });
    return { uri: opts.mongoUri, route: 'MONGODB_URI' };
  }
  const tool = await provisionMongo({ cacheDir: opts.cacheDir, prefer: opts.preferMongo });
  const port = await pickPort(opts.mongoPort, 'MongoDB (MONGODB_PORT)');
  const logDir = path.join(opts.dataDir, 'logs');
  const dataPath = path.join(opts.dataDir, tool.kind);
  mkdirSync(dataPath, { recursive: true });
  const server =
    tool.kind === 'mongod'
      ? startProcess('mongod', tool.path, ['--dbpath', dataPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], { logDir })
      : tool.kind === 'ferretdb'
        ? startProcess('ferretdb', tool.path, ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataPath], { logDir })
        : startProcess('mongo-java-server', 'java', ['-jar', tool.path, '--port', String(port), '--data-file', path.join(dataPath, 'loopdesk.mv')], { logDir });
  stopList.push(server);
  const uri = `mongodb://127.0.0.1:${port}/loopdesk`;
  await waitFor(tool.route, () => mongoHealthy(uri), { timeoutMs: STARTUP_TIMEOUT_MS, process: server });
  return { uri, route: tool.route };
}

/** Brings up Temporal and a MongoDB-compatible database on loopback (or checks the external ones), in parallel. */
export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.splice(0).reverse().map((p) => p.stop()));
  };
  try {
    const [temporal, mongo] = await Promise.all([startTemporal(opts, processes), startMongo(opts, processes)]);
    const connection = await Connection.connect({ address: temporal.address });
    await registerSearchAttributes(connection, opts.namespace).finally(() => connection.close());
    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      mongoUri: mongo.uri,
      routes: { temporal: temporal.route, mongo: mongo.route },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
