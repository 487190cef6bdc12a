import type { LiveMessage, Role } from '../api';

/**
 * The widget's transcript. An entry the widget shows before the server has recorded it (the
 * customer's own message while it is sent, the bot's reply from the HTTP response) has no `seq`
 * yet; when the live stream delivers the recorded entry, the two are matched by role and text and
 * the entry takes the seq. Stream entries are de-duplicated by seq, so a replay after a reconnect
 * or a reload adds nothing twice.
 */
export interface ChatEntry {
  key: string;
  seq?: number;
  role: Role;
  text: string;
  at: string;
  /** Knowledge articles (or products) a bot answer is grounded on. */
  citations?: string[];
  /** For the customer's own messages: the idempotency key it was sent with. */
  messageId?: string;
  delivery?: 'sending' | 'failed';
  /** A bot entry the HTTP response has already accounted for, so no second response claims it. */
  answered?: boolean;
}

const withCitations = (citations: string[] | undefined) => (citations && citations.length > 0 ? { citations } : {});

function ordered(entries: ChatEntry[]): ChatEntry[] {
  // Recorded entries in transcript order; the not-yet-recorded ones after them, as they came.
  const recorded = entries.filter((e) => e.seq !== undefined).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return [...recorded, ...entries.filter((e) => e.seq === undefined)];
}

/** Adds an entry from the live stream, or gives its seq to the pending entry it records. */
export function applyLiveMessage(entries: ChatEntry[], message: LiveMessage): ChatEntry[] {
  if (entries.some((e) => e.seq === message.seq)) return entries;
  const pending = entries.findIndex((e) => e.seq === undefined && e.role === message.role && e.text === message.text && e.delivery !== 'failed');
  if (pending >= 0) {
    const matched = entries[pending]!;
    const next = [...entries];
    next[pending] = { ...matched, seq: message.seq, at: message.at, ...(matched.role === 'bot' ? { answered: true } : {}), ...withCitations(message.citations) };
    return ordered(next);
  }
  return ordered([...entries, { key: `seq-${message.seq}`, seq: message.seq, role: message.role, text: message.text, at: message.at, ...withCitations(message.citations) }]);
}

export function addOutgoing(entries: ChatEntry[], messageId: string, text: string): ChatEntry[] {
  return [...entries, { key: messageId, role: 'customer', text, at: new Date().toISOString(), messageId, delivery: 'sending' }];
}

export function markDelivery(entries: ChatEntry[], messageId: string, delivery: ChatEntry['delivery']): ChatEntry[] {
  return entries.map((e) => {
    if (e.messageId !== messageId) return e;
    const { delivery: _previous, ...rest } = e;
    return delivery ? { ...rest, delivery } : rest;
  });
}

/**
 * Adds the bot's reply from the HTTP response, unless the stream has already delivered it: a bot
 * entry with the same text recorded after the customer's message and not yet claimed by a response.
 */
export function addBotReply(entries: ChatEntry[], messageId: string, reply: string, citations: string[] = []): ChatEntry[] {
  if (!reply) return entries;
  const asked = entries.find((e) => e.messageId === messageId)?.seq;
  if (asked !== undefined) {
    const echoed = entries.findIndex((e) => e.role === 'bot' && e.seq !== undefined && e.seq > asked && e.text === reply && !e.answered);
    if (echoed >= 0) return entries.map((e, i) => (i === echoed ? { ...e, answered: true } : e));
  }
  return [...entries, { key: `${messageId}:reply`, role: 'bot', text: reply, at: new Date().toISOString(), answered: true, ...withCitations(citations) }];
}

/** The desk's prompt for a rating, as the conversation records it (zh "1-5分", en "from 1 to 5"). */
const RATING_PROMPT = /1\s*(?:-|–|~|to)\s*5/i;
/** The line the conversation records when an agent joins (zh "客服 … 已接入", en "… has joined"); other system lines are notices. */
const AGENT_JOINED = /已接入|has joined/;

/** Whether the last word is a request for a rating the customer has not answered yet. */
export function awaitsRating(entries: ChatEntry[]): boolean {
  const lastPrompt = entries.findLastIndex((e) => e.role === 'system' && RATING_PROMPT.test(e.text));
  return lastPrompt >= 0 && !entries.slice(lastPrompt + 1).some((e) => e.role === 'customer');
}

export type HandoffState = 'bot' | 'waiting' | 'with_agent' | 'ended';

export interface ChatState {
  entries: ChatEntry[];
  /** The last reply's flag: a person has the conversation (or is about to). */
  handedOff: boolean;
  /** What the desk's own entries said last: someone joined, or the agent finished and asked for a rating. */
  desk: 'none' | 'joined' | 'ended';
}

export type ChatAction =
  | { kind: 'live'; message: LiveMessage }
  | { kind: 'sending'; messageId: string; text: string }
  | { kind: 'retrying'; messageId: string }
  | { kind: 'replied'; messageId: string; reply: string; citations: string[]; handedOff: boolean }
  | { kind: 'failed'; messageId: string }
  | { kind: 'reset'; handedOff: boolean };

export const emptyChat = (handedOff = false): ChatState => ({ entries: [], handedOff, desk: 'none' });

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.kind) {
    case 'live': {
      const entries = applyLiveMessage(state.entries, action.message);
      if (entries === state.entries) return state;
      const { role, text } = action.message;
      // A case's notice (a return label, a refund) is a system line too, and changes nothing about the desk.
      const desk = role === 'system' && RATING_PROMPT.test(text) ? 'ended' : role === 'agent' || (role === 'system' && AGENT_JOINED.test(text)) ? 'joined' : state.desk;
      return { ...state, entries, desk };
    }
    case 'sending':
      return { ...state, entries: addOutgoing(state.entries, action.messageId, action.text) };
    case 'retrying':
      return { ...state, entries: markDelivery(state.entries, action.messageId, 'sending') };
    case 'failed':
      return { ...state, entries: markDelivery(state.entries, action.messageId, 'failed') };
    case 'replied': {
      const entries = addBotReply(markDelivery(state.entries, action.messageId, undefined), action.messageId, action.reply, action.citations);
      // Handed off after an earlier hand-off ended: a new one starts. Not handed off: the bot has the
      // conversation again, which is all a hand-back tells the customer; a finished one keeps its rating prompt.
      const desk = action.handedOff ? (state.desk === 'ended' ? 'none' : state.desk) : state.desk === 'ended' ? 'ended' : 'none';
      return { ...state, entries, handedOff: action.handedOff, desk };
    }
    case 'reset':
      return emptyChat(action.handedOff);
  }
}

/** What the widget's banner says about people taking part. */
export function handoffState(state: ChatState): HandoffState {
  if (state.desk === 'ended' && awaitsRating(state.entries)) return 'ended';
  if (state.desk === 'joined') return 'with_agent';
  return state.handedOff ? 'waiting' : 'bot';
}
