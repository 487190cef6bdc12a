import { describe, expect, it } from 'vitest';
import { AgentRouter, type WaitingTask } from './assignment';
import { EscalationState } from './escalation-state';
import { addBusinessTime, businessTimeBetween, parseBusinessHours } from './business-hours';
import { botReport, deskReport } from './reports';
import { priorityFor, queueFor, queueSlaTargets } from './routing';
import { parseConfig } from '../config';
import { checkClock, nextDeadline, pauseClock, resumeClock, startClock } from './sla';

const MIN = 60_000;
const always = parseBusinessHours('24x7');
const officeHours = parseBusinessHours('mon-fri 09:00-18:00 +08:00');
// 2026-11-27 is a Friday; 17:50 in Shanghai is 09:50 UTC.
const fridayEvening = Date.parse('2026-11-27T09:50:00Z');

describe('business hours', () => {
  it('carries working time over the weekend', () => {
    const due = addBusinessTime(fridayEvening, 30 * MIN, officeHours);
    expect(new Date(due).toISOString()).toBe('2026-11-30T01:20:00.000Z');
    expect(businessTimeBetween(fridayEvening, due, officeHours)).toBe(30 * MIN);
  });

  it('starts counting at opening time when a task arrives at night', () => {
    const sundayNight = Date.parse('2026-11-29T14:00:00Z');
    expect(new Date(addBusinessTime(sundayNight, 10 * MIN, officeHours)).toISOString()).toBe('2026-11-30T01:10:00.000Z');
  });

  it('explains a bad specification', () => {
    expect(() => parseBusinessHours('weekdays 9-5')).toThrow(/mon-fri 09:00-18:00/);
  });
});

describe('SLA clock', () => {
  it('warns at 80 % and breaches at 100 %', () => {
    let clock = startClock(10 * MIN, 0);
    expect(nextDeadline(clock, 0, always)).toEqual({ at: 8 * MIN, kind: 'warning' });
    const warned = checkClock(clock, 8 * MIN, always);
    expect(warned.due).toEqual(['warning']);
    clock = warned.clock;
    expect(nextDeadline(clock, 8 * MIN, always)).toEqual({ at: 10 * MIN, kind: 'breach' });
    expect(checkClock(clock, 10 * MIN, always).due).toEqual(['breach']);
  });

  it('does not run while paused for the customer', () => {
    let clock = startClock(10 * MIN, 0);
    clock = pauseClock(clock, 5 * MIN, always);
    expect(nextDeadline(clock, 60 * MIN, always)).toBeUndefined();
    expect(checkClock(clock, 60 * MIN, always).due).toEqual([]);
    clock = resumeClock(clock, 60 * MIN);
    expect(nextDeadline(clock, 60 * MIN, always)).toEqual({ at: 63 * MIN, kind: 'warning' });
  });
});

describe('routing', () => {
  const signal = (intent: string, sentiment: 'negative' | 'neutral' = 'neutral') => ({ intent: intent as never, confidence: 0.9, sentiment });

  it('sends loans to finance, complaints to complaints and returns to returns', () => {
    expect(queueFor({ reason: 'loan', intents: [signal('loan')], slots: {} })).toBe('finance');
    expect(queueFor({ reason: 'vip_complaint', intents: [signal('complaint')], slots: {} })).toBe('complaints');
    expect(queueFor({ reason: 'requested', intents: [signal('return_exchange'), signal('human_agent')], slots: {} })).toBe('returns');
    expect(queueFor({ reason: 'requested', intents: [signal('greeting'), signal('human_agent')], slots: {} })).toBe('general');
  });

  it('puts VIP and angry customers first', () => {
    expect(priorityFor({ reason: 'requested', intents: [] }, 'platinum')).toBe('high');
    expect(priorityFor({ reason: 'negative_sentiment', intents: [] }, 'standard')).toBe('high');
    expect(priorityFor({ reason: 'requested', intents: [signal('greeting')] }, 'standard')).toBe('normal');
  });
});

