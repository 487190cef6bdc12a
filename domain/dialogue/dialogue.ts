import type { Lang } from '../language';
import type { NluResult } from '../nlu';
import { asksAboutRules, ratingIn, isAccountChange, isCancel, isFinanceAction, isNo, isYes, mentionsFault, mentionsNoReason, oneTimeCodeIn, wantsExchange } from './cues';
import { phrases } from './phrases';
import { returnEligibility } from './returns-policy';
import type { CustomerSummary, Effect, EffectResult, HandoffPacket, HandoffReason, OrderSummary, Outcome, ReplyPart, Step, TurnSignal } from './types';

/** A flow waiting for the customer's next message, with what it has gathered so far. */
export type Flow =
  | { name: 'order_status'; stage: 'awaiting_order'; attempts: number }
  | { name: 'return'; stage: 'awaiting_order' | 'awaiting_reason' | 'awaiting_confirmation'; attempts: number; request: 'return' | 'exchange'; reason?: 'fault' | 'no_reason'; details: string; order?: OrderSummary }
  | { name: 'complaint'; stage: 'awaiting_details' }
  | { name: 'verify'; stage: 'awaiting_code'; challengeId?: string; purpose: 'account_change' | 'finance_action' };

export interface DialogueSnapshot {
  flow?: Flow;
  lastProduct?: string;
  signals: TurnSignal[];
  negativeStreak: number;
  lowConfidenceStreak: number;
  verified: boolean;
  handedOff: boolean;
  slots: Record<string, string>;
  outcomes: Outcome[];
  recentTurns: Array<{ role: string; text: string }>;
  /** The escalation now holding the conversation, and whether its agent has joined. */
  escalationId?: string;
  agentPresent?: boolean;
  /** The escalation whose rating the next message may carry. */
  awaitingRatingFor?: string;
  /** What to say once the effect now running has come back. */
  replyAfterEffect?: ReplyPart[];
}

export interface TurnContext {
  lang: Lang;
  customer?: CustomerSummary;
  now: Date;
}

const LOW_CONFIDENCE = 0.35;
const STREAK_FOR_HANDOFF = 2;
const ORDER_ATTEMPTS = 3;
const RECENT_TURNS = 8;
const SIGNAL_HISTORY = 20;
const VIP_TIERS = new Set(['gold', 'platinum']);
/** A complaint this long already says what happened; shorter ones get asked for details. */
const DETAILED_COMPLAINT_CHARS = 12;

export function emptyDialogue(): DialogueSnapshot {
  return { signals: [], negativeStreak: 0, lowConfidenceStreak: 0, verified: false, handedOff: false, slots: {}, outcomes: [], recentTurns: [] };
}

function returnReasonIn(message: string): 'fault' | 'no_reason' | undefined {
  if (mentionsFault(message)) return 'fault';
  return mentionsNoReason(message) ? 'no_reason' : undefined;
}

const reply = (...parts: ReplyPart[]): Step => ({ kind: 'reply', parts });
const text = (value: string): ReplyPart => ({ text: value });
const effect = (value: Effect): Step => ({ kind: 'effect', effect: value });

/**
 * The bot's dialogue policy: which flow a message starts or continues, when to look something up,
 * verify identity, open a case or hand over to a person. Pure: the workflow runs the effects it
 * asks for and feeds the results back.
 */
export class Dialogue {
  private lang: Lang = 'zh';
  private customer?: CustomerSummary;
  private now = new Date(0);

  constructor(private readonly state: DialogueSnapshot = emptyDialogue()) {}

  snapshot(): DialogueSnapshot {
    return JSON.parse(JSON.stringify(this.state)) as DialogueSnapshot;
  }

  get lastProduct(): string | undefined {
    return this.state.lastProduct;
  }

  get handedOff(): boolean {
    return this.state.handedOff;
  }

  get escalationId(): string | undefined {
    return this.state.escalationId;
  }

  agentJoined(): void {
    this.state.agentPresent = true;
  }

  /** After an agent resolves or hands the conversation back, the bot answers again. */
  resumeAfterAgent(escalationId: string, askForRating: boolean): void {
    this.state.handedOff = false;
    this.state.agentPresent = false;
    this.state.escalationId = undefined;
    this.state.negativeStreak = 0;
    this.state.lowConfidenceStreak = 0;
    this.state.awaitingRatingFor = askForRating ? escalationId : undefined;
  }

