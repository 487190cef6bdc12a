import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  ConversationState,
  customerMessageProblem,
  type BotReply,
  type CarriedConversation,
  type Channel,
  type ConversationView,
  type CustomerMessage,
} from '../domain/conversation';
import { detectLanguage } from '../domain/language';
import { StatusKey } from '../domain/search-attributes';
import { SerialQueue } from '../domain/serial';

export interface ConversationWorkflowInput {
  conversationId: string;
  channel: Channel;
  customerId: string;
  idleTimeoutMs: number;
  turnCap: number;
  /** Present when this run continues an earlier one. */
  carried?: CarriedConversation;
}

export interface ConversationOutcome {
  conversationId: string;
  turns: number;
  closedBy: 'idle' | 'requested';
}

export const customerMessageUpdate = defineUpdate<BotReply, [CustomerMessage]>('customerMessage');
export const closeConversationSignal = defineSignal<[]>('closeConversation');
export const conversationViewQuery = defineQuery<ConversationView>('conversationView');

const TURN_STEP_TIMEOUT = '10 seconds';

const turnSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: TURN_STEP_TIMEOUT,
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

export async function conversationWorkflow(input: ConversationWorkflowInput): Promise<ConversationOutcome> {
  // Handlers are registered before the first await: the Update that started this run is already waiting.
  let state: ConversationState | undefined;
  const turns = new SerialQueue();
  let closeRequested = false;

  async function takeTurn(message: CustomerMessage): Promise<BotReply> {
    await condition(() => state !== undefined);
    const conversation = state!;
    const earlier = conversation.replyTo(message.messageId);
    if (earlier) return earlier;
    const receivedAt = new Date().toISOString();
    const lang = detectLanguage(message.text);
    const customerEntry = conversation.entry('customer', `${message.messageId}:in`, message.text, receivedAt);
    const answer = await turnSteps.answerMessage({ text: message.text, lang });
    const botEntry = conversation.entry('bot', `${message.messageId}:out`, answer.text, new Date().toISOString(), answer.citations);
    const reply = conversation.completeTurn({ messageId: message.messageId, reply: answer.text, citations: answer.citations, lang });
    await turnSteps.recordTurn({
      conversationId: input.conversationId,
      channel: input.channel,
      customerId: input.customerId,
      entries: [customerEntry, botEntry],
      turns: conversation.turns,
      status: 'open',
    });
    return reply;
  }

  setHandler(customerMessageUpdate, (message) => turns.run(() => takeTurn(message)), {
    validator: (message: CustomerMessage) => {
      const status = state?.status ?? 'open';
      const problem = customerMessageProblem(message, { channel: input.channel, customerId: input.customerId, status });
      if (problem) throw ApplicationFailure.create({ type: problem.type, message: problem.message, nonRetryable: true });
    },
  });
  setHandler(closeConversationSignal, () => {
    closeRequested = true;
  });
  setHandler(conversationViewQuery, () => (state ?? new ConversationState(input.conversationId, input.channel, input.customerId, input.carried)).view());

  const conversation = new ConversationState(
    input.conversationId,
    input.channel,
    input.customerId,
    input.carried ?? (await turnSteps.loadConversation(input.conversationId)),
  );
  state = conversation;

  const turnsAtStart = conversation.turns;
  for (;;) {
    const seen = conversation.turns;
    const active = await condition(() => conversation.turns !== seen || turns.busy || closeRequested, input.idleTimeoutMs);
    if (!active || closeRequested) break;
    await condition(() => !turns.busy);
    if (conversation.turns - turnsAtStart >= input.turnCap || workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && !turns.busy);
      await continueAsNew<typeof conversationWorkflow>({ ...input, carried: conversation.carry() });
    }
  }

  conversation.status = 'closed';
  await condition(() => allHandlersFinished() && !turns.busy);
  // The API indexes a conversation when it starts it; keep that index true to the end.
  if (workflowInfo().typedSearchAttributes.get(StatusKey) !== undefined) upsertSearchAttributes([{ key: StatusKey, value: 'closed' }]);
  const closedBy = closeRequested ? 'requested' : 'idle';
  await turnSteps.recordConversationClosed({
    conversationId: input.conversationId,
    channel: input.channel,
    customerId: input.customerId,
    turns: conversation.turns,
    reason: closedBy,
    closedAt: new Date().toISOString(),
  });
  return { conversationId: input.conversationId, turns: conversation.turns, closedBy };
}
