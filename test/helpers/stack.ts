import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../activities/db/models';
import type { Client } from '@temporalio/client';
import { connectTemporalClient } from '../../api/temporal';
import { generatePayloadKeySpec, payloadCodecFor } from '../../activities/security/payload-codec';
import { parseConfig, type AppConfig } from '../../domain/config';
import { startApi, type RunningApi } from '../../api/server';
import { startWorker, type RunningWorker } from '../../workers/run';
import { workflowsPath } from '../../workers/worker';

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A database of its own per test file, so files never see each other's data. */
export function isolatedMongoUri(label: string): string {
  const url = new URL(inject('mongoUri'));
  url.pathname = `/t-${label}-${randomUUID().slice(0, 8)}`;
  return url.toString();
}

/** One key for the whole test file, so every worker and client in it can read each other's payloads. */
export const testPayloadKeys = generatePayloadKeySpec('test');

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return parseConfig({
    NODE_ENV: 'test',
    PORT: '0',
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    PAYLOAD_KEYS: testPayloadKeys,
    RATE_LIMIT_LOGIN: '100000',
    RATE_LIMIT_PUBLIC: '100000',
    // Test systems run side by side: the inbound mail server takes any free port.
    SMTP_INBOUND_PORT: '0',
    ...env,
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling the workflows takes a second or two: do it once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
  return bundle;
}

export interface TestSystem {
  config: AppConfig;
  endpoints: { temporalAddress: string; mongoUri: string };
  api: RunningApi;
  worker: RunningWorker;
  db: Database;
  /** A Temporal client with the same codec as the API's. */
  client: Client;
  startWorker(): Promise<RunningWorker>;
  /** A staff token for a demo user, logged in once per file. */
  token(username: 'admin' | 'ops' | 'supervisor' | 'agent' | 'marketer'): Promise<string>;
  stop(): Promise<void>;
}

/** API and worker in this process, against the run's real Temporal server and database. */
export async function startTestSystem(label: string, env: Record<string, string> = {}): Promise<TestSystem> {
  const config = testConfig(env);
  const endpoints = { temporalAddress: inject('temporalAddress'), mongoUri: isolatedMongoUri(label) };
  const api = await startApi(config, endpoints, { log: silentLog });
  const tokens: Record<string, Promise<string>> = {};
  const launchWorker = async () => startWorker(config, endpoints, { log: silentLog, workflowBundle: await workflowBundle() });
  const system: TestSystem = {
    config,
    endpoints,
    api,
    worker: await launchWorker(),
    db: await connectDatabase(endpoints.mongoUri),
    client: await connectTemporalClient(endpoints.temporalAddress, config.temporal.namespace, payloadCodecFor(config.payloadKeys)),
    startWorker: launchWorker,
    token(username) {
      tokens[username] ??= login(api.url, username);
      return tokens[username];
    },
    async stop() {
      await system.worker.stop();
      await api.stop();
      await system.client.connection.close();
      await system.db.connection.dropDatabase();
      await system.db.close();
    },
  };
  return system;
}

export async function http(base: string, method: string, path: string, opts: { body?: unknown; token?: string; rawBody?: string } = {}) {
  const headers: Record<string, string> = {};
  if ((opts.body !== undefined || opts.rawBody !== undefined) && method !== 'GET') headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const bodyAllowed = method !== 'GET' && method !== 'HEAD';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: bodyAllowed ? (opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))) : undefined,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json: json as Record<string, unknown> & { error?: { code: string; message: string } }, text };
}

export async function login(base: string, username: string, password = 'loopdesk-demo'): Promise<string> {
  const res = await http(base, 'POST', '/api/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  return res.json.token as string;
}