  /** A reply to the satisfaction question ("5", "4分", "5 stars"), consumed once. */
  takeRating(message: string): { escalationId: string; score: number } | undefined {
    const escalationId = this.state.awaitingRatingFor;
    const score = ratingIn(message);
    if (!escalationId || score === undefined) return undefined;
    this.state.awaitingRatingFor = undefined;
    return { escalationId, score };
  }

  noteBotReply(reply: string): void {
    this.remember('bot', reply);
  }

  /** Outcome events for marketing when the conversation closes. */
  closingOutcomes(turns: number): Outcome[] {
    const outcomes = new Set(this.state.outcomes);
    if (turns > 0 && !outcomes.has('handed_off') && !outcomes.has('case_opened')) outcomes.add('resolved_by_bot');
    return [...outcomes];
  }

  onMessage(message: string, nlu: NluResult, ctx: TurnContext): Step {
    this.lang = ctx.lang;
    this.customer = ctx.customer;
    this.now = ctx.now;
    this.remember('customer', message);
    if (nlu.entities.product) this.state.lastProduct = nlu.entities.product;
    this.state.signals.push({ intent: nlu.intent, confidence: nlu.intentConfidence, sentiment: nlu.sentiment });
    if (this.state.signals.length > SIGNAL_HISTORY) this.state.signals.shift();
    this.state.negativeStreak = nlu.sentiment === 'negative' ? this.state.negativeStreak + 1 : 0;

    if (this.state.handedOff) return this.state.agentPresent ? reply() : reply(text(phrases.waitingForAgent(this.lang)));
    this.state.awaitingRatingFor = undefined;

    const flow = this.state.flow;
    if (flow) {
      if (isCancel(message)) {
        this.state.flow = undefined;
        return reply(text(phrases.cancelled(this.lang)));
      }
      const continued = this.continueFlow(flow, message, nlu);
      if (continued) {
        this.state.lowConfidenceStreak = 0;
        return continued;
      }
    }

    this.state.lowConfidenceStreak = nlu.intentConfidence < LOW_CONFIDENCE ? this.state.lowConfidenceStreak + 1 : 0;
    const trigger = this.handoffTrigger(nlu);
    if (trigger) return this.handOff(trigger, trigger === 'loan' ? [{ answer: true }, text(phrases.handingOff(this.lang))] : [text(phrases.handingOff(this.lang))]);

    if (flow) return reply({ answer: true }, text(phrases.resume(this.lang, this.promptFor(flow))));
    return this.route(message, nlu);
  }

  onEffectResult(result: EffectResult): Step {
    const flow = this.state.flow;
    switch (result.kind) {
      case 'lookup_order':
        return this.onOrder(result.order);
      case 'send_code':
        if (!result.challengeId || !result.destination) {
          return this.handOff('verification_failed', [text(phrases.noPhoneForCode(this.lang))]);
        }
        if (flow?.name === 'verify') flow.challengeId = result.challengeId;
        return reply(text(phrases.codeSent(this.lang, result.destination)));
      case 'check_code':
        return this.onCodeChecked(result);
      case 'record_return':
        if (result.existing) {
          // Nothing new was opened: the customer is pointed to the case already running on the order.
          this.state.flow = undefined;
          this.state.slots.return_request = result.requestId;
          return reply(text(phrases.returnAlreadyOpen(this.lang, result.existing.orderId, result.requestId)));
        }
        this.state.flow = undefined;
        this.addOutcome('case_opened');
        this.state.slots.return_request = result.requestId;
        return reply(text(phrases.returnRecorded(this.lang, result.requestId)));
      case 'open_complaint':
        this.state.flow = undefined;
        this.addOutcome('case_opened');
        this.state.slots.complaint = result.caseId;
        return reply(text(phrases.complaintOpened(this.lang, result.caseId)));
      case 'hand_off': {
        this.state.handedOff = true;
        this.state.escalationId = result.handoffId;
        this.state.flow = undefined;
        this.addOutcome('handed_off');
        this.state.slots.handoff = result.handoffId;
        const parts = this.state.replyAfterEffect ?? [text(phrases.handingOff(this.lang))];
        this.state.replyAfterEffect = undefined;
        return reply(...parts);
      }
    }
  }

