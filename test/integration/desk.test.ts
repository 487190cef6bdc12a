import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let ops: string;
let agent: string;
let supervisor: string;

beforeAll(async () => {
  system = await startTestSystem('desk', { SLA_FIRST_RESPONSE: '6s', SLA_RESOLUTION: '10m' });
  [ops, agent, supervisor] = await Promise.all([system.token('ops'), system.token('agent'), system.token('supervisor')]);
});

afterAll(async () => {
  await system?.stop();
});

const api = (method: string, path: string, token: string, body?: unknown) => http(system.api.url, method, path, { token, ...(body === undefined ? {} : { body }) });
const say = (conversationId: string, customerId: string, text: string) => api('POST', `/api/conversations/${conversationId}/messages`, ops, { channel: 'web', customerId, text });

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function escalationOf(conversationId: string) {
  return eventually(async () => (await system.db.models.Escalation.findOne({ conversationId }).lean()) ?? undefined, `an escalation for ${conversationId}`);
}

async function detail(id: string, token = agent) {
  return (await api('GET', `/api/escalations/${id}`, token)).json as Record<string, unknown> & { status: string; agentId?: string };
}

describe('the desk through the API', () => {
  it('routes a hand-off to an online agent, who works it with the full context, and the customer rates it', async () => {
    expect((await api('PUT', '/api/agents/me/status', agent, { status: 'online' })).status).toBe(200);
    await say('desk-1', 'c-1002', '我的订单LD20261003的净化器有异味');
    const handed = await say('desk-1', 'c-1002', '转人工');
    expect(handed.json.handedOff).toBe(true);
    const { escalationId } = await escalationOf('desk-1');
    const assigned = await eventually(async () => ((await detail(escalationId)).agentId === 'agent' ? detail(escalationId) : undefined), 'assignment');
    expect(assigned.status).toBe('assigned');
    const customer = assigned.customer as { tier: string; phone: string; recentOrders: Array<{ orderId: string }> };
    expect(customer.tier).toBe('silver');
    expect(customer.phone).toBe('139****9002');
    const supervisorView = (await api('GET', `/api/escalations/${escalationId}`, supervisor)).json as { customer: { phone: string } };
    expect(supervisorView.customer.phone).toBe('139****9002');
    expect((await api('GET', `/api/escalations/${escalationId}?reveal=true`, agent)).status).toBe(403);
    const revealed = (await api('GET', `/api/escalations/${escalationId}?reveal=true`, supervisor)).json as { customer: { phone: string } };
    expect(revealed.customer.phone).toBe('13900139002');
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'pii.reveal', 'target.id': escalationId, 'actor.id': 'supervisor' })).toBe(1);
    expect(customer.recentOrders.map((o) => o.orderId)).toContain('LD20261003');
    const { eventCount, recentEvents } = assigned.customer as { eventCount: number; recentEvents: Array<{ type: string }> };
    expect(eventCount).toBeGreaterThan(0);
    expect(recentEvents.length).toBe(Math.min(eventCount, 8));
    expect((assigned.packet as { summary: string }).summary).toContain('reason: requested');
    expect((assigned.transcript as Array<{ text: string }>).map((t) => t.text)).toContain('转人工');

    await eventually(async () => {
      const mine = await api('GET', '/api/escalations?mine=true', agent);
      return (mine.json.escalations as Array<{ escalationId: string }>).some((e) => e.escalationId === escalationId) ? true : undefined;
    }, 'the escalation in the agent list');

    const early = await api('POST', `/api/escalations/${escalationId}/reply`, agent, { text: 'too early' });
    expect(early.status, early.text).toBe(409);
    expect((await api('POST', `/api/escalations/${escalationId}/accept`, agent)).status).toBe(200);
    const replied = await api('POST', `/api/escalations/${escalationId}/reply`, agent, { text: '您好,我是李客服,马上为您处理异味问题。', messageId: 'agent-reply-1' });
    expect(replied.status).toBe(200);
    expect((await api('POST', `/api/escalations/${escalationId}/reply`, agent, { text: '您好,我是李客服,马上为您处理异味问题。', messageId: 'agent-reply-1' })).status).toBe(200);

    const transcript = await eventually(async () => {
      const view = await api('GET', '/api/conversations/desk-1', ops);
      const rows = view.json.transcript as Array<{ role: string; text: string }>;
      return rows.some((r) => r.role === 'agent') ? rows : undefined;
    }, 'the agent reply in the transcript');
    expect(transcript.filter((r) => r.role === 'agent')).toHaveLength(1);

    const during = await say('desk-1', 'c-1002', '好的,谢谢');
    expect(during.json.reply).toBe('');

    expect((await api('POST', `/api/escalations/${escalationId}/resolve`, agent, { note: 'replacement arranged' })).status).toBe(200);
    await eventually(async () => {
      const rows = (await api('GET', '/api/conversations/desk-1', ops)).json.transcript as Array<{ role: string; text: string }>;
      return rows.some((r) => r.role === 'system' && r.text.includes('打分')) ? true : undefined;
    }, 'the rating prompt');
    const thanks = await say('desk-1', 'c-1002', '5');
    expect(thanks.json.reply).toContain('感谢');
    const rated = await eventually(async () => {
      const row = await system.db.models.Escalation.findOne({ escalationId }).lean();
      return row?.csatScore ? row : undefined;
    }, 'the CSAT score');
    expect(rated).toMatchObject({ csatScore: 5, status: 'resolved', resolutionNote: 'replacement arranged' });

    const report = await api('GET', '/api/reports/desk?groupBy=agent', supervisor);
    const agentRow = (report.json.groups as Array<{ group: string; resolved: number; csatAverage: number }>).find((g) => g.group === 'agent');
    expect(agentRow).toMatchObject({ resolved: 1, csatAverage: 5 });
  });

  it('lets an agent transfer to another queue and a supervisor reassign', async () => {
    await say('desk-2', 'c-1004', 'I want to speak to a human');
    const { escalationId } = await escalationOf('desk-2');
    await eventually(async () => ((await detail(escalationId)).agentId === 'agent' ? true : undefined), 'assignment');
    const accepted = await api('POST', `/api/escalations/${escalationId}/accept`, agent);
    expect(accepted.status, accepted.text).toBe(200);
    const bad = await api('POST', `/api/escalations/${escalationId}/transfer`, agent, {});
    expect(bad.status).toBe(400);
    const transferred = await api('POST', `/api/escalations/${escalationId}/transfer`, agent, { toQueue: 'finance' });
    expect(transferred.status, transferred.text).toBe(200);
    await api('PUT', '/api/agents/me/status', supervisor, { status: 'online' });
    const moved = await eventually(async () => {
      const d = await detail(escalationId, supervisor);
      return d.agentId === 'supervisor' ? d : undefined;
    }, 'assignment to the finance-skilled supervisor');
    expect(moved).toMatchObject({ queue: 'finance', status: 'assigned' });
    const overview = await api('GET', '/api/desk/overview', supervisor);
    expect((overview.json.agents as Array<{ agentId: string; load: number }>).find((a) => a.agentId === 'supervisor')?.load).toBe(1);
    expect((await api('POST', `/api/escalations/${escalationId}/reassign`, agent, {})).status).toBe(403);
    expect((await api('POST', `/api/escalations/${escalationId}/reassign`, supervisor, { toAgent: 'supervisor' })).status).toBe(200);
    await eventually(async () => {
      const d = await detail(escalationId, supervisor);
      return d.agentId === 'supervisor' && d.status === 'assigned' ? true : undefined;
    }, 'reassignment');
    expect((await api('POST', `/api/escalations/${escalationId}/accept`, supervisor)).status).toBe(200);
    expect((await api('POST', `/api/escalations/${escalationId}/hand-back`, supervisor)).status).toBe(200);
    await eventually(async () => ((await api('GET', '/api/conversations/desk-2', ops)).json.handedOff === false ? true : undefined), 'the bot taking the conversation back');
    const back = await say('desk-2', 'c-1004', 'How long does delivery to Tibet take?');
    expect(back.json).toMatchObject({ handedOff: false, citations: ['kb-shipping-en'] });
    await api('PUT', '/api/agents/me/status', supervisor, { status: 'offline' });
  });

  it('keeps the SLA timer and the task through a worker restart', async () => {
    await api('PUT', '/api/agents/me/status', supervisor, { status: 'offline' });
    await say('desk-3', 'c-1008', 'Can I talk to a real person please?');
    const { escalationId } = await escalationOf('desk-3');
    await eventually(async () => ((await detail(escalationId)).agentId === 'agent' ? true : undefined), 'assignment');

    await system.worker.stop();
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    system.worker = await system.startWorker();

    const breach = await eventually(async () => (await system.db.models.Alert.findOne({ escalationId, kind: 'first_response_breach' }).lean()) ?? undefined, 'the breach alert after the restart');
    expect(breach.agentId).toBe('agent');
    expect(await system.db.models.Alert.countDocuments({ escalationId, kind: 'first_response_warning' })).toBe(1);
    const requeued = await detail(escalationId, supervisor);
    expect(requeued, JSON.stringify({ status: requeued.status, agentId: requeued.agentId, timeline: requeued.timeline })).toMatchObject({ status: 'queued', priority: 'high', breaches: ['first_response'] });

    await api('PUT', '/api/agents/me/status', supervisor, { status: 'online' });
    await eventually(async () => ((await detail(escalationId, supervisor)).agentId === 'supervisor' ? true : undefined), 'reassignment to the supervisor');
    expect((await api('POST', `/api/escalations/${escalationId}/accept`, supervisor)).status).toBe(200);
  });

  it("gives a complaint's desk task opened through the API its case, no conversation, and the complaints queue's SLA", async () => {
    const started = await api('POST', '/api/cases', ops, { type: 'complaint', customerId: 'c-1004', details: '快递员态度很差', channel: 'sms' });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    const task = await eventually(async () => (await system.db.models.Escalation.findOne({ 'packet.slots.case': caseId }).lean()) ?? undefined, "the complaint's desk task");
    const view = await detail(task.escalationId);
    expect(view).toMatchObject({ caseId, hasConversation: false, conversationId: `case-${caseId}`, queue: 'complaints', transcript: [] });
    // SLA_FIRST_RESPONSE is 6 s on this system; the complaints queue keeps its own hour (half of it at high priority).
    const sla = view.sla as { first_response: { remainingMs: number }; resolution: { remainingMs: number } };
    expect(sla.first_response.remainingMs).toBeGreaterThan(25 * 60_000);
    expect(sla.resolution.remainingMs).toBeGreaterThan(24 * 3_600_000);
    const caseView = await api('GET', `/api/cases/${caseId}`, agent);
    expect(caseView.status, caseView.text).toBe(200);
    expect((await api('POST', `/api/cases/${caseId}/cancel`, ops, { reason: 'test over' })).status).toBe(200);
  });

  it('routes work an agent had not accepted again when they go offline, whoever sets it, and refuses a transfer to nobody', async () => {
    await api('PUT', '/api/agents/me/status', supervisor, { status: 'offline' });
    expect((await api('PUT', '/api/agents/me/status', agent, { status: 'online' })).status).toBe(200);
    await say('desk-5', 'c-1004', 'I want to speak to a human');
    const { escalationId } = await escalationOf('desk-5');
    await eventually(async () => ((await detail(escalationId)).agentId === 'agent' ? true : undefined), 'assignment');

    expect((await api('PUT', '/api/agents/agent/status', agent, { status: 'offline' })).status).toBe(403);
    const missing = await api('PUT', '/api/agents/nobody/status', supervisor, { status: 'offline' });
    expect(missing.status).toBe(404);
    expect(missing.json.error?.message).toContain('Agent "nobody"');
    const set = await api('PUT', '/api/agents/agent/status', supervisor, { status: 'offline' });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toMatchObject({ agentId: 'agent', status: 'offline', rerouted: [escalationId] });
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'agent.status', 'target.id': 'agent', 'actor.id': 'supervisor' })).toBe(1);
    const requeued = await detail(escalationId, supervisor);
    expect(requeued).toMatchObject({ status: 'queued' });
    expect((requeued.timeline as Array<{ type: string; detail?: string }>).at(-1)).toMatchObject({ type: 'requeued', detail: 'agent went offline before accepting' });

    // Back online, the same agent may take it again; once accepted, going offline leaves it with them.
    await api('PUT', '/api/agents/me/status', agent, { status: 'online' });
    await eventually(async () => ((await detail(escalationId)).agentId === 'agent' ? true : undefined), 'assignment again');
    expect((await api('POST', `/api/escalations/${escalationId}/accept`, agent)).status).toBe(200);

    const nobody = await api('POST', `/api/escalations/${escalationId}/transfer`, agent, { toAgent: 'nobody' });
    expect(nobody.status).toBe(404);
    expect(nobody.json.error).toMatchObject({ code: 'agent_not_found', message: 'There is no agent "nobody" to transfer to: pick one listed by GET /api/agents.' });
    expect((await api('POST', `/api/escalations/${escalationId}/reassign`, supervisor, { toAgent: 'nobody' })).status).toBe(404);

    const away = await api('PUT', '/api/agents/me/status', agent, { status: 'offline' });
    expect(away.json).toMatchObject({ status: 'offline', rerouted: [] });
    expect(await detail(escalationId)).toMatchObject({ status: 'active', agentId: 'agent' });

    // The conversation cannot be closed under the agent; once resolved, it can.
    const held = await api('POST', '/api/conversations/desk-5/close', ops);
    expect(held.status).toBe(409);
    expect(held.json.error).toMatchObject({
      code: 'on_the_desk',
      message: `Conversation "desk-5" is with agent "agent" (active) as escalation ${escalationId}: resolve it or hand it back to the bot first, then close the conversation.`,
    });
    expect((await api('POST', `/api/escalations/${escalationId}/resolve`, agent, {})).status).toBe(200);
    await eventually(async () => ((await system.db.models.Escalation.findOne({ escalationId }).lean())?.status === 'resolved' ? true : undefined), 'the resolution in the read model');
    expect((await api('POST', '/api/conversations/desk-5/close', ops)).status).toBe(202);
  });

  it('lists open alerts that need action apart from queue notices, until a supervisor acknowledges them', async () => {
    const breach = await system.db.models.Alert.findOne({ kind: 'first_response_breach' }).lean();
    expect(breach, 'the breach from the restart test').toBeTruthy();
    const before = (await api('GET', '/api/desk/overview', supervisor)).json as { alerts: Array<{ alertKey: string; kind: string }>; notices: Array<{ kind: string }> };
    expect(before.alerts.map((a) => a.alertKey)).toContain(breach!.alertKey);
    expect(before.alerts.some((a) => a.kind === 'queued')).toBe(false);
    expect(before.notices.length).toBeGreaterThan(0);
    expect(before.notices.every((n) => n.kind === 'queued')).toBe(true);

    const path = `/api/alerts/${encodeURIComponent(breach!.alertKey)}/acknowledge`;
    expect((await api('POST', path, agent)).status).toBe(403);
    const unknown = await api('POST', '/api/alerts/ESC-0000000000:first_response_breach/acknowledge', supervisor);
    expect(unknown.status, unknown.text).toBe(404);
    const acked = await api('POST', path, supervisor);
    expect(acked.status, acked.text).toBe(200);
    expect(acked.json).toMatchObject({ alertKey: breach!.alertKey, acknowledgedBy: 'supervisor' });
    const again = await api('POST', path, supervisor);
    expect(again.json.acknowledgedAt).toBe(acked.json.acknowledgedAt);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'alert.acknowledge', 'target.id': breach!.alertKey })).toBe(1);
    const after = (await api('GET', '/api/desk/overview', supervisor)).json as { alerts: Array<{ alertKey: string }> };
    expect(after.alerts.map((a) => a.alertKey)).not.toContain(breach!.alertKey);
  });
});
