import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { AgentRouter, type AgentAvailability, type RouterSnapshot, type WaitingTask } from '../domain/escalation/assignment';

/**
 * The one router of the desk on a task queue; escalations and the API reach it by this id. Keyed by
 * the task queue so deployments (or test systems) sharing a namespace each route their own agents.
 */
export const agentRouterWorkflowId = (taskQueue: string) => `agent-router-${taskQueue}`;

export const taskWaitingSignal = defineSignal<[WaitingTask]>('taskWaiting');
export const taskReleasedSignal = defineSignal<[{ escalationId: string }]>('taskReleased');
export const agentUpdatedSignal = defineSignal<[AgentAvailability]>('agentUpdated');
export const routerViewQuery = defineQuery<RouterSnapshot>('routerView');
/** Sent to an escalation when the router gives it to an agent. */
export const assignedSignal = defineSignal<[{ agentId: string }]>('assigned');

const MAX_SIGNALS_PER_RUN = 2_000;

const { loadRouterState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds' },
});

/**
 * A single long-lived workflow that owns the queues and the agents' load, so every assignment
 * decision is taken in one place, in order, and survives any crash.
 */
export async function agentRouterWorkflow(input: { snapshot?: RouterSnapshot } = {}): Promise<void> {
  let router: AgentRouter | undefined = input.snapshot ? new AgentRouter(input.snapshot) : undefined;
  const pending: Array<(r: AgentRouter) => void> = [];
  let changes = 0;

  const apply = (change: (r: AgentRouter) => void) => {
    pending.push(change);
    changes += 1;
  };
  setHandler(taskWaitingSignal, (task) => apply((r) => r.enqueue(task)));
  setHandler(taskReleasedSignal, ({ escalationId }) => apply((r) => r.release(escalationId)));
  setHandler(agentUpdatedSignal, (agent) => apply((r) => r.updateAgent(agent)));
  setHandler(routerViewQuery, () => (router ?? new AgentRouter()).snapshot());

  router ??= new AgentRouter(await loadRouterState());
  const desk = router;

  for (;;) {
    for (const change of pending.splice(0)) change(desk);
    for (const assignment of desk.assign(Date.now())) {
      try {
        await getExternalWorkflowHandle(assignment.workflowId).signal(assignedSignal, { agentId: assignment.agentId });
      } catch {
        // The escalation ended while it waited: its agent is free again.
        desk.release(assignment.escalationId);
      }
    }
    if (changes >= MAX_SIGNALS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      for (const change of pending.splice(0)) change(desk);
      await continueAsNew<typeof agentRouterWorkflow>({ snapshot: desk.snapshot() });
    }
    await condition(() => pending.length > 0);
  }
}
