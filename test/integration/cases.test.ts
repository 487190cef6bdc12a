import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../domain/oms/signature';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let ops: string;
let supervisor: string;
let agent: string;

// Real time on the dev server: a short rating wait so cases close within the test.
// A short acknowledgement SLA: only a complaint nobody can be told misses it.
const ENV = { CASE_CSAT_WAIT: '2s', COMPLAINT_ACK_SLA: '2s', WEBHOOK_SECRET: 'test-webhook-secret-0123456789', SMTP_INBOUND_ENABLED: 'false' };

beforeAll(async () => {
  system = await startTestSystem('cases', ENV);
  [ops, supervisor, agent] = await Promise.all([system.token('ops'), system.token('supervisor'), system.token('agent')]);
});

afterAll(async () => {
  await system?.stop();
});

const api = (method: string, path: string, opts: { body?: unknown; token?: string } = {}) => http(system.api.url, method, path, { token: ops, ...opts });

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

type CaseBody = { status: string; timeline: Array<{ type: string; detail?: string; by?: string }>; rmaId?: string; returnTrackingNumber?: string; refunds: unknown[]; closureReason?: string; tasks: Array<{ status: string }> };
const caseOf = async (caseId: string) => (await api('GET', `/api/cases/${caseId}`)).json as unknown as CaseBody;
const atStatus = (caseId: string, status: string) => eventually(() => caseOf(caseId), (c) => c.status === status, `${caseId} ${status}`);

