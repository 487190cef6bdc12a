import type { Channel } from '../conversation';
import type { HandoffPacket } from '../dialogue/types';
import type { Lang } from '../language';
import type { WaitingTask } from './assignment';
import type { BusinessCalendar } from './business-hours';
import { slaTargets, type Priority, type Queue, type SlaTargets } from './routing';
import { checkClock, nextDeadline, pauseClock, remainingMs, resumeClock, retargetClock, startClock, stopClock, type SlaClockState } from './sla';

/** `withdrawn`: the case that asked for the work ended first (cancelled, or resolved through the case). */
export type EscalationStatus = 'queued' | 'assigned' | 'active' | 'waiting_customer' | 'resolved' | 'handed_back' | 'withdrawn';
export type SlaClockName = 'first_response' | 'resolution';

export interface TimelineEvent {
  at: string;
  type: string;
  agentId?: string;
  detail?: string;
}

export interface EscalationFacts {
  escalationId: string;
  conversationId: string;
  customerId: string;
  channel: Channel;
  lang: Lang;
  queue: Queue;
  priority: Priority;
  packet: HandoffPacket;
  sla: SlaTargets;
}

export interface EscalationReadModel {
  escalationId: string;
  conversationId: string;
  customerId: string;
  channel: Channel;
  status: EscalationStatus;
  queue: Queue;
  priority: Priority;
  agentId?: string;
  createdAt: string;
  acceptedAt?: string;
  firstResponseAt?: string;
  endedAt?: string;
  breaches: SlaClockName[];
  csat?: { score: number; comment?: string; at: string };
  resolutionNote?: string;
  timeline: TimelineEvent[];
}

export interface EscalationView extends EscalationReadModel {
  sla: Record<SlaClockName, { remainingMs: number; running: boolean; warned: boolean; breached: boolean }>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const OPEN: ReadonlySet<EscalationStatus> = new Set(['queued', 'assigned', 'active', 'waiting_customer']);

/** The escalation's state machine; the workflow drives it and tests exercise it without a server. */
export class EscalationState {
  status: EscalationStatus = 'queued';
  queue: Queue;
  priority: Priority;
  agentId?: string;
  csat?: { score: number; comment?: string; at: string };
  private readonly createdAt: number;
  private acceptedAt?: number;
  private firstResponseAt?: number;
  private endedAt?: number;
  private resolutionNote?: string;
  private readonly breaches: SlaClockName[] = [];
  private readonly timeline: TimelineEvent[] = [];
  private clocks: Record<SlaClockName, SlaClockState>;

  constructor(private readonly facts: EscalationFacts, now: number) {
    this.createdAt = now;
    this.queue = facts.queue;
    this.priority = facts.priority;
    this.clocks = { first_response: startClock(facts.sla.firstResponseMs, now), resolution: startClock(facts.sla.resolutionMs, now) };
    this.note(now, 'queued', undefined, `${facts.queue}, ${facts.priority} priority, ${facts.packet.reason}`);
  }

  get isOpen(): boolean {
    return OPEN.has(this.status);
  }

  assign(agentId: string, now: number): boolean {
    if (this.status !== 'queued') return false;
    this.status = 'assigned';
    this.agentId = agentId;
    this.note(now, 'assigned', agentId);
    return true;
  }

  problemWithAccept(agentId: string): string | undefined {
    if (this.status !== 'assigned') return `this escalation is ${this.status}, not waiting to be accepted`;
    if (agentId !== this.agentId) return 'this escalation is assigned to another agent';
    return undefined;
  }

  accept(agentId: string, now: number): void {
    this.status = 'active';
    this.acceptedAt ??= now;
    this.note(now, 'accepted', agentId);
  }

  problemWithWork(agentId: string): string | undefined {
    if (!this.isOpen) return `this escalation has ended (${this.status})`;
    if (agentId !== this.agentId) return 'another agent holds this escalation';
    if (this.status === 'assigned') return 'accept the escalation first';
    return undefined;
  }

  reply(agentId: string, awaitCustomer: boolean, now: number, calendar: BusinessCalendar): void {
    if (this.firstResponseAt === undefined) {
      this.firstResponseAt = now;
      this.clocks.first_response = stopClock(this.clocks.first_response, now, calendar);
    }
    if (awaitCustomer) {
      this.status = 'waiting_customer';
      this.clocks.resolution = pauseClock(this.clocks.resolution, now, calendar);
    } else if (this.status === 'waiting_customer') {
      this.status = 'active';
      this.clocks.resolution = resumeClock(this.clocks.resolution, now);
    }
    this.note(now, awaitCustomer ? 'replied_waiting_on_customer' : 'replied', agentId);
  }

  customerWrote(_text: string, now: number, _calendar: BusinessCalendar): void {
    if (this.status === 'waiting_customer') {
      this.status = 'active';
      this.clocks.resolution = resumeClock(this.clocks.resolution, now);
    }
    this.note(now, 'customer_message');
  }

  transfer(agentId: string, target: { toAgent?: string; toQueue?: Queue }, now: number): void {
    if (target.toQueue) this.queue = target.toQueue;
    this.status = 'queued';
    this.agentId = undefined;
    this.note(now, 'transferred', agentId, target.toAgent ? `to agent ${target.toAgent}` : `to queue ${target.toQueue ?? this.queue}`);
  }

