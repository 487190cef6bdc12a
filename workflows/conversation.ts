import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyLocalActivities,
  setHandler,
  startChild,
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
  type TranscriptEntry,
} from '../domain/conversation';
import { deskDeliveryKey, isOutboundChannel, replyDeliveryKey } from '../domain/channels/keys';
import { Dialogue, emptyDialogue } from '../domain/dialogue/dialogue';
import { phrases } from '../domain/dialogue/phrases';
import type { CustomerSummary, Effect, EffectResult, Step } from '../domain/dialogue/types';
import { DEFAULT_SLA, priorityFor, queueFor, queueSlaTargets, type QueueSlaTargets, type SlaTargets } from '../domain/escalation/routing';
import { detectLanguage } from '../domain/language';
import { StatusKey } from '../domain/search-attributes';
import { SerialQueue } from '../domain/serial';
import { agentJoinedSignal, agentMessageSignal, callAgentLineSignal, chatNoticeSignal, escalationEndedSignal } from './conversation-signals';
import { csatSignal, customerMessageSignal, escalationWorkflow } from './escalation';

export interface ConversationWorkflowInput {
  conversationId: string;
  channel: Channel;
  customerId: string;
  idleTimeoutMs: number;
  turnCap: number;
  /** How hand-offs are worked: SLA targets, business hours, how long to wait for a rating. */
  desk?: DeskSettings;
  /** Present when this run continues an earlier one. */
  carried?: CarriedConversation;
}

export interface DeskSettings {
  sla: SlaTargets;
  /** Per-queue targets (SLA_QUEUES); runs started before they existed use `sla` for every queue. */
  slaByQueue?: QueueSlaTargets;
  businessHours: string;
  csatWaitMs: number;
}

const DEFAULT_DESK: DeskSettings = { sla: DEFAULT_SLA, businessHours: '24x7', csatWaitMs: 24 * 3_600_000 };

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
/** WeChat takes a bot reply in the HTTP response if it comes within 5 s; the outbox holds its copy that long. */
const WECHAT_PASSIVE_WINDOW_MS = 5_000;

/**
 * Every step of a turn is short and idempotent: local activities, so a turn costs few round trips.
 * They retry without limit: while the database is down the customer's message waits, and is
 * answered when it is back, rather than failing and leaving a gap in the transcript.
 */
const turnSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: TURN_STEP_TIMEOUT,
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
});

