import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { conversationWorkflowId, type Channel } from '../domain/conversation';
import type { HandoffPacket } from '../domain/dialogue/types';
import { parseBusinessHours } from '../domain/escalation/business-hours';
import { EscalationState, type EscalationView } from '../domain/escalation/escalation-state';
import type { Priority, Queue, SlaTargets } from '../domain/escalation/routing';
import type { Lang } from '../domain/language';
import { assignedSignal } from './agent-router';
import { agentJoinedSignal, agentMessageSignal, escalationEndedSignal } from './conversation-signals';

export interface EscalationInput {
  escalationId: string;
  conversationId: string;
  customerId: string;
  channel: Channel;
  lang: Lang;
  queue: Queue;
  priority: Priority;
  packet: HandoffPacket;
  sla: SlaTargets;
  /** "24x7" or e.g. "mon-fri 09:00-18:00 +08:00". */
  businessHours: string;
  csatWaitMs: number;
  /** Set when a return or complaint case asked for this work: there is no conversation to relay to, and the case collects the rating. */
  caseId?: string;
}

export interface AgentAction {
  agentId: string;
}

export type ReplyInput = AgentAction & { messageId: string; agentName: string; text: string; awaitCustomer?: boolean };
export type TransferInput = AgentAction & { toAgent?: string; toQueue?: Queue };
export type ResolveInput = AgentAction & { note?: string };
export interface ReassignInput {
  supervisorId: string;
  toAgent?: string;
  /** Route again only while the task still waits for this agent to accept it: they went offline first. */
  unacceptedBy?: string;
}

export const customerMessageSignal = defineSignal<[{ messageId: string; text: string }]>('customerMessage');
export const csatSignal = defineSignal<[{ score: number; comment?: string }]>('csat');
export const acceptUpdate = defineUpdate<EscalationView, [AgentAction]>('accept');
export const replyUpdate = defineUpdate<EscalationView, [ReplyInput]>('reply');
export const transferUpdate = defineUpdate<EscalationView, [TransferInput]>('transfer');
export const handBackUpdate = defineUpdate<EscalationView, [AgentAction]>('handBack');
export const resolveUpdate = defineUpdate<EscalationView, [ResolveInput]>('resolve');
export const reassignUpdate = defineUpdate<EscalationView, [ReassignInput]>('reassign');
export const escalationViewQuery = defineQuery<EscalationView>('escalationView');
/** From the case that asked for this work: it ended first, so the task leaves the desk. */
export const withdrawSignal = defineSignal<[{ reason: string }]>('withdraw');
/** From the case that asked for this work: it became more urgent (a complaint climbed a tier). */
export const raisePrioritySignal = defineSignal<[{ priority: Priority; reason: string }]>('raisePriority');

const desk = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

/** Marks the change that lets cases (which have no conversation) use the desk. */
export const CASE_ESCALATIONS_PATCH = 'case-escalations';
/** Marks the change that sends an agent's reply on a case's task to the customer and the case's timeline. */
export const CASE_REPLIES_PATCH = 'case-replies';

/** Validators refuse an action with a reason the agent can read; nothing is recorded. */
function refuseIf(problem: string | undefined): void {
  if (problem) throw ApplicationFailure.create({ type: 'InvalidEscalationAction', message: problem, nonRetryable: true });
}

/**
 * One hand-off from the bot to people: it waits in its skill queue, is assigned and worked, keeps
 * its SLA clocks (paused while the desk waits on the customer), is re-routed and escalated to
 * supervisors on breach, and ends with the customer's rating.
 */