  private route(message: string, nlu: NluResult): Step {
    const { entities } = nlu;
    switch (nlu.intent) {
      case 'greeting':
        return reply(text(phrases.greeting(this.lang)));
      case 'goodbye':
        return reply(text(phrases.goodbye(this.lang)));
      case 'order_status':
        if (!entities.order_id && asksAboutRules(message)) return reply({ answer: true });
        this.state.flow = { name: 'order_status', stage: 'awaiting_order', attempts: 0 };
        return this.lookupOrAsk(entities.order_id, entities.phone);
      case 'return_exchange':
        if (!entities.order_id && asksAboutRules(message)) return reply({ answer: true });
        this.state.flow = {
          name: 'return',
          stage: 'awaiting_order',
          attempts: 0,
          request: wantsExchange(message) ? 'exchange' : 'return',
          reason: returnReasonIn(message),
          details: message,
        };
        return this.lookupOrAsk(entities.order_id, entities.phone);
      case 'complaint':
        if (message.trim().length >= DETAILED_COMPLAINT_CHARS) return this.openComplaint(message, entities.order_id);
        this.state.flow = { name: 'complaint', stage: 'awaiting_details' };
        return reply(text(phrases.askComplaintDetails(this.lang)));
      case 'account':
        return isAccountChange(message) ? this.verifyThen('account_change') : reply({ answer: true });
      case 'financial_product':
        return isFinanceAction(message) ? this.verifyThen('finance_action') : reply({ answer: true });
      case 'product_inquiry':
      case 'promotion':
        if (entities.product ?? this.state.lastProduct) this.addOutcome('purchase_intent');
        return reply({ answer: true });
      default:
        return reply({ answer: true });
    }
  }

  /** Returns undefined when the message does not answer what the flow asked: a digression. */
  private continueFlow(flow: Flow, message: string, nlu: NluResult): Step | undefined {
    switch (flow.name) {
      case 'order_status':
        return nlu.entities.order_id || nlu.entities.phone ? this.lookupOrAsk(nlu.entities.order_id, nlu.entities.phone) : undefined;
      case 'return':
        if (flow.stage === 'awaiting_order') {
          if (mentionsFault(message)) flow.reason = 'fault';
          return nlu.entities.order_id || nlu.entities.phone ? this.lookupOrAsk(nlu.entities.order_id, nlu.entities.phone) : undefined;
        }
        if (flow.stage === 'awaiting_reason') {
          const reason = returnReasonIn(message);
          if (!reason) return undefined;
          flow.reason = reason;
          flow.details = `${flow.details}\n${message}`;
          return this.judgeReturn(flow);
        }
        if (isYes(message) && flow.order && flow.reason) {
          return effect({ kind: 'record_return', order: flow.order, request: flow.request, reason: flow.reason, details: flow.details });
        }
        if (isNo(message)) {
          this.state.flow = undefined;
          return reply(text(phrases.cancelled(this.lang)));
        }
        return undefined;
      case 'complaint':
        return message.trim().length > 0 && nlu.intent !== 'human_agent' ? this.openComplaint(message, nlu.entities.order_id) : undefined;
      case 'verify': {
        const code = oneTimeCodeIn(message);
        if (!code) return undefined;
        return flow.challengeId ? effect({ kind: 'check_code', challengeId: flow.challengeId, code }) : effect({ kind: 'send_code' });
      }
    }
  }

  private promptFor(flow: Flow): string {
    switch (flow.name) {
      case 'order_status':
        return phrases.askOrder(this.lang);
      case 'return':
        if (flow.stage === 'awaiting_reason') return phrases.askReturnReason(this.lang);
        if (flow.stage === 'awaiting_confirmation' && flow.order) return phrases.confirmReturn(this.lang, flow.order, flow.request);
        return phrases.askOrder(this.lang);
      case 'complaint':
        return phrases.askComplaintDetails(this.lang);
      case 'verify':
        return phrases.askCode(this.lang);
    }
  }

  private lookupOrAsk(orderId?: string, phone?: string): Step {
    if (orderId) this.state.slots.order_id = orderId;
    if (orderId || phone) return effect({ kind: 'lookup_order', ...(orderId ? { orderId } : { phone }) });
    return reply(text(phrases.askOrder(this.lang)));
  }

  private onOrder(order: OrderSummary | undefined): Step {
    const flow = this.state.flow;
    if (!flow || (flow.name !== 'order_status' && flow.name !== 'return')) return reply({ answer: true });
    if (!order) {
      flow.attempts += 1;
      if (flow.attempts >= ORDER_ATTEMPTS) return this.handOff('unresolved', [text(phrases.orderNotFound(this.lang)), text(phrases.handingOff(this.lang))]);
      return reply(text(phrases.orderNotFound(this.lang)));
    }
    this.state.slots.order_id = order.orderId;
    if (flow.name === 'order_status') {
      this.state.flow = undefined;
      return reply(text(phrases.orderStatus(this.lang, order)));
    }
    flow.order = order;
    if (!flow.reason) {
      flow.stage = 'awaiting_reason';
      return reply(text(phrases.askReturnReason(this.lang)));
    }
    return this.judgeReturn(flow);
  }

