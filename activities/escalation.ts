import mongoose from 'mongoose';
import type { Client } from '@temporalio/client';
import type { AgentAvailability, RouterSnapshot, WaitingTask } from '../domain/escalation/assignment';
import type { EscalationReadModel } from '../domain/escalation/escalation-state';
import type { Priority, Queue } from '../domain/escalation/routing';
import { agentRouterWorkflow, agentRouterWorkflowId, agentUpdatedSignal, taskReleasedSignal, taskWaitingSignal } from '../workflows/agent-router';
import type { Models } from './db/models';

export type RouterMessage =
  | { kind: 'taskWaiting'; task: WaitingTask }
  | { kind: 'taskReleased'; escalationId: string }
  | { kind: 'agentUpdated'; agent: AgentAvailability };

export interface AlertInput {
  escalationId: string;
  kind: string;
  queue: Queue;
  priority: Priority;
  conversationId: string;
  agentId?: string;
}

const OPEN_STATUSES = ['assigned', 'active', 'waiting_customer'];

/** Sends a message to the desk's router, starting it if it is not running yet. */
export function routerMessenger(client: Client, taskQueue: string) {
  return async (message: RouterMessage): Promise<void> => {
    const common = { workflowId: agentRouterWorkflowId(taskQueue), taskQueue, args: [{}] as [Record<string, never>] };
    switch (message.kind) {
      case 'taskWaiting':
        await client.workflow.signalWithStart(agentRouterWorkflow, { ...common, signal: taskWaitingSignal, signalArgs: [message.task] });
        return;
      case 'taskReleased':
        await client.workflow.signalWithStart(agentRouterWorkflow, { ...common, signal: taskReleasedSignal, signalArgs: [{ escalationId: message.escalationId }] });
        return;
      case 'agentUpdated':
        await client.workflow.signalWithStart(agentRouterWorkflow, { ...common, signal: agentUpdatedSignal, signalArgs: [message.agent] });
    }
  };
}

export function createEscalationActivities(deps: { models: Models; client: Client; taskQueue: string; publish: (streams: string[], event: { type: string; data: Record<string, unknown> }, key: string) => Promise<unknown> }) {
  const { models } = deps;
  const notify = routerMessenger(deps.client, deps.taskQueue);

  return {
    notifyRouter: notify,

    /** The router's starting point after a fresh start: agents, who holds what, and what waits. */
    async loadRouterState(): Promise<RouterSnapshot> {
      const [agents, open] = await Promise.all([
        models.Agent.find({}).lean(),
        models.Escalation.find({ status: mongoose.trusted({ $in: ['queued', ...OPEN_STATUSES] }) }, { escalationId: 1, status: 1, agentId: 1, queue: 1, priority: 1, openedAt: 1 }).lean(),
      ]);
      const held = open.filter((e) => OPEN_STATUSES.includes(e.status) && e.agentId);
      const loads = new Map<string, number>();
      for (const e of held) loads.set(e.agentId!, (loads.get(e.agentId!) ?? 0) + 1);
      return {
        agents: agents.map((a) => ({ agentId: a.agentId, skills: a.skills, capacity: a.capacity, status: a.status, load: loads.get(a.agentId) ?? 0, lastAssignedAt: 0 })),
        assigned: held.map((e) => ({ escalationId: e.escalationId, agentId: e.agentId! })),
        waiting: open
          .filter((e) => e.status === 'queued' && e.queue)
          .map((e) => ({
            escalationId: e.escalationId,
            workflowId: `escalation-${e.escalationId}`,
            queue: e.queue as Queue,
            priority: (e.priority ?? 'normal') as Priority,
            enqueuedAt: e.openedAt?.getTime() ?? 0,
            excludeAgents: [],
          })),
      };
    },

    /** Mirrors the escalation's state into the read model lists, dashboards and reports use. */
    async recordEscalation(view: EscalationReadModel): Promise<void> {
      const date = (value?: string) => (value ? new Date(value) : undefined);
      await models.Escalation.updateOne(
        { escalationId: view.escalationId },
        {
          $set: {
            status: view.status,
            queue: view.queue,
            priority: view.priority,
            agentId: view.agentId ?? null,
            openedAt: new Date(view.createdAt),
            acceptedAt: date(view.acceptedAt),
            firstResponseAt: date(view.firstResponseAt),
            endedAt: date(view.endedAt),
            breaches: view.breaches,
            csatScore: view.csat?.score,
            csatComment: view.csat?.comment,
            resolutionNote: view.resolutionNote,
            timeline: view.timeline,
          },
        },
      );
      const previous = view.timeline.at(-1);
      if (previous) {
        await deps.publish(
          ['supervisors', ...(view.agentId ? [`agent:${view.agentId}`] : [])],
          { type: 'escalation_updated', data: { escalationId: view.escalationId, conversationId: view.conversationId, status: view.status, queue: view.queue, priority: view.priority, agentId: view.agentId ?? null, event: previous.type } },
          `escalation:${view.escalationId}:${view.timeline.length}:${view.status}`,
        );
      }
    },

    async raiseAlert(alert: AlertInput): Promise<void> {
      const alertKey = `${alert.escalationId}:${alert.kind}`;
      await models.Alert.updateOne({ alertKey }, { $setOnInsert: { ...alert, alertKey, at: new Date() } }, { upsert: true });
      await deps.publish(['supervisors', ...(alert.agentId ? [`agent:${alert.agentId}`] : [])], { type: 'alert', data: { ...alert } }, `alert:${alertKey}`);
    },
  };
}

export type EscalationActivities = ReturnType<typeof createEscalationActivities>;
