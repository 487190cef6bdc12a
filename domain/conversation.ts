import type { DialogueSnapshot } from './dialogue/dialogue';
import type { CustomerSummary } from './dialogue/types';
import type { Lang } from './language';

export const CHANNELS = ['web', 'app', 'wechat', 'sms', 'email', 'phone'] as const;
export type Channel = (typeof CHANNELS)[number];

export type Role = 'customer' | 'bot' | 'agent' | 'system';

export interface TranscriptEntry {
  entryId: string;
  seq: number;
  role: Role;
  text: string;
  citations: string[];
  at: string;
}

export interface CustomerMessage {
  messageId: string;
  channel: Channel;
  customerId: string;
  text: string;
}

export interface BotReply {
  conversationId: string;
  messageId: string;
  reply: string;
  citations: string[];
  lang: Lang;
  turn: number;
  intent: string;
  /** True once the conversation is with a person rather than the bot. */
  handedOff: boolean;
}

export type ConversationStatus = 'open' | 'closed';

export interface ConversationView {
  conversationId: string;
  channel: Channel;
  customerId: string;
  status: ConversationStatus;
  turns: number;
  lang?: Lang;
  handedOff: boolean;
  flow?: string;
  lastProduct?: string;
  recentTranscript: TranscriptEntry[];
}

/** What one run hands to the next on continue-as-new, and what a resumed conversation starts from. */
export interface CarriedConversation {
  lastSeq: number;
  turns: number;
  recentTranscript: TranscriptEntry[];
  recentReplies: BotReply[];
  lang?: Lang;
  dialogue?: DialogueSnapshot;
  customer?: CustomerSummary;
}

const RECENT_TRANSCRIPT = 20;
const RECENT_REPLIES = 50;

/** In characters (code points), as the API's schema counts them. */
export const MAX_MESSAGE_LENGTH = 4_000;

export function conversationWorkflowId(conversationId: string): string {
  return `conversation-${conversationId}`;
}

/** Pure state of one conversation: the workflow drives it, tests exercise it without a server. */
export class ConversationState {
  status: ConversationStatus = 'open';
  lang?: Lang;
  private lastSeq: number;
  private turnCount: number;
  private readonly transcript: TranscriptEntry[];
  private readonly replies: BotReply[];

  constructor(
    readonly conversationId: string,
    readonly channel: Channel,
    readonly customerId: string,
    carried?: CarriedConversation,
  ) {
    this.lastSeq = carried?.lastSeq ?? 0;
    this.turnCount = carried?.turns ?? 0;
    this.transcript = [...(carried?.recentTranscript ?? [])];
    this.replies = [...(carried?.recentReplies ?? [])];
    this.lang = carried?.lang;
  }

  get turns(): number {
    return this.turnCount;
  }

  /** A message already answered (a client retry after continue-as-new) gets the same reply back. */
  replyTo(messageId: string): BotReply | undefined {
    return this.replies.find((r) => r.messageId === messageId);
  }

  entry(role: Role, entryId: string, text: string, at: string, citations: string[] = []): TranscriptEntry {
    this.lastSeq += 1;
    const entry: TranscriptEntry = { entryId, seq: this.lastSeq, role, text, citations, at };
    this.transcript.push(entry);
    if (this.transcript.length > RECENT_TRANSCRIPT) this.transcript.splice(0, this.transcript.length - RECENT_TRANSCRIPT);
    return entry;
  }

  completeTurn(reply: Omit<BotReply, 'turn' | 'conversationId'>): BotReply {
    this.turnCount += 1;
    const full: BotReply = { ...reply, conversationId: this.conversationId, turn: this.turnCount };
    this.replies.push(full);
    if (this.replies.length > RECENT_REPLIES) this.replies.splice(0, this.replies.length - RECENT_REPLIES);
    return full;
  }

  view(dialogue?: DialogueSnapshot): ConversationView {
    return {
      conversationId: this.conversationId,
      channel: this.channel,
      customerId: this.customerId,
      status: this.status,
      turns: this.turnCount,
      ...(this.lang ? { lang: this.lang } : {}),
      handedOff: dialogue?.handedOff ?? false,
      ...(dialogue?.flow ? { flow: dialogue.flow.name } : {}),
      ...(dialogue?.lastProduct ? { lastProduct: dialogue.lastProduct } : {}),
      recentTranscript: [...this.transcript],
    };
  }

  carry(extra: { dialogue: DialogueSnapshot; customer?: CustomerSummary }): CarriedConversation {
    return {
      lastSeq: this.lastSeq,
      turns: this.turnCount,
      recentTranscript: [...this.transcript],
      recentReplies: [...this.replies],
      ...(this.lang ? { lang: this.lang } : {}),
      dialogue: extra.dialogue,
      ...(extra.customer ? { customer: extra.customer } : {}),
    };
  }
}

export type MessageProblemType = 'InvalidMessage' | 'WrongCustomer' | 'WrongChannel' | 'ConversationClosed';

/** Why a customer message is refused before it reaches the conversation; undefined when it is fine. */
export function customerMessageProblem(
  message: CustomerMessage,
  state: { channel: Channel; customerId: string; status: ConversationStatus },
): { type: MessageProblemType; message: string } | undefined {
  if (message.text.trim().length === 0) return { type: 'InvalidMessage', message: 'text must not be empty' };
  if (Array.from(message.text).length > MAX_MESSAGE_LENGTH) return { type: 'InvalidMessage', message: `text must be at most ${MAX_MESSAGE_LENGTH} characters` };
  if (message.customerId !== state.customerId) return { type: 'WrongCustomer', message: 'this conversation belongs to another customer' };
  if (message.channel !== state.channel) return { type: 'WrongChannel', message: `this conversation runs on channel "${state.channel}"` };
  if (state.status === 'closed') return { type: 'ConversationClosed', message: 'this conversation is closed' };
  return undefined;
}
