import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { connectDatabase, type Database } from '../../activities/db/models';
import { routerMessenger } from '../../activities/escalation';
import { seedReferenceData } from '../../activities/seed';
import { conversationWorkflowId, type CustomerMessage } from '../../domain/conversation';
import type { EscalationView } from '../../domain/escalation/escalation-state';
import { conversationViewQuery, conversationWorkflow, customerMessageUpdate } from '../../workflows/conversation';
import { agentRouterWorkflowId } from '../../workflows/agent-router';
import { acceptUpdate, escalationViewQuery, replyUpdate } from '../../workflows/escalation';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';
import { skipTime } from '../helpers/time-skipping';

const MIN = 60_000;
let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `escalation-pause-${randomUUID()}`;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  db = await connectDatabase(isolatedMongoUri('esc-pause'));
  await seedReferenceData(db.models);
  await db.models.Customer.create([
    { customerId: 'c-std', name: 'Zhang', tier: 'standard', lang: 'zh' },
    { customerId: 'c-std2', name: 'Wu', tier: 'standard', lang: 'zh' },
    { customerId: 'c-std3', name: 'Zhou', tier: 'standard', lang: 'zh' },
  ]);
  await db.models.Agent.create([
    { agentId: 'li', displayName: 'Li', skills: ['general'], capacity: 1, status: 'offline' },
    { agentId: 'wang', displayName: 'Wang', skills: ['general'], capacity: 1, status: 'offline' },
  ]);
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

async function handOff(conversationId: string, customerId: string): Promise<string> {
  const handle = await env.client.workflow.start(conversationWorkflow, {
    workflowId: conversationWorkflowId(conversationId),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ conversationId, channel: 'web', customerId, idleTimeoutMs: 30 * MIN, turnCap: 100 }],
  });
  const message: CustomerMessage = { messageId: randomUUID(), channel: 'web', customerId, text: '转人工' };
  const reply = await handle.executeUpdate(customerMessageUpdate, { args: [message], updateId: message.messageId });
  expect(reply.handedOff).toBe(true);
  const escalation = await db.models.Escalation.findOne({ conversationId }).lean();
  return escalation!.escalationId;
}

const escalation = (id: string) => env.client.workflow.getHandle(`escalation-${id}`);
const view = (id: string): Promise<EscalationView> => escalation(id).query(escalationViewQuery);

async function setAgent(agentId: string, status: 'online' | 'offline') {
  const agent = await db.models.Agent.findOneAndUpdate({ agentId }, { $set: { status } }, { new: true }).lean();
  await routerMessenger(env.client, taskQueue)({ kind: 'agentUpdated', agent: { agentId, skills: agent!.skills, capacity: agent!.capacity, status } });
}

/**
 * Moves the clock and lets the router, the escalation and the conversation react; lands clear of
 * their timers, so the message sent next cannot race one (see test/helpers/time-skipping.ts).
 */
function skip(ms: number, conversationId: string, escalationId: string): Promise<void> {
  return skipTime(env, ms, { workflowIds: [conversationWorkflowId(conversationId), `escalation-${escalationId}`, agentRouterWorkflowId(taskQueue)] });
}

/** In a file of its own, so it runs on a time-skipping server no other test has touched. */
describe('escalation workflow', () => {
  it('pauses the resolution clock while waiting on the customer and resumes when they answer', async () => {
    await setAgent('li', 'online');
    const id = await handOff('esc-pause', 'c-std');
    await skip(1_000, 'esc-pause', id);
    const agentId = (await view(id)).agentId!;
    await escalation(id).executeUpdate(acceptUpdate, { args: [{ agentId }] });
    await escalation(id).executeUpdate(replyUpdate, { args: [{ agentId, agentName: agentId, text: '请提供订单号', messageId: 'r-1', awaitCustomer: true }] });
    const paused = await view(id);
    expect(paused.status).toBe('waiting_customer');
    expect(paused.sla.resolution.running).toBe(false);

    // Three of the conversation's 30-minute idle timers fall due on the way; the skip lands clear of the next.
    await skip(90 * MIN, 'esc-pause', id);
    expect((await view(id)).breaches).toEqual([]);

    const conversation = env.client.workflow.getHandle(conversationWorkflowId('esc-pause'));
    const message: CustomerMessage = { messageId: randomUUID(), channel: 'web', customerId: 'c-std', text: 'LD20261001' };
    await conversation.executeUpdate(customerMessageUpdate, { args: [message], updateId: message.messageId });
    await skip(1_000, 'esc-pause', id);
    const resumed = await view(id);
    expect(resumed).toMatchObject({ status: 'active' });
    expect(resumed.sla.resolution.running).toBe(true);
    expect((await conversation.query(conversationViewQuery)).recentTranscript.map((e) => e.role)).toContain('agent');

    await skip(30 * MIN, 'esc-pause', id);
    expect((await view(id)).breaches).toEqual(['resolution']);
  });
});