export async function escalationWorkflow(input: EscalationInput): Promise<EscalationView> {
  const calendar = parseBusinessHours(input.businessHours);
  const state = new EscalationState(input, Date.now());
  const conversation = getExternalWorkflowHandle(conversationWorkflowId(input.conversationId));
  // Case work has no conversation workflow to tell; histories from before cases replay unchanged.
  const relaysToConversation = !(input.caseId && patched(CASE_ESCALATIONS_PATCH));
  let version = 0;
  const changed = () => (version += 1);

  const persist = () => desk.recordEscalation(state.readModel());
  const enqueue = (exclude: string[] = [], onlyAgent?: string) => desk.notifyRouter({ kind: 'taskWaiting', task: state.waitingTask(`escalation-${input.escalationId}`, Date.now(), exclude, onlyAgent) });
  const release = () => desk.notifyRouter({ kind: 'taskReleased', escalationId: input.escalationId });

  setHandler(assignedSignal, ({ agentId }) => {
    if (state.assign(agentId, Date.now())) changed();
  });
  setHandler(customerMessageSignal, (message) => {
    state.customerWrote(message.text, Date.now(), calendar);
    changed();
  });
  setHandler(csatSignal, ({ score, comment }) => {
    if (state.rate(score, comment, Date.now())) changed();
  });
  setHandler(escalationViewQuery, () => state.view(Date.now(), calendar));
  setHandler(withdrawSignal, ({ reason }) => {
    if (state.withdraw(reason, Date.now(), calendar)) changed();
  });
  let reprioritised = false;
  setHandler(raisePrioritySignal, ({ priority, reason }) => {
    if (!state.raisePriority(priority, reason, Date.now())) return;
    reprioritised = true;
    changed();
  });

  setHandler(
    acceptUpdate,
    async ({ agentId }) => {
      state.accept(agentId, Date.now());
      changed();
      await persist();
      if (relaysToConversation) await conversation.signal(agentJoinedSignal, { escalationId: input.escalationId, agentId });
      return state.view(Date.now(), calendar);
    },
    { validator: ({ agentId }: AgentAction) => refuseIf(state.problemWithAccept(agentId)) },
  );
  setHandler(
    replyUpdate,
    async (reply) => {
      state.reply(reply.agentId, reply.awaitCustomer ?? false, Date.now(), calendar);
      changed();
      if (relaysToConversation) await conversation.signal(agentMessageSignal, { escalationId: input.escalationId, messageId: reply.messageId, agentId: reply.agentId, agentName: reply.agentName, text: reply.text });
      else if (input.caseId && patched(CASE_REPLIES_PATCH)) await desk.relayDeskReply({ caseId: input.caseId, conversationId: input.conversationId, messageId: reply.messageId, agentId: reply.agentId, agentName: reply.agentName, text: reply.text, lang: input.lang });
      await persist();
      return state.view(Date.now(), calendar);
    },
    { validator: (reply: ReplyInput) => refuseIf(state.problemWithWork(reply.agentId) ?? (reply.text.trim() ? undefined : 'text must not be empty')) },
  );
  setHandler(
    transferUpdate,
    async ({ agentId, toAgent, toQueue }) => {
      state.transfer(agentId, { toAgent, toQueue }, Date.now());
      changed();
      await release();
      await enqueue([], toAgent);
      await persist();
      return state.view(Date.now(), calendar);
    },
    { validator: ({ agentId, toAgent, toQueue }: TransferInput) => refuseIf(state.problemWithWork(agentId) ?? (toAgent || toQueue ? undefined : 'give toAgent or toQueue')) },
  );
  setHandler(
    handBackUpdate,
    async ({ agentId }) => {
      state.end('handed_back', agentId, Date.now(), calendar);
      changed();
      await persist();
      return state.view(Date.now(), calendar);
    },
    { validator: ({ agentId }: AgentAction) => refuseIf(state.problemWithWork(agentId)) },
  );
  setHandler(
    resolveUpdate,
    async ({ agentId, note }) => {
      state.end('resolved', agentId, Date.now(), calendar, note);
      changed();
      await persist();
      return state.view(Date.now(), calendar);
    },
    { validator: ({ agentId }: AgentAction) => refuseIf(state.problemWithWork(agentId)) },
  );
  setHandler(
    reassignUpdate,
    async ({ supervisorId, toAgent, unacceptedBy }) => {
      const from = state.agentId;
      state.requeue(unacceptedBy ? `${unacceptedBy} went offline before accepting` : `reassigned by ${supervisorId}`, Date.now());
      changed();
      await release();
      // An agent who went offline may take it again once back; one a supervisor took it from may not.
      await enqueue(from && !toAgent && !unacceptedBy ? [from] : [], toAgent);
      await persist();
      return state.view(Date.now(), calendar);
    },
    {
      validator: ({ unacceptedBy }: ReassignInput) =>
        refuseIf(
          !state.isOpen
            ? 'this escalation has ended'
            : unacceptedBy && !(state.status === 'assigned' && state.agentId === unacceptedBy)
              ? `it no longer waits for ${unacceptedBy} to accept it`
              : undefined,
        ),
    },
  );

  await persist();
  await enqueue();
  await desk.raiseAlert({ escalationId: input.escalationId, kind: 'queued', queue: input.queue, priority: input.priority, conversationId: input.conversationId });

  while (state.isOpen) {
    const seen = version;
    const deadline = state.nextDeadline(Date.now(), calendar);
    await condition(() => version !== seen || !state.isOpen, deadline ? Math.max(1, deadline - Date.now()) : undefined);
    for (const due of state.checkClocks(Date.now(), calendar)) {
      await desk.raiseAlert({ escalationId: input.escalationId, kind: `${due.clock}_${due.kind}`, queue: state.queue, priority: state.priority, conversationId: input.conversationId, agentId: state.agentId });
      if (due.kind === 'breach' && state.isOpen) {
        const from = state.agentId;
        state.requeue(`${due.clock} SLA breached`, Date.now());
        await release();
        await enqueue(from ? [from] : []);
      }
      changed();
    }
    // Waiting in its queue, the task moves ahead of normal-priority work at once.
    if (reprioritised && state.status === 'queued') await enqueue();
    reprioritised = false;
    await persist();
  }

  // Withdrawn before the first wait (its case ended at once), the loop above never wrote it.
  if (state.status === 'withdrawn') await persist();
  await CancellationScope.nonCancellable(async () => {
    await release();
    if (relaysToConversation) await conversation.signal(escalationEndedSignal, { escalationId: input.escalationId, outcome: state.status === 'resolved' ? 'resolved' : 'handed_back', askForRating: state.status === 'resolved' });
  });
  if (state.status === 'resolved' && relaysToConversation) {
    await condition(() => state.csat !== undefined, input.csatWaitMs);
    await persist();
  }
  await condition(allHandlersFinished);
  return state.view(Date.now(), calendar);
}