function webhook(kind: 'carrier' | 'warehouse', body: unknown, opts: { secret?: string; skewSeconds?: number } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1_000) + (opts.skewSeconds ?? 0);
  return fetch(`${system.api.url}/api/oms/webhooks/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signPayload(opts.secret ?? ENV.WEBHOOK_SECRET, timestamp, raw) },
    body: raw,
  }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, unknown> }));
}

describe('cases through the API', () => {
  it('runs a return from start to refund through signed carrier and warehouse webhooks, refunding once', async () => {
    const started = await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1006', orderId: 'LD20261007', reason: 'no_reason', details: 'size too small', requestId: 'it-return-1' } });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    const again = await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1006', orderId: 'LD20261007', reason: 'no_reason', details: 'size too small', requestId: 'it-return-1' } });
    expect(again.status).toBe(200);
    expect(again.json.caseId).toBe(caseId);

    const labelled = await atStatus(caseId, 'awaiting_pickup');
    expect(labelled.rmaId).toBe(caseId);

    const scan = { eventId: `scan-${caseId}`, status: 'picked_up', trackingNumber: labelled.returnTrackingNumber };
    expect((await webhook('carrier', scan, { secret: 'wrong-secret-0123456789' })).status).toBe(401);
    expect((await webhook('carrier', scan, { skewSeconds: -3_600 })).status).toBe(401);
    const bad = await webhook('warehouse', { eventId: 'w-x', rmaId: caseId, status: 'inspected' });
    expect(bad.status).toBe(400);
    expect((await webhook('carrier', { ...scan, trackingNumber: 'SF0000000000000' })).status).toBe(404);
    expect((await webhook('carrier', scan)).json).toMatchObject({ duplicate: false, caseId });
    expect((await webhook('carrier', scan)).json).toMatchObject({ duplicate: true });
    await atStatus(caseId, 'in_transit');
    expect((await webhook('warehouse', { eventId: `recv-${caseId}`, rmaId: caseId, status: 'received' })).status).toBe(200);
    await atStatus(caseId, 'inspecting');
    expect((await webhook('warehouse', { eventId: `insp-${caseId}`, rmaId: caseId, status: 'inspected', passed: true, note: 'as new' })).status).toBe(200);

    const closed = await atStatus(caseId, 'closed');
    expect(closed.closureReason).toBe('refunded');
    expect(closed.refunds).toHaveLength(1);
    expect(closed.timeline.filter((t) => t.type === 'carrier_picked_up')).toHaveLength(1);
    expect(closed.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['opened', 'eligible', 'return_label_created', 'awaiting_pickup', 'in_transit', 'inspecting', 'refunding', 'refunded', 'awaiting_csat', 'closed']));
    expect(await system.db.models.Refund.countDocuments({ orderId: 'LD20261007' })).toBe(1);
    expect(await system.db.models.Delivery.countDocuments({ idempotencyKey: new RegExp(`^case:${caseId}:`) })).toBeGreaterThanOrEqual(6);
  });

  it('lists and filters cases from the read model and from Temporal visibility', async () => {
    const complaint = await api('POST', '/api/cases', { body: { type: 'complaint', customerId: 'c-1004', details: '快递员态度很差,我要投诉', channel: 'sms' } });
    expect(complaint.status).toBe(201);
    const caseId = complaint.json.caseId as string;
    await atStatus(caseId, 'assigned');

    const byType = await api('GET', '/api/cases?type=complaint&customerId=c-1004');
    expect((byType.json.cases as Array<{ caseId: string }>).map((c) => c.caseId)).toEqual([caseId]);
    const none = await api('GET', `/api/cases?type=complaint&to=${encodeURIComponent('2020-01-01T00:00:00Z')}`);
    expect(none.json.cases).toEqual([]);
    const visible = await eventually(
      () => api('GET', '/api/cases?source=temporal&type=complaint&status=assigned&customerId=c-1004'),
      (res) => (res.json.cases as unknown[]).length === 1,
      'visibility',
    );
    expect(visible.json.cases).toEqual([expect.objectContaining({ caseId, type: 'complaint', status: 'assigned', customerId: 'c-1004', workflowStatus: 'RUNNING' })]);

    expect((await api('GET', '/api/cases?status=nonsense')).status).toBe(400);
    expect((await api('GET', '/api/cases/RMA-NOPE0000')).status).toBe(404);
    expect((await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1004', orderId: 'LD20261001', reason: 'fault', details: 'x' } })).status).toBe(422);
    expect((await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1004', details: 'x' } })).status).toBe(400);

    const resolved = await api('POST', `/api/cases/${caseId}/events`, { body: { type: 'resolve', resolution: '已向快递公司反馈并致歉', goodwillAmount: 20 } });
    expect(resolved.status).toBe(202);
    await atStatus(caseId, 'awaiting_csat');
    await api('POST', `/api/cases/${caseId}/events`, { body: { type: 'csat', score: 4 } });
    const closed = await atStatus(caseId, 'closed');
    expect(closed).toMatchObject({ closureReason: 'resolved', csat: { score: 4 } });
    expect(await system.db.models.GoodwillCoupon.countDocuments({ caseId })).toBe(1);
    expect((await api('POST', `/api/cases/${caseId}/events`, { body: { type: 'note', text: 'late' } })).status).toBe(409);
  });

  it('waits for a supervisor to approve a large refund; agents may not approve', async () => {
    const started = await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1001', orderId: 'LD20261001', reason: 'fault', details: 'screen flickers' } });
    const caseId = started.json.caseId as string;
    await atStatus(caseId, 'awaiting_pickup');
    const early = await api('POST', `/api/cases/${caseId}/approval`, { token: supervisor, body: { decision: 'approve' } });
    expect(early.status).toBe(409);
    expect(early.json.error).toMatchObject({ code: 'no_pending_approval' });
    await api('POST', `/api/cases/${caseId}/events`, { body: { type: 'carrier', status: 'picked_up' } });
    await atStatus(caseId, 'in_transit');
    await api('POST', `/api/cases/${caseId}/events`, { body: { type: 'warehouse', status: 'inspected', passed: true } });
    await atStatus(caseId, 'awaiting_approval');
    const tasks = await api('GET', '/api/case-tasks?status=open', { token: supervisor });
    expect(tasks.json.tasks).toEqual(expect.arrayContaining([expect.objectContaining({ caseId, kind: 'refund_approval', amount: 3078 })]));

    expect((await api('POST', `/api/cases/${caseId}/approval`, { token: agent, body: { decision: 'approve' } })).status).toBe(403);
    expect((await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'x' } })).status).toBe(400);
    const approved = await api('POST', `/api/cases/${caseId}/approval`, { token: supervisor, body: { decision: 'approve', note: 'photos checked' } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ caseId, decision: 'approve', taskId: `${caseId}:refund_approval` });
    expect((approved.json.tasks as Array<{ taskId: string; status: string }>).find((t) => t.taskId === `${caseId}:refund_approval`)).toMatchObject({ status: 'approved', decidedBy: 'supervisor' });
    expect((approved.json.timeline as Array<{ type: string }>).map((t) => t.type)).toContain('approved');

    // A second, conflicting decision is refused with the reason and leaves no trace.
    const conflicting = await api('POST', `/api/cases/${caseId}/approval`, { token: supervisor, body: { decision: 'reject', note: 'changed my mind' } });
    expect(conflicting.status, conflicting.text).toBe(409);
    expect(conflicting.json.error).toMatchObject({ code: 'approval_decided' });
    expect(conflicting.json.error?.message).toMatch(/already approved by supervisor/);
    const closed = await atStatus(caseId, 'closed');
    expect(closed.timeline.some((t) => t.type === 'approval_rejected')).toBe(false);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'case.reject', 'target.id': caseId })).toBe(0);
    expect(closed).toMatchObject({ closureReason: 'refunded' });
    expect(closed.timeline.find((t) => t.type === 'approved')).toMatchObject({ by: 'supervisor', detail: 'photos checked' });
    expect(await system.db.models.Refund.countDocuments({ idempotencyKey: `refund:${caseId}` })).toBe(1);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'case.approve', 'target.id': caseId })).toBe(1);
  });

  it('cancels with a reason and refuses a second cancellation', async () => {
    const started = await api('POST', '/api/cases', { body: { type: 'exchange', customerId: 'c-1006', orderId: 'LD20261007', reason: 'fault', details: 'zip broken' } });
    const caseId = started.json.caseId as string;
    await atStatus(caseId, 'awaiting_pickup');
    const cancelled = await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'customer keeps the bag' } });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'cancelled', closureReason: 'cancelled' });
    const again = await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'customer keeps the bag' } });
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toMatch(/ended/);
    expect((await api('POST', `/api/cases/${caseId}/retry`)).status).toBe(409);
  });

  it('opens one return or exchange per order: a second start names the open case (also in the chat), even when two race', async () => {
    const start = (requestId: string, type = 'return') =>
      api('POST', '/api/cases', { body: { type, customerId: 'c-1005', orderId: 'LD20261006', reason: 'fault', details: 'left earbud silent', requestId } });
    // Two different requests at once: exactly one case, the other told which.
    const raced = await Promise.all([start('it-one-per-order-a'), start('it-one-per-order-b', 'exchange')]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = raced.find((r) => r.status === 201)!;
    const loser = raced.find((r) => r.status === 409)!;
    const caseId = winner.json.caseId as string;
    expect(loser.json.error).toMatchObject({ code: 'open_case_exists', details: { caseId } });
    expect(loser.json.error?.message).toContain(caseId);
    expect(await system.db.models.Case.countDocuments({ orderId: 'LD20261006' })).toBe(1);
    // The winner's own requestId repeated is the same case, as before.
    const firstWon = raced[0].status === 201;
    const repeat = await start(firstWon ? 'it-one-per-order-a' : 'it-one-per-order-b', firstWon ? 'return' : 'exchange');
    expect(repeat.status).toBe(200);
    expect(repeat.json.caseId).toBe(caseId);
    await atStatus(caseId, 'awaiting_pickup');

    // The chat's return flow points the customer to the open case and opens none.
    const say = (text: string) => http(system.api.url, 'POST', '/api/conversations/case-conv-dup/messages', { token: ops, body: { channel: 'web', customerId: 'c-1005', text } });
    await say('我要退货');
    await say('LD20261006');
    await say('耳机坏了');
    const told = await say('是的');
    expect(told.json.reply).toContain(caseId);
    expect(told.json.reply).toContain('无需重复提交');
    expect(await system.db.models.Case.countDocuments({ conversationId: 'case-conv-dup' })).toBe(0);
    expect(await system.db.models.Shipment.countDocuments({ orderId: 'LD20261006', kind: 'return' })).toBe(1);

    // Once the case has ended, the order takes a new one.
    expect((await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'customer keeps the earbuds' } })).status).toBe(200);
    const next = await eventually(() => start('it-one-per-order-c'), (r) => r.status !== 409, 'the order released');
    expect(next.status, next.text).toBe(201);
    expect(next.json.caseId).not.toBe(caseId);
    await atStatus(next.json.caseId as string, 'awaiting_pickup');
    expect((await api('POST', `/api/cases/${next.json.caseId as string}/cancel`, { body: { reason: 'test over' } })).status).toBe(200);
  });

  it('starts a return case from the conversation flow, and shows cases in the agent 360° view', async () => {
    const say = (text: string) => http(system.api.url, 'POST', '/api/conversations/case-conv-1/messages', { token: ops, body: { channel: 'web', customerId: 'c-1001', text } });
    await say('我要退货');
    await say('LD20261001');
    await say('不想要了');
    const done = await say('是的');
    const caseId = /RMA-[0-9A-F]+/.exec(done.json.reply as string)?.[0];
    expect(caseId).toBeDefined();
    const labelled = await atStatus(caseId!, 'awaiting_pickup');
    expect(labelled.timeline.map((t) => t.type)).toContain('return_label_created');
    // The case records the label before it tells the customer, so the message may follow a moment later.
    const told = await eventually(() => system.db.models.Delivery.findOne({ idempotencyKey: `case:${caseId}:return-label` }).lean(), (row) => row !== null, 'the return-label message');
    expect(told).toMatchObject({ channel: 'web', to: 'case-conv-1' });
    // The chat is still open: the notice joins its transcript (the widget shows it live), not an SMS.
    const shownInChat = await eventually(
      () => system.db.models.Message.find({ conversationId: 'case-conv-1', role: 'system' }, { text: 1 }).lean(),
      (rows) => rows.some((m) => m.text.includes(caseId!)),
      'the return-label notice in the chat transcript',
    );
    expect(shownInChat.filter((m) => m.text.includes(caseId!) && m.text === told!.text)).toHaveLength(1);
    expect(await system.db.models.Delivery.findOne({ idempotencyKey: `case:${caseId}:return-label` }).lean()).toMatchObject({ status: 'sent' });
    expect(await system.db.models.Delivery.countDocuments({ fallbackOf: `case:${caseId}:return-label` })).toBe(0);

    await say('转人工');
    const escalation = await eventually(() => system.db.models.Escalation.findOne({ conversationId: 'case-conv-1' }).lean(), (e) => Boolean(e), 'hand-off');
    const detail = await api('GET', `/api/escalations/${escalation!.escalationId}`, { token: agent });
    const cases = (detail.json.customer as { cases: Array<{ caseId: string; status: string; timeline: unknown[] }> }).cases;
    const shown = cases.find((c) => c.caseId === caseId);
    expect(shown?.status).toBe('awaiting_pickup');
    expect((shown?.timeline as Array<{ type: string }>).map((t) => t.type)).toContain('return_label_created');

    // Once the chat has closed, the next notice goes to the customer's next channel instead.
    expect((await api('POST', '/api/conversations/case-conv-1/close')).status).toBe(202);
    await eventually(() => api('GET', '/api/conversations/case-conv-1'), (res) => res.json.status === 'closed', 'the closed chat');
    const scan = { eventId: `scan-${caseId}`, status: 'picked_up', trackingNumber: labelled.returnTrackingNumber };
    expect((await webhook('carrier', scan)).status).toBe(200);
    const fallback = await eventually(() => system.db.models.Delivery.findOne({ fallbackOf: `case:${caseId}:picked-up` }).lean(), (row) => row !== null, 'the picked-up notice on the next channel');
    expect(fallback).toMatchObject({ channel: 'wechat', to: 'o-wx-1001' });
    expect(await system.db.models.Delivery.findOne({ idempotencyKey: `case:${caseId}:picked-up` }).lean()).toMatchObject({ status: 'failed', failureReason: 'chat_closed' });
    expect(await system.db.models.Message.countDocuments({ conversationId: 'case-conv-1', role: 'system', text: fallback!.text })).toBe(0);
    expect((await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'test over' } })).status).toBe(200);
  });
});

describe('complaints and the desk', () => {
  it("relays the agent's reply on a complaint's desk task to the customer's SMS once, and onto the case timeline", async () => {
    const started = await api('POST', '/api/cases', { body: { type: 'complaint', customerId: 'c-1004', details: '客服电话一直打不通', channel: 'sms' } });
    const caseId = started.json.caseId as string;
    const assigned = await atStatus(caseId, 'assigned');
    const escalationId = (assigned as unknown as { escalationId: string }).escalationId;
    expect((await api('PUT', '/api/agents/me/status', { token: agent, body: { status: 'online' } })).status).toBe(200);
    try {
      await eventually(() => api('GET', `/api/escalations/${escalationId}`, { token: agent }), (res) => res.json.agentId === 'agent', 'assignment to the agent');
      expect((await api('POST', `/api/escalations/${escalationId}/accept`, { token: agent })).status).toBe(200);
      const reply = { text: '您好,我是李客服,已为您登记,今天内回电。', messageId: `it-reply-${caseId}` };
      const first = await api('POST', `/api/escalations/${escalationId}/reply`, { token: agent, body: reply });
      expect(first.status, first.text).toBe(200);
      expect((await api('POST', `/api/escalations/${escalationId}/reply`, { token: agent, body: reply })).status).toBe(200);

      const shown = await eventually(() => caseOf(caseId), (c) => c.timeline.some((t) => t.type === 'agent_replied'), 'the reply on the case timeline');
      expect(shown.timeline.filter((t) => t.type === 'agent_replied')).toEqual([expect.objectContaining({ by: 'agent', detail: `via sms: ${reply.text}` })]);
      const sent = await system.db.models.Delivery.find({ idempotencyKey: `desk:case-${caseId}:${reply.messageId}:agent` }).lean();
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ channel: 'sms', to: '13600136004', purpose: 'case_agent_reply' });
      expect(sent[0]!.text).toContain(reply.text);
      // Cancelling the case withdraws its desk task: the agent's load is released and their actions refused.
      const loadOf = async () => ((await api('GET', '/api/agents', { token: supervisor })).json.agents as Array<{ agentId: string; load: number }>).find((a) => a.agentId === 'agent')!.load;
      const holding = await loadOf();
      expect(holding).toBeGreaterThanOrEqual(1);
      expect((await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'complainant called back, sorted by phone' } })).status).toBe(200);
      const withdrawn = await eventually(() => api('GET', `/api/escalations/${escalationId}`, { token: agent }), (res) => res.json.status === 'withdrawn', 'the withdrawn desk task');
      expect((withdrawn.json.timeline as Array<{ type: string; detail?: string }>).at(-1)).toMatchObject({ type: 'withdrawn', detail: 'case cancelled: complainant called back, sorted by phone' });
      const refused = await api('POST', `/api/escalations/${escalationId}/reply`, { token: agent, body: { text: '还在吗?' } });
      expect(refused.status).toBe(409);
      expect(refused.json.error).toMatchObject({ code: 'escalation_ended', message: expect.stringContaining('withdrawn') as unknown });
      expect(await system.db.models.Delivery.countDocuments({ idempotencyKey: new RegExp(`^desk:case-${caseId}:`) })).toBe(1);
      await eventually(loadOf, (load) => load === holding - 1, "the agent's load released");
    } finally {
      await api('PUT', '/api/agents/me/status', { token: agent, body: { status: 'offline' } });
    }
  });

  it('alerts supervisors on the desk overview when a complaint cannot be acknowledged within its SLA', async () => {
    await system.db.models.Customer.create({ customerId: 'c-no-contact', name: '赵六', tier: 'standard', lang: 'zh' });
    const started = await api('POST', '/api/cases', { body: { type: 'complaint', customerId: 'c-no-contact', details: '发票一直没有开' } });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    const overview = await eventually(
      () => api('GET', '/api/desk/overview', { token: supervisor }),
      (res) => (res.json.alerts as Array<{ escalationId: string }>).some((a) => a.escalationId === caseId),
      'the alert on the desk overview',
    );
    expect((overview.json.alerts as Array<{ escalationId: string; kind: string }>).filter((a) => a.escalationId === caseId)).toEqual([expect.objectContaining({ kind: 'complaint_ack_missed', queue: 'complaints', priority: 'high' })]);
    const shown = await eventually(() => caseOf(caseId), (c) => c.timeline.some((t) => t.type === 'alert_raised'), 'the alert on the case timeline');
    expect(shown.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['not_acknowledged', 'ack_sla_missed', 'alert_raised']));
    expect((await api('POST', `/api/cases/${caseId}/cancel`, { body: { reason: 'test over' } })).status).toBe(200);
  });
});

describe('a worker killed in the middle of a case', () => {
  it('loses no step and refunds once', async () => {
    const started = await api('POST', '/api/cases', { body: { type: 'return', customerId: 'c-1005', orderId: 'LD20261006', reason: 'fault', details: 'left earbud silent' } });
    const caseId = started.json.caseId as string;
    const labelled = await atStatus(caseId, 'awaiting_pickup');
    await eventually(() => system.db.models.Case.findOne({ caseId }).lean(), (row) => Boolean(row?.returnTrackingNumber), 'tracking number in the read model');

    await system.worker.stop();
    // Events arrive while no worker runs: Temporal holds them, nothing is in a worker's memory.
    expect((await webhook('carrier', { eventId: `k-scan-${caseId}`, status: 'picked_up', trackingNumber: labelled.returnTrackingNumber })).status).toBe(200);
    expect((await webhook('warehouse', { eventId: `k-recv-${caseId}`, rmaId: caseId, status: 'received' })).status).toBe(200);
    system.worker = await system.startWorker();
    await atStatus(caseId, 'inspecting');

    expect((await webhook('warehouse', { eventId: `k-insp-${caseId}`, rmaId: caseId, status: 'inspected', passed: true })).status).toBe(200);
    // Stop again as soon as the refund step starts, then restart: the refund runs (or re-runs) under the same key.
    await eventually(() => caseOf(caseId), (c) => ['refunding', 'awaiting_csat', 'closed'].includes(c.status), 'refunding', 30_000);
    await system.worker.stop();
    system.worker = await system.startWorker();
    const closed = await atStatus(caseId, 'closed');

    expect(closed.closureReason).toBe('refunded');
    const types = closed.timeline.map((t) => t.type);
    for (const step of ['return_label_created', 'carrier_picked_up', 'in_transit', 'warehouse_received', 'inspecting', 'warehouse_inspected', 'refunding', 'refunded', 'awaiting_csat', 'closed']) {
      expect(types.filter((t) => t === step), step).toHaveLength(1);
    }
    expect(await system.db.models.Refund.countDocuments({ orderId: 'LD20261006' })).toBe(1);
    const steps = (await system.db.models.Delivery.find({ idempotencyKey: new RegExp(`^case:${caseId}:`) }, { idempotencyKey: 1 }).lean()).map((d) => d.idempotencyKey.split(':')[2]);
    expect(steps.sort()).toEqual(['csat', 'picked-up', 'received', 'refund-issued', 'return-label']);
  });
});
