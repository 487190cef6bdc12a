import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config';
import { signPayload, verifySignature } from '../oms/signature';
import { CaseState } from './case-state';
import { assessComplaint } from './complaint';
import { renderCaseMessage } from './messages';
import { recipientFor } from './recipient';

const NOW = Date.parse('2026-11-20T10:00:00Z');

describe('case state', () => {
  const fresh = () => new CaseState({ caseId: 'RMA-1', type: 'return', customerId: 'c-1' }, 'awaiting_pickup', NOW);

  it('applies an event once, however often it is delivered', () => {
    const state = fresh();
    expect(state.apply({ type: 'carrier', eventId: 'e1', status: 'picked_up' }, NOW)).toBe(true);
    expect(state.apply({ type: 'carrier', eventId: 'e1', status: 'picked_up' }, NOW)).toBe(false);
    expect(state.view.timeline.filter((t) => t.type === 'carrier_picked_up')).toHaveLength(1);
    expect(state.pickedUp).toBe(true);
  });

  it('counts a parcel the warehouse received as picked up even without a carrier scan', () => {
    const state = fresh();
    state.apply({ type: 'warehouse', eventId: 'w1', status: 'inspected', passed: false, note: 'water damage' }, NOW);
    expect(state).toMatchObject({ pickedUp: true, received: true, inspection: { passed: false, note: 'water damage' } });
  });

  it('takes the first approval decision only', () => {
    const state = fresh();
    state.apply({ type: 'approval', eventId: 'a1', decision: 'reject', by: 'su' }, NOW);
    expect(state.apply({ type: 'approval', eventId: 'a2', decision: 'approve', by: 'su' }, NOW)).toBe(false);
    expect(state.approval?.decision).toBe('reject');
  });

  it('may be cancelled while waiting, never once committed or ended', () => {
    const state = fresh();
    expect(state.problemWithCancel()).toBeUndefined();
    state.committed = true;
    expect(state.problemWithCancel()).toMatch(/under way/);
    const ended = fresh();
    ended.close('pickup_timeout', NOW, 'cancelled');
    expect(ended.problemWithCancel()).toMatch(/has ended/);
  });

  it('counts an approval that expired as declined, so a decision arriving later changes nothing', () => {
    const state = fresh();
    state.expireApproval(NOW);
    expect(state.approval).toMatchObject({ decision: 'reject', by: 'system' });
    expect(state.apply({ type: 'approval', eventId: 'late', decision: 'approve', by: 'su' }, NOW + 1)).toBe(false);
    expect(state.approval?.decision).toBe('reject');
    expect(state.view.timeline.map((t) => t.type)).toEqual(['opened', 'approval_expired']);
    const decided = fresh();
    decided.apply({ type: 'approval', eventId: 'a1', decision: 'approve', by: 'su' }, NOW);
    decided.expireApproval(NOW + 1);
    expect(decided.approval?.decision).toBe('approve');
  });

  it('takes a decision only while one is awaited, and says why it refuses one', () => {
    const state = fresh();
    expect(state.problemWithDecision()).toMatchObject({ code: 'no_pending_approval' });
    state.approvalPending = true;
    expect(state.problemWithDecision()).toBeUndefined();
    state.decide({ decision: 'approve', by: 'su', note: 'ok' }, NOW);
    expect(state.approval).toEqual({ decision: 'approve', by: 'su', note: 'ok' });
    expect(state.problemWithDecision()?.code).toBe('approval_decided');
    expect(state.problemWithDecision()?.message).toMatch(/already approved by su/);
    expect(state.view.timeline.filter((t) => t.type === 'approved')).toHaveLength(1);

    const expired = fresh();
    expired.approvalPending = true;
    expired.expireApproval(NOW);
    expect(expired.problemWithDecision()).toMatchObject({ code: 'approval_expired' });
    const cancelling = fresh();
    cancelling.approvalPending = true;
    cancelling.requestCancel('customer keeps it', 'ops', NOW);
    expect(cancelling.problemWithDecision()).toMatchObject({ code: 'case_ended' });
    const ended = fresh();
    ended.close('pickup_timeout', NOW, 'cancelled');
    expect(ended.problemWithDecision()).toMatchObject({ code: 'case_ended' });
  });

  it('records a desk reply once, saying where it went', () => {
    const state = fresh();
    const reply = { type: 'agent_reply' as const, eventId: 'desk-reply:m1', by: 'agent', text: '已为您核实', channel: 'sms' as const };
    expect(state.apply(reply, NOW)).toBe(true);
    expect(state.apply(reply, NOW)).toBe(false);
    state.apply({ ...reply, eventId: 'desk-reply:m2', channel: undefined, text: 'x'.repeat(600) }, NOW);
    const entries = state.view.timeline.filter((t) => t.type === 'agent_replied');
    expect(entries[0]).toMatchObject({ by: 'agent', detail: 'via sms: 已为您核实', ref: 'desk-reply:m1' });
    expect(entries[1]!.detail).toMatch(/^not delivered \(no reachable channel\): x{500}…$/);
  });

  it('parks a failed step and resumes where it was on retry', () => {
    const state = fresh();
    expect(state.problemWithRetry()).toMatch(/nothing to retry/);
    state.stepFailed('refund', 'gateway down', NOW);
    expect(state.view).toMatchObject({ status: 'step_failed', failedStep: { name: 'refund', message: 'gateway down' } });
    state.requestRetry('ops', NOW + 1);
    expect(state.view.status).toBe('awaiting_pickup');
    expect(state.view.failedStep).toBeUndefined();
    expect(state.retryRequested).toBe(true);
  });
});

