import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOms, type FakeOms } from '../helpers/fake-oms';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';
import { killWorkerProcesses, startWorkerProcess, workerEnvironment, writeWorkflowBundle } from '../helpers/worker-process';

let oms: FakeOms;
let system: TestSystem;
let ops: string;
const scratch = mkdtempSync(path.join(tmpdir(), 'loopdesk-cases-'));

beforeAll(async () => {
  oms = await startFakeOms();
  system = await startTestSystem('cases-oms', { OMS_BASE_URL: oms.url, OMS_SECRET: oms.secret, CASE_CSAT_WAIT: '1s', SMTP_INBOUND_ENABLED: 'false' });
  ops = await system.token('ops');
});

afterAll(async () => {
  await killWorkerProcesses();
  await system?.stop();
  await oms?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const api = (method: string, path: string, body?: unknown) => http(system.api.url, method, path, { token: ops, ...(body === undefined ? {} : { body }) });

async function caseAt(caseId: string, status: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api('GET', `/api/cases/${caseId}`);
    if (res.json.status === status) return res.json as Record<string, unknown> & { timeline: Array<{ type: string; detail?: string }> };
    if (Date.now() > deadline) throw new Error(`case ${caseId} never reached ${status}: ${res.text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a return against an external OMS and payment gateway over HTTP', () => {
  it('labels and refunds through the signed HTTP adapter, parks the refund when the gateway keeps failing, and pays once on retry', async () => {
    const started = await api('POST', '/api/cases', { type: 'return', customerId: 'c-1011', orderId: 'EXT-1001', reason: 'no_reason', details: 'wrong colour' });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    const labelled = await caseAt(caseId, 'awaiting_pickup');
    expect(labelled.returnTrackingNumber).toMatch(/^ZTO/);
    expect(oms.requests.find((r) => r.path === '/returns/labels')).toMatchObject({ idempotencyKey: `return-label:${caseId}`, body: { rmaId: caseId, orderId: 'EXT-1001' } });

    // Every attempt the workflow makes fails: the step parks rather than failing the case.
    oms.failNext('/refunds', 4);
    await api('POST', `/api/cases/${caseId}/events`, { type: 'carrier', status: 'picked_up' });
    await api('POST', `/api/cases/${caseId}/events`, { type: 'warehouse', status: 'inspected', passed: true });
    const parked = await caseAt(caseId, 'step_failed');
    expect(parked.failedStep).toMatchObject({ name: 'refund' });
    const attempts = oms.requests.filter((r) => r.path === '/refunds');
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((r) => r.idempotencyKey))).toEqual(new Set([`refund:${caseId}`]));
    expect(oms.refunds.size).toBe(0);

    const retried = await api('POST', `/api/cases/${caseId}/retry`);
    expect(retried.status, retried.text).toBe(200);
    const closed = await caseAt(caseId, 'closed');
    expect(closed).toMatchObject({ closureReason: 'refunded', refund: { refundId: 'EXT-RF-1', amount: 459, status: 'succeeded' } });
    expect(closed.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['step_failed', 'retry', 'refunded']));
    expect([...oms.refunds.values()]).toEqual([{ refundId: 'EXT-RF-1', orderId: 'EXT-1001', amount: 459 }]);
  });

  it('tells the customer when the OMS does not know the order', async () => {
    const started = await api('POST', '/api/cases', { type: 'return', customerId: 'c-1011', orderId: 'EXT-404', reason: 'fault', details: 'broken' });
    const closed = await caseAt(started.json.caseId as string, 'closed');
    expect(closed.closureReason).toBe('ineligible');
  });
});

describe('a worker killed (SIGKILL) while the gateway is paying a refund', () => {
  it('pays once: the retried refund carries the same idempotency key and the gateway answers with the first refund', async () => {
    const started = await api('POST', '/api/cases', { type: 'return', customerId: 'c-1011', orderId: 'EXT-1001', reason: 'fault', details: 'seam split' });
    const caseId = started.json.caseId as string;
    await caseAt(caseId, 'awaiting_pickup');

    // The case moves to a worker in a child process, the kind a test can kill like a crash.
    await system.worker.stop();
    const bundlePath = await writeWorkflowBundle(scratch);
    const env = { ...workerEnvironment(system.config, system.endpoints), OMS_BASE_URL: oms.url, OMS_SECRET: oms.secret, CASE_CSAT_WAIT: '1s' };
    const doomed = await startWorkerProcess(env, { bundlePath });

    const held = oms.holdRefundAnswers();
    await api('POST', `/api/cases/${caseId}/events`, { type: 'carrier', status: 'picked_up' });
    await api('POST', `/api/cases/${caseId}/events`, { type: 'warehouse', status: 'inspected', passed: true });
    const first = await held;
    await doomed.kill();
    oms.releaseHeld();
    expect(oms.refunds.get(`refund:${caseId}`)).toBeDefined();

    // A fresh worker: Temporal retries the refund when its attempt times out (30 s).
    system.worker = await system.startWorker();
    const closed = await caseAt(caseId, 'closed', 80_000);
    const attempts = oms.requests.filter((r) => r.path === '/refunds' && r.idempotencyKey === first.idempotencyKey);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect([...oms.refunds.keys()].filter((key) => key === `refund:${caseId}`)).toHaveLength(1);
    expect(closed).toMatchObject({ closureReason: 'refunded', refund: { refundId: oms.refunds.get(`refund:${caseId}`)!.refundId } });
    expect(closed.timeline.filter((t) => t.type === 'refunded')).toHaveLength(1);
    expect(await system.db.models.Delivery.countDocuments({ idempotencyKey: `case:${caseId}:refund-issued` })).toBe(1);
  }, 120_000);
});
