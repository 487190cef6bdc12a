import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOms, type FakeOms } from '../helpers/fake-oms';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

let oms: FakeOms;
let system: TestSystem;
let ops: string;

beforeAll(async () => {
  oms = await startFakeOms();
  system = await startTestSystem('cases-oms', { OMS_BASE_URL: oms.url, OMS_SECRET: oms.secret, CASE_CSAT_WAIT: '1s', SMTP_INBOUND_ENABLED: 'false' });
  ops = await system.token('ops');
});

afterAll(async () => {
  await system?.stop();
  await oms?.stop();
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
