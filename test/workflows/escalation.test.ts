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
import { conversationWorkflow, customerMessageUpdate, type DeskSettings } from '../../workflows/conversation';
import { acceptUpdate, escalationViewQuery, resolveUpdate } from '../../workflows/escalation';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';

const MIN = 60_000;
let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `escalation-wf-${randomUUID()}`;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  db = await connectDatabase(isolatedMongoUri('esc'));
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

async function handOff(conversationId: string, customerId: string, desk?: DeskSettings): Promise<string> {
  const handle = await env.client.workflow.start(conversationWorkflow, {
    workflowId: conversationWorkflowId(conversationId),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ conversationId, channel: 'web', customerId, idleTimeoutMs: 30 * MIN, turnCap: 100, ...(desk ? { desk } : {}) }],
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

/** Lets the router and the escalations react; time-skipping jumps past the gap if all are waiting. */
async function settle(): Promise<void> {
  await env.sleep(1_000);
}

describe('escalation workflow', () => {
  it('waits in its queue while nobody is free and is assigned the moment an agent frees up', async () => {
    const first = await handOff('esc-queue-1', 'c-std');
    await settle();
    expect((await view(first)).status).toBe('queued');

    await setAgent('li', 'online');
    await settle();
    expect(await view(first)).toMatchObject({ status: 'assigned', agentId: 'li' });

    const second = await handOff('esc-queue-2', 'c-std2');
    await settle();
    expect((await view(second)).status).toBe('queued');

    await escalation(first).executeUpdate(acceptUpdate, { args: [{ agentId: 'li' }] });
    await escalation(first).executeUpdate(resolveUpdate, { args: [{ agentId: 'li', note: 'done' }] });
    await settle();
    expect(await view(second)).toMatchObject({ status: 'assigned', agentId: 'li' });
    await escalation(second).executeUpdate(acceptUpdate, { args: [{ agentId: 'li' }] });
    await escalation(second).executeUpdate(resolveUpdate, { args: [{ agentId: 'li' }] });
    await setAgent('li', 'offline');
  });

  it('warns at 80 % of the first-response SLA, and on breach alerts supervisors and reassigns to someone else', async () => {
    await setAgent('li', 'online');
    const id = await handOff('esc-sla', 'c-std3');
    await settle();
    expect((await view(id)).agentId).toBe('li');

    await env.sleep(1.7 * MIN);
    expect(await db.models.Alert.countDocuments({ escalationId: id, kind: 'first_response_warning' })).toBe(1);
    expect((await view(id)).sla.first_response).toMatchObject({ warned: true, breached: false });

    await setAgent('wang', 'online');
    await env.sleep(0.5 * MIN);
    const after = await view(id);
    expect(after.breaches).toEqual(['first_response']);
    expect(await db.models.Alert.countDocuments({ escalationId: id, kind: 'first_response_breach' })).toBe(1);
    expect(after).toMatchObject({ status: 'assigned', agentId: 'wang', priority: 'high' });
    expect(after.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['sla_warning', 'sla_breach', 'requeued']));
    await escalation(id).executeUpdate(acceptUpdate, { args: [{ agentId: 'wang' }] });
    await escalation(id).executeUpdate(resolveUpdate, { args: [{ agentId: 'wang' }] });
  });

  it("runs a hand-off on its queue's SLA targets rather than the desk's", async () => {
    await setAgent('li', 'online');
    const desk: DeskSettings = { sla: { firstResponseMs: 2 * MIN, resolutionMs: 30 * MIN }, slaByQueue: { general: { firstResponseMs: 60 * MIN, resolutionMs: 180 * MIN } }, businessHours: '24x7', csatWaitMs: MIN };
    const id = await handOff('esc-queue-sla', 'c-std', desk);
    await settle();
    const assigned = await view(id);
    expect(assigned).toMatchObject({ status: 'assigned', agentId: 'li', queue: 'general', priority: 'normal' });
    expect(assigned.sla.first_response.remainingMs).toBeGreaterThan(55 * MIN);
    expect(assigned.sla.resolution.remainingMs).toBeGreaterThan(175 * MIN);

    // Well past the desk's 2-minute target, the agent keeps the task: the queue allows an hour.
    await env.sleep(10 * MIN);
    expect(await view(id)).toMatchObject({ status: 'assigned', agentId: 'li', breaches: [] });
    expect(await db.models.Alert.countDocuments({ escalationId: id, kind: 'first_response_warning' })).toBe(0);
    // The queue's own target still runs: its warning comes at 80 % of the hour.
    await env.sleep(40 * MIN);
    expect(await db.models.Alert.countDocuments({ escalationId: id, kind: 'first_response_warning' })).toBe(1);

    await escalation(id).executeUpdate(acceptUpdate, { args: [{ agentId: 'li' }] });
    await escalation(id).executeUpdate(resolveUpdate, { args: [{ agentId: 'li' }] });
    await setAgent('li', 'offline');
  });
});