  private judgeReturn(flow: Extract<Flow, { name: 'return' }>): Step {
    if (!flow.order || !flow.reason) return reply(text(this.promptFor(flow)));
    const verdict = returnEligibility(flow.order, flow.reason, this.now);
    if (!verdict.eligible) {
      this.state.flow = undefined;
      return reply(text(phrases.notEligible(this.lang, flow.order, verdict)));
    }
    flow.stage = 'awaiting_confirmation';
    return reply(text(phrases.confirmReturn(this.lang, flow.order, flow.request)));
  }

  private openComplaint(details: string, orderId?: string): Step {
    this.state.flow = undefined;
    const severity = /12315|消协|投诉到|监管|媒体|律师|起诉|regulator|lawyer|sue|press/i.test(details) || this.state.negativeStreak >= STREAK_FOR_HANDOFF ? 'high' : 'normal';
    return effect({ kind: 'open_complaint', details, severity, ...(orderId ? { orderId } : {}) });
  }

  private verifyThen(purpose: 'account_change' | 'finance_action'): Step {
    if (this.state.verified) return this.handOff('verified_request', [text(phrases.verifiedHandoff(this.lang))]);
    this.state.flow = { name: 'verify', stage: 'awaiting_code', purpose };
    return effect({ kind: 'send_code' });
  }

  private onCodeChecked(result: Extract<EffectResult, { kind: 'check_code' }>): Step {
    switch (result.outcome) {
      case 'ok':
        this.state.verified = true;
        this.state.flow = undefined;
        return this.handOff('verified_request', [text(phrases.verifiedHandoff(this.lang))]);
      case 'wrong':
        return reply(text(phrases.codeWrong(this.lang, result.attemptsLeft)));
      case 'expired':
        this.state.replyAfterEffect = undefined;
        return effect({ kind: 'send_code' });
      case 'locked':
        return this.handOff('verification_failed', [text(phrases.codeWrong(this.lang, 0)), text(phrases.handingOff(this.lang))]);
    }
  }

  private handoffTrigger(nlu: NluResult): HandoffReason | undefined {
    if (nlu.intent === 'human_agent') return 'requested';
    if (nlu.intent === 'loan') return 'loan';
    if (nlu.intent === 'complaint' && this.customer && VIP_TIERS.has(this.customer.tier)) return 'vip_complaint';
    if (this.state.negativeStreak >= STREAK_FOR_HANDOFF) return 'negative_sentiment';
    if (this.state.lowConfidenceStreak >= STREAK_FOR_HANDOFF) return 'low_confidence';
    return undefined;
  }

  private handOff(reason: HandoffReason, replyParts: ReplyPart[]): Step {
    this.state.replyAfterEffect = replyParts;
    return effect({ kind: 'hand_off', reason, packet: this.packet(reason) });
  }

  private packet(reason: HandoffReason): HandoffPacket {
    const intents = this.state.signals.slice(-6);
    const sentiments = intents.map((s) => s.sentiment);
    const summary = [
      `reason: ${reason}`,
      `customer: ${this.customer?.customerId ?? 'unknown'} (${this.customer?.tier ?? 'unknown tier'})`,
      `intents: ${[...new Set(intents.map((s) => s.intent))].join(', ')}`,
      `sentiment: ${sentiments.join(' → ')}`,
      ...Object.entries(this.state.slots).map(([k, v]) => `${k}: ${v}`),
      ...(this.state.lastProduct ? [`product: ${this.state.lastProduct}`] : []),
      `identity verified: ${this.state.verified ? 'yes' : 'no'}`,
    ].join('; ');
    return {
      reason,
      summary,
      lang: this.lang,
      intents,
      slots: { ...this.state.slots },
      ...(this.state.lastProduct ? { lastProduct: this.state.lastProduct } : {}),
      verified: this.state.verified,
      recentTurns: [...this.state.recentTurns],
    };
  }

  private addOutcome(outcome: Outcome): void {
    if (!this.state.outcomes.includes(outcome)) this.state.outcomes.push(outcome);
  }

  private remember(role: string, message: string): void {
    this.state.recentTurns.push({ role, text: message });
    if (this.state.recentTurns.length > RECENT_TURNS) this.state.recentTurns.shift();
  }
}