  /** Back into the queue, ahead of others: after a breach or a supervisor's decision. */
  requeue(reason: string, now: number): void {
    this.status = 'queued';
    this.agentId = undefined;
    this.priority = 'high';
    this.note(now, 'requeued', undefined, reason);
  }

  end(outcome: 'resolved' | 'handed_back', agentId: string, now: number, calendar: BusinessCalendar, note?: string): void {
    this.status = outcome;
    this.endedAt = now;
    this.resolutionNote = note;
    this.clocks.first_response = stopClock(this.clocks.first_response, now, calendar);
    this.clocks.resolution = stopClock(this.clocks.resolution, now, calendar);
    this.note(now, outcome, agentId, note);
  }

  /** The case behind this work ended without it: no agent may act on it any more. Answers whether anything changed. */
  withdraw(reason: string, now: number, calendar: BusinessCalendar): boolean {
    if (!this.isOpen) return false;
    this.status = 'withdrawn';
    this.endedAt = now;
    this.clocks.first_response = stopClock(this.clocks.first_response, now, calendar);
    this.clocks.resolution = stopClock(this.clocks.resolution, now, calendar);
    this.note(now, 'withdrawn', undefined, reason);
    return true;
  }

  /**
   * Raised by the case behind it (a complaint climbing a tier); never lowered. Clocks still running
   * or paused take the high-priority targets, as a task opened at high priority would have had.
   * Answers whether it changed.
   */
  raisePriority(priority: Priority, reason: string, now: number): boolean {
    if (!this.isOpen || this.priority === priority || priority !== 'high') return false;
    this.priority = priority;
    const targets = slaTargets(this.facts.sla, priority);
    this.clocks.first_response = retargetClock(this.clocks.first_response, targets.firstResponseMs);
    this.clocks.resolution = retargetClock(this.clocks.resolution, targets.resolutionMs);
    this.note(now, 'priority_raised', undefined, `${priority}: ${reason}`);
    return true;
  }

  rate(score: number, comment: string | undefined, now: number): boolean {
    if (this.status !== 'resolved' || this.csat || !Number.isInteger(score) || score < 1 || score > 5) return false;
    this.csat = { score, ...(comment ? { comment } : {}), at: iso(now) };
    this.note(now, 'rated', undefined, String(score));
    return true;
  }

  nextDeadline(now: number, calendar: BusinessCalendar): number | undefined {
    const deadlines = (Object.keys(this.clocks) as SlaClockName[])
      .map((name) => nextDeadline(this.clocks[name], now, calendar)?.at)
      .filter((at): at is number => at !== undefined);
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  /** Warnings and breaches that have come due, each reported once. */
  checkClocks(now: number, calendar: BusinessCalendar): Array<{ clock: SlaClockName; kind: 'warning' | 'breach' }> {
    const due: Array<{ clock: SlaClockName; kind: 'warning' | 'breach' }> = [];
    for (const name of Object.keys(this.clocks) as SlaClockName[]) {
      const checked = checkClock(this.clocks[name], now, calendar);
      this.clocks[name] = checked.clock;
      for (const kind of checked.due) {
        due.push({ clock: name, kind });
        if (kind === 'breach') this.breaches.push(name);
        this.note(now, `sla_${kind}`, this.agentId, name);
      }
    }
    return due;
  }

  waitingTask(workflowId: string, now: number, excludeAgents: string[], onlyAgent?: string): WaitingTask {
    return { escalationId: this.facts.escalationId, workflowId, queue: this.queue, priority: this.priority, enqueuedAt: now, excludeAgents, ...(onlyAgent ? { onlyAgent } : {}) };
  }

  readModel(): EscalationReadModel {
    return {
      escalationId: this.facts.escalationId,
      conversationId: this.facts.conversationId,
      customerId: this.facts.customerId,
      channel: this.facts.channel,
      status: this.status,
      queue: this.queue,
      priority: this.priority,
      ...(this.agentId ? { agentId: this.agentId } : {}),
      createdAt: iso(this.createdAt),
      ...(this.acceptedAt !== undefined ? { acceptedAt: iso(this.acceptedAt) } : {}),
      ...(this.firstResponseAt !== undefined ? { firstResponseAt: iso(this.firstResponseAt) } : {}),
      ...(this.endedAt !== undefined ? { endedAt: iso(this.endedAt) } : {}),
      breaches: [...this.breaches],
      ...(this.csat ? { csat: this.csat } : {}),
      ...(this.resolutionNote ? { resolutionNote: this.resolutionNote } : {}),
      timeline: [...this.timeline],
    };
  }

  view(now: number, calendar: BusinessCalendar): EscalationView {
    const clock = (name: SlaClockName) => ({
      remainingMs: remainingMs(this.clocks[name], now, calendar),
      running: this.clocks[name].runningSince !== undefined,
      warned: this.clocks[name].warned,
      breached: this.clocks[name].breached,
    });
    return { ...this.readModel(), sla: { first_response: clock('first_response'), resolution: clock('resolution') } };
  }

  private note(now: number, type: string, agentId?: string, detail?: string): void {
    this.timeline.push({ at: iso(now), type, ...(agentId ? { agentId } : {}), ...(detail ? { detail } : {}) });
  }
}