export async function conversationWorkflow(input: ConversationWorkflowInput): Promise<ConversationOutcome> {
  // Handlers are registered before the first await: the Update that started this run is already waiting.
  let conversation: ConversationState | undefined;
  let customer: CustomerSummary | undefined = input.carried?.customer;
  const dialogue = new Dialogue(input.carried?.dialogue ?? emptyDialogue());
  const turns = new SerialQueue();
  let closeRequested = false;

  const escalationHandle = (escalationId: string) => getExternalWorkflowHandle(`escalation-${escalationId}`);

  /** A hand-off becomes an escalation workflow of its own, which outlives this run if it must. */
  async function startEscalation(effect: Extract<Effect, { kind: 'hand_off' }>, result: Extract<EffectResult, { kind: 'hand_off' }>): Promise<void> {
    const desk = input.desk ?? DEFAULT_DESK;
    const priority = priorityFor(effect.packet, customer?.tier);
    const queue = queueFor(effect.packet);
    await startChild(escalationWorkflow, {
      workflowId: `escalation-${result.handoffId}`,
      parentClosePolicy: 'ABANDON',
      args: [
        {
          escalationId: result.handoffId,
          conversationId: input.conversationId,
          customerId: input.customerId,
          channel: input.channel,
          lang: effect.packet.lang,
          queue,
          priority,
          packet: effect.packet,
          sla: queueSlaTargets(desk, queue, priority),
          businessHours: desk.businessHours,
          csatWaitMs: desk.csatWaitMs,
        },
      ],
    });
  }

  async function record(entries: TranscriptEntry[]): Promise<void> {
    await turnSteps.recordTurn({ conversationId: input.conversationId, channel: input.channel, customerId: input.customerId, entries, turns: conversation!.turns, status: 'open' });
  }

  /**
   * On channels other than web chat, what the bot and the desk say goes out through the outbox
   * (sent by the dispatcher workflow), keyed so a replayed or retried turn queues it once.
   */
  async function sendOut(idempotencyKey: string, text: string): Promise<void> {
    if (!text || !isOutboundChannel(input.channel) || !patched('channel-outbound')) return;
    await turnSteps.enqueueOutbound({
      idempotencyKey,
      conversationId: input.conversationId,
      customerId: input.customerId,
      channel: input.channel,
      text,
      purpose: 'service',
      ...(input.channel === 'wechat' && idempotencyKey.startsWith('reply:') ? { holdMs: WECHAT_PASSIVE_WINDOW_MS } : {}),
    });
  }

  async function takeTurn(message: CustomerMessage): Promise<BotReply> {
    await condition(() => conversation !== undefined);
    const state = conversation!;
    const earlier = state.replyTo(message.messageId);
    if (earlier) return earlier;
    const receivedAt = new Date().toISOString();
    state.lang = detectLanguage(message.text, state.lang);
    const lang = state.lang;
    const withAgent = dialogue.escalationId;
    if (withAgent) await escalationHandle(withAgent).signal(customerMessageSignal, { messageId: message.messageId, text: message.text });

    const rating = dialogue.takeRating(message.text);
    if (rating) await escalationHandle(rating.escalationId).signal(csatSignal, { score: rating.score });
    const nlu = await turnSteps.understand({ text: message.text });
    const effectContext = { conversationId: input.conversationId, messageId: message.messageId, customerId: input.customerId, channel: input.channel };
    let step: Step = rating ? { kind: 'reply', parts: [{ text: phrases.thanksForRating(lang) }] } : dialogue.onMessage(message.text, nlu, { lang, customer, now: new Date() });
    while (step.kind === 'effect') {
      const effect = step.effect;
      const result = await turnSteps.runEffect(effect, effectContext);
      if (effect.kind === 'hand_off' && result.kind === 'hand_off') await startEscalation(effect, result);
      step = dialogue.onEffectResult(result);
    }

    const texts: string[] = [];
    const citations: string[] = [];
    for (const part of step.parts) {
      if ('text' in part) {
        texts.push(part.text);
        continue;
      }
      const answer = await turnSteps.answerMessage({
        text: message.text,
        lang,
        intent: nlu.intent,
        entities: { ...nlu.entities },
        ...(dialogue.lastProduct ? { lastProduct: dialogue.lastProduct } : {}),
        recommend: !dialogue.handedOff,
      });
      texts.push(answer.text);
      citations.push(...answer.citations);
    }
    const replyText = texts.join('\n');
    // Transcript positions are taken only once the reply is known, so a failed step leaves no gap.
    const entries = [state.entry('customer', `${message.messageId}:in`, message.text, receivedAt)];
    if (replyText) {
      dialogue.noteBotReply(replyText);
      entries.push(state.entry('bot', `${message.messageId}:out`, replyText, new Date().toISOString(), citations));
    }
    const reply = state.completeTurn({ messageId: message.messageId, reply: replyText, citations, lang, intent: nlu.intent, handedOff: dialogue.handedOff });
    await record(entries);
    await sendOut(replyDeliveryKey(input.conversationId, message.messageId), replyText);
    return reply;
  }

  /** Messages from the desk join the transcript in order with the customer's, through the same queue. */
  function deskMessage(entryId: string, role: 'agent' | 'system', text: string): Promise<void> {
    return turns.run(async () => {
      await condition(() => conversation !== undefined);
      await record([conversation!.entry(role, entryId, text, new Date().toISOString())]);
      await sendOut(deskDeliveryKey(input.conversationId, entryId), text);
    });
  }

  setHandler(agentJoinedSignal, ({ escalationId, agentId }) => {
    dialogue.agentJoined();
    void deskMessage(`${escalationId}:joined:${agentId}`, 'system', phrases.agentJoined(conversation?.lang ?? 'zh', agentId));
  });
  setHandler(agentMessageSignal, ({ messageId, text }) => {
    void deskMessage(`${messageId}:agent`, 'agent', text);
  });
  const noticesShown = new Set<string>();
  setHandler(chatNoticeSignal, ({ noticeId, text }) => {
    // A retried delivery signals again; the transcript shows each notice once.
    if (noticesShown.has(noticeId)) return;
    noticesShown.add(noticeId);
    void deskMessage(`${noticeId}:notice`, 'system', text);
  });
  // A signal older histories never received, so adding its handler changes no recorded command sequence.
  const callLinesShown = new Set<string>();
  setHandler(callAgentLineSignal, ({ lineId, text }) => {
    if (callLinesShown.has(lineId)) return;
    callLinesShown.add(lineId);
    // Recorded only: the agent already said it on the call, so nothing goes out and the bot stays quiet.
    void turns.run(async () => {
      await condition(() => conversation !== undefined);
      await record([conversation!.entry('agent', `${lineId}:call-agent`, text, new Date().toISOString())]);
    });
  });
  setHandler(escalationEndedSignal, ({ escalationId, askForRating }) => {
    dialogue.resumeAfterAgent(escalationId, askForRating);
    if (askForRating) void deskMessage(`${escalationId}:rating`, 'system', phrases.askRating(conversation?.lang ?? 'zh'));
  });

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
    if (closeRequested) break;
    // A conversation with a person on it stays open however quiet it gets.
    if (!active && !dialogue.handedOff) break;
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
