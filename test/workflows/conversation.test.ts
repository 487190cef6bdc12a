import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { connectDatabase, type Database } from '../../activities/db/models';
import { seedReferenceData } from '../../activities/seed';
import { conversationWorkflowId, type CustomerMessage } from '../../domain/conversation';
import { closeConversationSignal, conversationViewQuery, conversationWorkflow, customerMessageUpdate } from '../../workflows/conversation';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';

const IDLE_MS = 30 * 60_000;

let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `conversation-wf-${randomUUID()}`;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
  });
  db = await connectDatabase(isolatedMongoUri('wf'));
  await seedReferenceData(db.models);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ models: db.models, client: env.client, taskQueue }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await db?.connection.dropDatabase();
  await db?.close();
  await env?.teardown();
});

/**
 * The time-skipping test server has no Update-with-Start (the API's path, covered by the
 * integration tests on the dev server), so here the conversation is started, then updated.
 */
async function send(conversationId: string, text: string, opts: { turnCap?: number; messageId?: string; customerId?: string } = {}) {
  const message: CustomerMessage = { messageId: opts.messageId ?? randomUUID(), channel: 'web', customerId: opts.customerId ?? 'c-1001', text };
  const handle = await env.client.workflow.start(conversationWorkflow, {
    workflowId: conversationWorkflowId(conversationId),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ conversationId, channel: 'web', customerId: message.customerId, idleTimeoutMs: IDLE_MS, turnCap: opts.turnCap ?? 100 }],
  });
  return handle.executeUpdate(customerMessageUpdate, { args: [message], updateId: message.messageId });
}

describe('conversation workflow', () => {
  it('closes an idle conversation after its timeout and records the outcome', async () => {
    const reply = await send('wf-idle', '电池保修多久?');
    expect(reply.citations).toEqual(['kb-warranty']);
    const handle = env.client.workflow.getHandle<typeof conversationWorkflow>(conversationWorkflowId('wf-idle'));
    const before = Date.now();
    const outcome = await handle.result();
    expect(outcome).toEqual({ conversationId: 'wf-idle', turns: 1, closedBy: 'idle', outcomes: ['resolved_by_bot'] });
    const summary = await db.models.Conversation.findOne({ conversationId: 'wf-idle' }).lean();
    expect(summary?.status).toBe('closed');
    expect(summary?.outcome).toBe('idle');
    const closedAt = summary?.closedAt?.getTime() ?? 0;
    expect(closedAt - before).toBeGreaterThanOrEqual(IDLE_MS - 1_000);
    const events = await db.models.BehaviourEvent.find({ type: 'conversation_closed', 'properties.conversationId': 'wf-idle' }).lean();
    expect(events).toHaveLength(1);
  });

  it('picks a closed conversation up again where its transcript left off', async () => {
    const reply = await send('wf-idle', 'Can I use two coupons on one order?');
    expect(reply.turn).toBe(2);
    const seqs = (await db.models.Message.find({ conversationId: 'wf-idle' }).sort({ seq: 1 }).lean()).map((m) => m.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('stays open while the customer keeps talking within the timeout', async () => {
    await send('wf-active', 'hello');
    await env.sleep(IDLE_MS - 60_000);
    await send('wf-active', 'still here');
    await env.sleep(IDLE_MS - 60_000);
    const view = await env.client.workflow.getHandle(conversationWorkflowId('wf-active')).query(conversationViewQuery);
    expect(view).toMatchObject({ status: 'open', turns: 2 });
  });

  it('continues as new at the turn cap without losing the transcript or the turn count', async () => {
    const handle = env.client.workflow.getHandle(conversationWorkflowId('wf-cap'));
    await send('wf-cap', 'hi', { turnCap: 2 });
    const firstRun = (await handle.describe()).runId;
    await send('wf-cap', 'How long does delivery to Tibet take?', { turnCap: 2 });
    const third = await send('wf-cap', '稳盈R2保本吗?', { turnCap: 2 });
    expect(third.turn).toBe(3);
    expect((await handle.describe()).runId).not.toBe(firstRun);
    const view = await handle.query(conversationViewQuery);
    expect(view.turns).toBe(3);
    expect(view.recentTranscript.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers a repeated message id once, with the same reply', async () => {
    const first = await send('wf-dup', '消费多少可以成为金卡会员?', { messageId: 'dup-1' });
    const again = await send('wf-dup', '消费多少可以成为金卡会员?', { messageId: 'dup-1' });
    expect(again).toEqual(first);
    expect(await db.models.Message.countDocuments({ conversationId: 'wf-dup' })).toBe(2);
  });

  it('rejects a message from another customer without recording it', async () => {
    await send('wf-owner', 'hi', { customerId: 'c-1003' });
    const rejection = await send('wf-owner', 'hi', { customerId: 'c-9999' }).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((rejection as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'WrongCustomer', message: 'this conversation belongs to another customer' });
    expect(await db.models.Message.countDocuments({ conversationId: 'wf-owner', customerId: 'c-9999' })).toBe(0);
  });

  it('closes on request', async () => {
    await send('wf-close', 'goodbye');
    const handle = env.client.workflow.getHandle<typeof conversationWorkflow>(conversationWorkflowId('wf-close'));
    await handle.signal(closeConversationSignal);
    expect(await handle.result()).toMatchObject({ closedBy: 'requested', turns: 1 });
  });
});