describe('agent router', () => {
  const task = (id: string, over: Partial<WaitingTask> = {}): WaitingTask => ({ escalationId: id, workflowId: `escalation-${id}`, queue: 'general', priority: 'normal', enqueuedAt: 0, excludeAgents: [], ...over });

  it('gives work to the least-loaded online agent with the skill, round-robin among equals', () => {
    const router = new AgentRouter();
    router.updateAgent({ agentId: 'li', skills: ['general'], capacity: 2, status: 'online' });
    router.updateAgent({ agentId: 'wang', skills: ['general'], capacity: 2, status: 'online' });
    router.updateAgent({ agentId: 'zhao', skills: ['finance'], capacity: 2, status: 'online' });
    router.updateAgent({ agentId: 'qian', skills: ['general'], capacity: 2, status: 'away' });
    router.enqueue(task('a', { enqueuedAt: 1 }));
    router.enqueue(task('b', { enqueuedAt: 2 }));
    router.enqueue(task('c', { enqueuedAt: 3 }));
    expect(router.assign(100).map((a) => [a.escalationId, a.agentId])).toEqual([['a', 'li'], ['b', 'wang'], ['c', 'li']]);
  });

  it('keeps tasks waiting while everyone is full, and assigns the moment capacity frees up', () => {
    const router = new AgentRouter();
    router.updateAgent({ agentId: 'li', skills: ['general'], capacity: 1, status: 'online' });
    router.enqueue(task('a'));
    router.enqueue(task('b', { enqueuedAt: 5 }));
    expect(router.assign(1)).toHaveLength(1);
    expect(router.assign(2)).toEqual([]);
    expect(router.queueLengths()).toEqual({ general: 1 });
    router.release('a');
    expect(router.assign(3)).toEqual([{ escalationId: 'b', workflowId: 'escalation-b', agentId: 'li' }]);
  });

  it('serves high priority first and never hands a task back to an excluded agent', () => {
    const router = new AgentRouter();
    router.enqueue(task('old', { enqueuedAt: 1 }));
    router.enqueue(task('vip', { enqueuedAt: 9, priority: 'high', excludeAgents: ['li'] }));
    router.updateAgent({ agentId: 'li', skills: ['general'], capacity: 1, status: 'online' });
    router.updateAgent({ agentId: 'wang', skills: ['general'], capacity: 1, status: 'online' });
    expect(router.assign(10).map((a) => [a.escalationId, a.agentId])).toEqual([['vip', 'wang'], ['old', 'li']]);
  });

  it('survives a snapshot round trip', () => {
    const router = new AgentRouter();
    router.updateAgent({ agentId: 'li', skills: ['general'], capacity: 1, status: 'online' });
    router.enqueue(task('a'));
    router.assign(1);
    const copy = new AgentRouter(router.snapshot());
    copy.release('a');
    expect(copy.snapshot().agents[0]?.load).toBe(0);
  });
});

describe('desk report', () => {
  const at = (minute: number) => new Date(Date.parse('2026-11-24T02:00:00Z') + minute * MIN);
  const rows = [
    { queue: 'general', agentId: 'li', status: 'resolved', openedAt: at(0), firstResponseAt: at(1), endedAt: at(10), breaches: [], csatScore: 5 },
    { queue: 'general', agentId: 'li', status: 'resolved', openedAt: at(0), firstResponseAt: at(3), endedAt: at(40), breaches: ['first_response', 'resolution'], csatScore: 3 },
    { queue: 'returns', agentId: 'wang', status: 'active', openedAt: at(5), firstResponseAt: at(6), breaches: [] },
  ];

  it('reports first response, resolution, SLA attainment and CSAT per queue', () => {
    const [general, returns] = deskReport(rows, 'queue');
    expect(general).toMatchObject({ group: 'general', escalations: 2, resolved: 2, firstResponseAvgMs: 2 * MIN, resolutionAvgMs: 25 * MIN, slaAttainment: 0.5, csatAverage: 4, csatResponses: 2 });
    expect(returns).toMatchObject({ group: 'returns', resolved: 0, slaAttainment: null, csatAverage: null });
  });

  it('groups by agent and by day too', () => {
    expect(deskReport(rows, 'agent').map((g) => g.group)).toEqual(['li', 'wang']);
    expect(deskReport(rows, 'day').map((g) => [g.group, g.escalations])).toEqual([['2026-11-24', 3]]);
  });

  it('computes bot resolution and hand-off rates over closed conversations', () => {
    const o = (type: string) => ({ type, occurredAt: at(0) });
    expect(botReport([o('conversation_closed'), o('resolved_by_bot'), o('conversation_closed'), o('handed_off'), o('conversation_closed'), o('resolved_by_bot')])).toEqual({
      closed: 3,
      botResolutionRate: 2 / 3,
      handoffRate: 1 / 3,
    });
  });
});