describe('complaint severity', () => {
  const base = { details: '包装破损', sentiment: 'neutral' as const, tier: 'standard' as const, recentContacts: 0 };
  it('is low for a plain complaint and critical when a regulator is named by a VIP', () => {
    expect(assessComplaint(base)).toMatchObject({ severity: 'low', priority: 'normal' });
    expect(assessComplaint({ ...base, details: '再不处理我就打12315', tier: 'gold' })).toMatchObject({ severity: 'critical', priority: 'high', reasons: ['regulator_mentioned', 'vip'] });
  });
  it('adds repeat contact and anger up to high', () => {
    expect(assessComplaint({ ...base, recentContacts: 2, sentiment: 'negative' })).toMatchObject({ severity: 'high', priority: 'high', reasons: ['repeat_contact', 'negative_sentiment'] });
    expect(assessComplaint({ ...base, severityHint: 'high' })).toMatchObject({ severity: 'medium' });
  });
});

describe('where case messages go', () => {
  const customer = { phone: '13800138001', email: 'a@example.cn', wechatOpenId: 'o-wx', consent: { sms: true, email: true, wechat: false, app: false } };
  it('answers in the conversation a web or app case came from', () => {
    expect(recipientFor(customer, 'web', 'conv-1')).toEqual({ channel: 'web', to: 'conv-1' });
  });
  it('uses the channel the customer used, else their consented preference', () => {
    expect(recipientFor(customer, 'wechat', undefined)).toEqual({ channel: 'wechat', to: 'o-wx' });
    expect(recipientFor(customer, undefined, undefined)).toEqual({ channel: 'sms', to: '13800138001' });
    expect(recipientFor({ ...customer, doNotContact: true }, undefined, undefined)).toBeUndefined();
  });
});

describe('case messages', () => {
  it('tell the return address and deadline in the customer language', () => {
    const message = { kind: 'return_label' as const, rmaId: 'RMA-1', address: 'Addr 1', labelUrl: 'https://l/1.pdf', deadlineDays: 14 };
    expect(renderCaseMessage(message, 'zh')).toContain('请将商品寄回:Addr 1');
    expect(renderCaseMessage(message, 'en')).toContain('within 14 days');
    expect(renderCaseMessage({ kind: 'refund_issued', amount: 3078, refundId: 'RF-1' }, 'en')).toContain('¥3078.00');
  });
  it('say who on the desk wrote and about which case, and what happens to an approval that ran out', () => {
    expect(renderCaseMessage({ kind: 'agent_reply', caseId: 'CMP-1', agentName: '李客服', text: '已处理' }, 'zh')).toBe('【CMP-1】李客服:已处理');
    expect(renderCaseMessage({ kind: 'approval_expired', what: 'refund', amount: 3078 }, 'en')).toMatch(/¥3078\.00.*finance team/);
    expect(renderCaseMessage({ kind: 'approval_expired', what: 'goodwill', amount: 300 }, 'zh')).toContain('补偿');
  });
});

describe('case configuration', () => {
  it('gives escalated approvals a final deadline after the escalation, and refuses one that is not', () => {
    expect(parseConfig({}).cases).toMatchObject({ approvalWaitMs: 24 * 3_600_000, approvalDeadlineMs: 72 * 3_600_000 });
    expect(parseConfig({ REFUND_APPROVAL_WAIT: '2h', REFUND_APPROVAL_DEADLINE: '6h' }).cases.approvalDeadlineMs).toBe(6 * 3_600_000);
    expect(() => parseConfig({ REFUND_APPROVAL_WAIT: '48h', REFUND_APPROVAL_DEADLINE: '24h' })).toThrow(ConfigError);
    expect(() => parseConfig({ REFUND_APPROVAL_WAIT: '48h', REFUND_APPROVAL_DEADLINE: '24h' })).toThrow(/REFUND_APPROVAL_DEADLINE: must be longer than REFUND_APPROVAL_WAIT/);
  });
});

describe('webhook signatures', () => {
  const secret = 's'.repeat(32);
  const body = Buffer.from('{"eventId":"e1"}');
  const now = 1_795_000_000_000;
  const t = String(now / 1_000);
  it('accepts a fresh, correct signature', () => {
    expect(verifySignature({ secret, rawBody: body, signature: signPayload(secret, Number(t), body), timestamp: t, nowMs: now, toleranceMs: 300_000 })).toBeUndefined();
  });
  it('refuses a changed body, a stale timestamp, a malformed or missing signature', () => {
    const signature = signPayload(secret, Number(t), body);
    expect(verifySignature({ secret, rawBody: Buffer.from('{"eventId":"e2"}'), signature, timestamp: t, nowMs: now, toleranceMs: 300_000 })).toBe('mismatch');
    expect(verifySignature({ secret, rawBody: body, signature, timestamp: t, nowMs: now + 600_000, toleranceMs: 300_000 })).toBe('stale');
    expect(verifySignature({ secret, rawBody: body, signature: 'zz', timestamp: t, nowMs: now, toleranceMs: 300_000 })).toBe('malformed');
    expect(verifySignature({ secret, rawBody: body, timestamp: t, nowMs: now, toleranceMs: 300_000 })).toBe('missing');
  });
});
