import type { Priority, Queue } from './routing';

export type AgentStatus = 'online' | 'away' | 'offline';

export interface AgentAvailability {
  agentId: string;
  skills: string[];
  capacity: number;
  status: AgentStatus;
}

export interface WaitingTask {
  escalationId: string;
  workflowId: string;
  queue: Queue;
  priority: Priority;
  enqueuedAt: number;
  /** Agents this task must not go back to (e.g. one who let its SLA breach). */
  excludeAgents: string[];
  /** A transfer to a named agent waits for that agent only. */
  onlyAgent?: string;
}

export interface Assignment {
  escalationId: string;
  workflowId: string;
  agentId: string;
}

export interface RouterSnapshot {
  agents: Array<AgentAvailability & { load: number; lastAssignedAt: number }>;
  waiting: WaitingTask[];
  assigned: Array<{ escalationId: string; agentId: string }>;
}

const PRIORITY_RANK: Record<Priority, number> = { high: 0, normal: 1 };

/**
 * The desk's queues and who is free: assigns each waiting task, highest priority and oldest first,
 * to the least-loaded online agent with the skill and free capacity, round-robin among equals.
 * Pure and deterministic, so the router workflow can hold it.
 */
export class AgentRouter {
  private readonly agents: Map<string, AgentAvailability & { load: number; lastAssignedAt: number }>;
  private waiting: WaitingTask[];
  private readonly assigned: Map<string, string>;

  constructor(snapshot: RouterSnapshot = { agents: [], waiting: [], assigned: [] }) {
    this.agents = new Map(snapshot.agents.map((a) => [a.agentId, { ...a }]));
    this.waiting = [...snapshot.waiting];
    this.assigned = new Map(snapshot.assigned.map((a) => [a.escalationId, a.agentId]));
  }

  snapshot(): RouterSnapshot {
    return {
      agents: [...this.agents.values()].map((a) => ({ ...a })),
      waiting: [...this.waiting],
      assigned: [...this.assigned.entries()].map(([escalationId, agentId]) => ({ escalationId, agentId })),
    };
  }

  updateAgent(agent: AgentAvailability): void {
    const current = this.agents.get(agent.agentId);
    this.agents.set(agent.agentId, { ...agent, load: current?.load ?? 0, lastAssignedAt: current?.lastAssignedAt ?? 0 });
  }

  enqueue(task: WaitingTask): void {
    this.release(task.escalationId);
    this.waiting = this.waiting.filter((t) => t.escalationId !== task.escalationId);
    this.waiting.push(task);
  }

  /** The task is no longer this agent's (resolved, handed back, transferred, taken away on breach). */
  release(escalationId: string): void {
    this.waiting = this.waiting.filter((t) => t.escalationId !== escalationId);
    const agentId = this.assigned.get(escalationId);
    if (!agentId) return;
    this.assigned.delete(escalationId);
    const agent = this.agents.get(agentId);
    if (agent) agent.load = Math.max(0, agent.load - 1);
  }

  queueLengths(): Record<string, number> {
    const lengths: Record<string, number> = {};
    for (const task of this.waiting) lengths[task.queue] = (lengths[task.queue] ?? 0) + 1;
    return lengths;
  }

  assign(now: number): Assignment[] {
    const made: Assignment[] = [];
    const ordered = [...this.waiting].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.enqueuedAt - b.enqueuedAt);
    for (const task of ordered) {
      const agent = this.bestAgentFor(task);
      if (!agent) continue;
      agent.load += 1;
      agent.lastAssignedAt = now + made.length;
      this.assigned.set(task.escalationId, agent.agentId);
      this.waiting = this.waiting.filter((t) => t.escalationId !== task.escalationId);
      made.push({ escalationId: task.escalationId, workflowId: task.workflowId, agentId: agent.agentId });
    }
    return made;
  }

  private bestAgentFor(task: WaitingTask) {
    const candidates = [...this.agents.values()].filter(
      (a) =>
        a.status === 'online' &&
        a.load < a.capacity &&
        (task.onlyAgent ? a.agentId === task.onlyAgent : a.skills.includes(task.queue)) &&
        !task.excludeAgents.includes(a.agentId),
    );
    candidates.sort((a, b) => a.load - b.load || a.lastAssignedAt - b.lastAssignedAt || a.agentId.localeCompare(b.agentId));
    return candidates[0];
  }
}