describe('escalation withdrawn by its case', () => {
  const facts = {
    escalationId: 'e-w1',
    conversationId: 'case-CMP-1',
    customerId: 'c-1',
    channel: 'sms' as const,
    lang: 'zh' as const,
    queue: 'complaints' as const,
    priority: 'normal' as const,
    packet: { reason: 'unresolved' as const, summary: 'complaint', lang: 'zh' as const, intents: [], slots: {}, verified: false, recentTurns: [] },
    sla: { firstResponseMs: 2 * MIN, resolutionMs: 30 * MIN },
  };

  it('ends the task with no clock left to fire, refuses agents, and changes only once', () => {
    const state = new EscalationState(facts, 0);
    state.assign('agent', MIN);
    expect(state.withdraw('case cancelled: sorted by phone', MIN + 1, always)).toBe(true);
    expect(state.status).toBe('withdrawn');
    expect(state.isOpen).toBe(false);
    expect(state.nextDeadline(MIN + 2, always)).toBeUndefined();
    expect(state.problemWithWork('agent')).toBe('this escalation has ended (withdrawn)');
    expect(state.withdraw('again', MIN + 3, always)).toBe(false);
    expect(state.readModel()).toMatchObject({ status: 'withdrawn', endedAt: new Date(MIN + 1).toISOString() });
    expect(state.readModel().timeline.at(-1)).toMatchObject({ type: 'withdrawn', detail: 'case cancelled: sorted by phone' });
  });

  it('raises priority once, to the high-priority SLA targets, and never on an ended task', () => {
    const state = new EscalationState(facts, 0);
    state.assign('agent', 0);
    state.accept('agent', 0);
    state.reply('agent', true, MIN, always);
    expect(state.raisePriority('high', 'complaint tier 2', MIN)).toBe(true);
    // First response was given (its clock stopped); the paused resolution clock now has 15 of its 30 min, 1 used.
    expect(state.view(MIN, always).sla.first_response.remainingMs).toBe(MIN);
    expect(state.view(MIN, always).sla.resolution.remainingMs).toBe(14 * MIN);
    state.customerWrote('here is the photo', 3 * MIN, always);
    expect(state.nextDeadline(3 * MIN, always)).toBe(3 * MIN + 15 * MIN * 0.8 - MIN);
    expect(state.raisePriority('high', 'complaint tier 3', 2 * MIN)).toBe(false);
    expect(state.waitingTask('escalation-e-w1', 2 * MIN, []).priority).toBe('high');
    const ended = new EscalationState(facts, 0);
    ended.withdraw('case resolved', MIN, always);
    expect(ended.raisePriority('high', 'complaint tier 2', 2 * MIN)).toBe(false);
    expect(ended.priority).toBe('normal');
  });
});

describe('per-queue SLA targets', () => {
  const desk = { sla: { firstResponseMs: 2 * MIN, resolutionMs: 30 * MIN }, slaByQueue: { complaints: { firstResponseMs: 60 * MIN, resolutionMs: 3 * 1_440 * MIN } } };

  it("takes the queue's targets where it has them, the desk's elsewhere, halved for high priority", () => {
    expect(queueSlaTargets(desk, 'complaints', 'normal')).toEqual({ firstResponseMs: 60 * MIN, resolutionMs: 3 * 1_440 * MIN });
    expect(queueSlaTargets(desk, 'complaints', 'high')).toEqual({ firstResponseMs: 30 * MIN, resolutionMs: 1.5 * 1_440 * MIN });
    expect(queueSlaTargets(desk, 'general', 'high')).toEqual({ firstResponseMs: MIN, resolutionMs: 15 * MIN });
  });

  it('keeps inputs written before per-queue targets on the desk targets for every queue', () => {
    expect(queueSlaTargets({ sla: desk.sla }, 'complaints', 'normal')).toEqual(desk.sla);
  });

  it('reads SLA_QUEUES, defaults the slow queues, and explains a bad list', () => {
    expect(parseConfig({ SLA_QUEUES: 'complaints:2h/5d, finance:45m/2d' }).desk.slaByQueue).toEqual({
      complaints: { firstResponseMs: 120 * MIN, resolutionMs: 5 * 1_440 * MIN },
      finance: { firstResponseMs: 45 * MIN, resolutionMs: 2 * 1_440 * MIN },
    });
    expect(parseConfig({}).desk.slaByQueue).toMatchObject({ complaints: { firstResponseMs: 60 * MIN }, finance: { firstResponseMs: 30 * MIN }, returns: { firstResponseMs: 15 * MIN } });
    expect(parseConfig({ SLA_QUEUES: '' }).desk.slaByQueue).toEqual({});
    expect(() => parseConfig({ SLA_QUEUES: 'complaints:1h' })).toThrow(/SLA_QUEUES: "complaints:1h" is not queue:first-response\/resolution/);
    expect(() => parseConfig({ SLA_QUEUES: 'billing:1h/1d' })).toThrow(/SLA_QUEUES: "billing" is not a queue \(one of general, returns, complaints, finance\)/);
    expect(() => parseConfig({ SLA_QUEUES: 'finance:2d/1d' })).toThrow(/first response target is longer than the resolution target/);
    expect(() => parseConfig({ SLA_QUEUES: 'finance:1h/1d,finance:2h/2d' })).toThrow(/"finance" is given twice/);
  });
});
