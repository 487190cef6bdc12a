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
import { Dialogue, emptyDialogue } from '../domain/dialogue/dialogue';
import type { CustomerSummary, Step } from '../domain/dialogue/types';
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
  outcomes: string[];
}

export const customerMessageUpdate = defineUpdate<BotReply, [CustomerMessage]>('customerMessage');
export const closeConversationSignal = defineSignal<[]>('closeConversation');
export const conversationViewQuery = defineQuery<ConversationView>('conversationView');

const TURN_STEP_TIMEOUT = '10 seconds';

/** Every step of a turn is short and idempotent: local activities, so a turn costs few round trips. */
const turnSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: TURN_STEP_TIMEOUT,
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

export async function conversationWorkflow(input: ConversationWorkflowInput): Promise<ConversationOutcome> {
  // Handlers are registered before the first await: the Update that started this run is already waiting.
  let conversation: ConversationState | undefined;
  let customer: CustomerSummary | undefined = input.carried?.customer;
  const dialogue = new Dialogue(input.carried?.dialogue ?? emptyDialogue());
  const turns = new SerialQueue();
  let closeRequested = false;

  async function takeTurn(message: CustomerMessage): Promise<BotReply> {
    await condition(() => conversation !== undefined);
    const state = conversation!;
    const earlier = state.replyTo(message.messageId);
    if (earlier) return earlier;
    const customerEntry = state.entry('customer', `${message.messageId}:in`, message.text, new Date().toISOString());
    state.lang = detectLanguage(message.text, state.lang);
    const lang = state.lang;

    const nlu = await turnSteps.understand({ text: message.text });
    const effectContext = { conversationId: input.conversationId, messageId: message.messageId, customerId: input.customerId, channel: input.channel };
    let step: Step = dialogue.onMessage(message.text, nlu, { lang, customer, now: new Date() });
    while (step.kind === 'effect') step = dialogue.onEffectResult(await turnSteps.runEffect(step.effect, effectContext));

    const texts: string[] = [];
    const citations: string[] = [];
    for (const part of step.parts) {
      if ('text' in part) {
        texts.push(part.text);
        continue;
      }
      const answer = await turnSteps.answerMessage({ text: message.text, lang });
      texts.push(answer.text);
      citations.push(...answer.citations);
    }
    const replyText = texts.join('\n');
    dialogue.noteBotReply(replyText);
    const botEntry = state.entry('bot', `${message.messageId}:out`, replyText, new Date().toISOString(), citations);
    const reply = state.completeTurn({ messageId: message.messageId, reply: replyText, citations, lang, intent: nlu.intent, handedOff: dialogue.handedOff });
    await turnSteps.recordTurn({
      conversationId: input.conversationId,
      channel: input.channel,
      customerId: input.customerId,
      entries: [customerEntry, botEntry],
      turns: state.turns,
      status: 'open',
    });
    return reply;
  }

  setHandler(customerMessageUpdate, (message) => turns.run(() => takeTurn(message)), {
    validator: (message: CustomerMessage) => {
      const status = conversation?.status ?? 'open';
      const problem = customerMessageProblem(message, { channel: input.channel, customerId: input.customerId, status });
      if (problem) throw ApplicationFailure.create({ type: problem.type, message: problem.message, nonRetryable: true });
    },
  });
  setHandler(closeConversationSignal, () => {
    closeRequested = true;
  });
  setHandler(conversationViewQuery, () =>
    (conversation ?? new ConversationState(input.conversationId, input.channel, input.customerId, input.carried)).view(dialogue.snapshot()),
  );

  const carried = input.carried ?? (await turnSteps.loadConversation(input.conversationId));
  customer ??= await turnSteps.loadCustomer(input.customerId);
  conversation = new ConversationState(input.conversationId, input.channel, input.customerId, carried);
  const state = conversation;

  const turnsAtStart = state.turns;
  for (;;) {
    const seen = state.turns;
    const active = await condition(() => state.turns !== seen || turns.busy || closeRequested, input.idleTimeoutMs);
    if (!active || closeRequested) break;
    await condition(() => !turns.busy);
    if (state.turns - turnsAtStart >= input.turnCap || workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && !turns.busy);
      await continueAsNew<typeof conversationWorkflow>({ ...input, carried: state.carry({ dialogue: dialogue.snapshot(), customer }) });
    }
  }

  state.status = 'closed';
  await condition(() => allHandlersFinished() && !turns.busy);
  // The API indexes a conversation when it starts it; keep that index true to the end.
  if (workflowInfo().typedSearchAttributes.get(StatusKey) !== undefined) upsertSearchAttributes([{ key: StatusKey, value: 'closed' }]);
  const closedBy = closeRequested ? 'requested' : 'idle';
  const outcomes = dialogue.closingOutcomes(state.turns);
  await turnSteps.recordConversationClosed({
    conversationId: input.conversationId,
    channel: input.channel,
    customerId: input.customerId,
    turns: state.turns,
    reason: closedBy,
    closedAt: new Date().toISOString(),
    outcomes,
    ...(dialogue.lastProduct ? { product: dialogue.lastProduct } : {}),
  });
  return { conversationId: input.conversationId, turns: state.turns, closedBy, outcomes };
}
