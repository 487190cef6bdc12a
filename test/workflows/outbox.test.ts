import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { connectDatabase, type Database } from '../../activities/db/models';
import { seedDemoData, seedReferenceData } from '../../activities/seed';
import { defaultChannelSettings, type ChannelSettings } from '../../domain/channels/settings';
import { outboxDispatcherWorkflow, outboxDispatcherWorkflowId, outboxKickSignal } from '../../workflows/outbox';
import { startFakeSmsGateway, startSmtpSink } from '../helpers/fake-channel-peers';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';

/**
 * The outbox dispatcher on the time-skipping server: its rate windows and the send retries' backoff
 * are workflow and server time, so what takes minutes on a real server is checked here in seconds,
 * against a real SMS gateway peer and SMTP relay on 127.0.0.1.
 */

const SMS_LIMIT = 2;
const SMS_WINDOW_MS = 10_000;
const EVENT_STAMP_SLACK_MS = 1_000;

let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let dispatcher: WorkflowHandle<typeof outboxDispatcherWorkflow>;
const taskQueue = `outbox-wf-${randomUUID()}`;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  db = await connectDatabase(isolatedMongoUri('outbox-wf'));
  await seedReferenceData(db.models);
  await seedDemoData(db.models, { demoPassword: 'loopdesk-demo' });
  [sms, sink] = await Promise.all([startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: 'sms-signing-secret' }), startSmtpSink()]);
  const defaults = defaultChannelSettings();
  const channels: ChannelSettings = {
    ...defaults,
    sms: { gatewayUrl: sms.url, apiKey: 'sms-key', signingSecret: 'sms-signing-secret' },
    email: { ...defaults.email, relay: { host: '127.0.0.1', port: sink.port, secure: false }, from: 'Loopdesk <support@shop.example>' },
    // A long poll: every send below is started by a kick or by a rate window opening.
    outbox: { ...defaults.outbox, pollIntervalMs: 3_600_000, rateLimits: { sms: { limit: SMS_LIMIT, windowMs: SMS_WINDOW_MS } } },
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ models: db.models, client: env.client, taskQueue, channels }),
  });
  running = worker.run();
  dispatcher = await env.client.workflow.start(outboxDispatcherWorkflow, {
    workflowId: outboxDispatcherWorkflowId(taskQueue),
    taskQueue,
    args: [{ pollIntervalMs: channels.outbox.pollIntervalMs, rateLimits: channels.outbox.rateLimits }],
  });
});

afterAll(async () => {
  await dispatcher?.terminate('test over').catch(() => undefined);
  worker?.shutdown();
  await running;
  await db?.connection.dropDatabase();
  await db?.close();
  await Promise.all([sms?.close(), sink?.close()]);
  await env?.teardown();
});

async function queue(rows: Array<{ key: string; customerId: string; to: string; text: string }>): Promise<void> {
  await db.models.Delivery.insertMany(rows.map((r) => ({ idempotencyKey: r.key, channel: 'sms', customerId: r.customerId, to: r.to, text: r.text, purpose: 'service', status: 'queued' })));
  await dispatcher.signal(outboxKickSignal);
}

/** Lets server time pass in steps until `check` holds; activities run in real time between the steps. */
async function skipUntil(check: () => Promise<boolean>, stepMs: number, label: string): Promise<void> {
  for (let i = 0; i < 60; i += 1) {
    if (await check()) return;
    await env.sleep(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never true: ${label}`);
}

/** When the dispatcher scheduled each send, on the server's (skipped) clock, by row key. */
async function sendTimes(): Promise<Map<string, number[]>> {
  const history = await dispatcher.fetchHistory();
  const times = new Map<string, number[]>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'sendDelivery') continue;
    const payload = scheduled.input?.payloads?.[0]?.data;
    const key = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { idempotencyKey: string }).idempotencyKey : '';
    const at = Number(event.eventTime?.seconds ?? 0) * 1_000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
    times.set(key, [...(times.get(key) ?? []), at]);
  }
  return times;
}

describe('outbox dispatcher on the time-skipping server', () => {
  it('sends no more than the channel limit in any window of the server clock, each row once', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ key: `rate-${i}`, customerId: 'c-1004', to: '13600136004', text: `notice ${i}` }));
    await queue(rows);
    await skipUntil(async () => (await db.models.Delivery.countDocuments({ idempotencyKey: /^rate-/, status: 'sent' })) === rows.length, SMS_WINDOW_MS / 2, 'every row sent');

    expect(sms.sent.filter((m) => m.text.startsWith('notice ')).map((m) => m.text).sort()).toEqual(rows.map((r) => r.text).sort());
    const times = await sendTimes();
    const firstSends = rows.map((r) => times.get(r.key)?.[0] ?? Number.NaN).sort((a, b) => a - b);
    expect(firstSends.every(Number.isFinite)).toBe(true);
    // A sliding window of SMS_LIMIT: the (i + SMS_LIMIT)-th send starts a full window after the i-th.
    // Events are stamped when the workflow task completes, a little after the clock reading the
    // window used, hence the slack; unlimited, these sends would be milliseconds apart.
    for (let i = SMS_LIMIT; i < firstSends.length; i += 1) expect(firstSends[i]! - firstSends[i - SMS_LIMIT]!).toBeGreaterThanOrEqual(SMS_WINDOW_MS - EVENT_STAMP_SLACK_MS);
    expect(firstSends.at(-1)! - firstSends[0]!).toBeGreaterThanOrEqual(((rows.length - SMS_LIMIT) / SMS_LIMIT) * SMS_WINDOW_MS - EVENT_STAMP_SLACK_MS);
  });

  it('after the retries run out on a gateway that keeps failing, fails the row and sends the message by e-mail instead, once', async () => {
    sms.failNext('13100131011', 1_000);
    await queue([{ key: 'retry-1', customerId: 'c-1011', to: '13100131011', text: 'Your refund has been approved.' }]);
    await skipUntil(async () => (await db.models.Delivery.findOne({ idempotencyKey: 'retry-1' }).lean())?.status === 'failed', 15_000, 'the row failed');

    const failed = await db.models.Delivery.findOne({ idempotencyKey: 'retry-1' }).lean();
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'retries_exhausted' });
    expect(sms.sent.some((m) => m.to === '13100131011')).toBe(false);
    const attempts = (await sendTimes()).get('retry-1') ?? [];
    // One scheduling event: the retries are the activity's own, with backoff on the server's clock.
    expect(attempts).toHaveLength(1);

    await skipUntil(async () => (await db.models.Delivery.countDocuments({ fallbackOf: 'retry-1', status: 'sent' })) === 1, 5_000, 'the e-mail fallback sent');
    const fallback = await db.models.Delivery.find({ fallbackOf: 'retry-1' }).lean();
    expect(fallback).toEqual([expect.objectContaining({ channel: 'email', to: 'daniel.zhou@example.com', status: 'sent' })]);
    expect(sink.mails.filter((m) => m.to.includes('daniel.zhou@example.com') && m.text.includes('Your refund has been approved.'))).toHaveLength(1);
  });
});
