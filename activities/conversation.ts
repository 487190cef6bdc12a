import type { CarriedConversation, Channel, ConversationStatus, TranscriptEntry } from '../domain/conversation';
import type { Models } from './db/models';
import type { AnswerInput, AnswerResult } from './answer';

export interface RecordTurnInput {
  conversationId: string;
  channel: Channel;
  customerId: string;
  entries: TranscriptEntry[];
  turns: number;
  status: ConversationStatus;
}

export interface ConversationClosedInput {
  conversationId: string;
  channel: Channel;
  customerId: string;
  turns: number;
  reason: 'idle' | 'requested';
  closedAt: string;
  /** resolved_by_bot, handed_off, case_opened, purchase_intent: what marketing reacts to. */
  outcomes: string[];
  product?: string;
}

const RESUME_TRANSCRIPT = 20;
const DUPLICATE_KEY = 11000;

function isDuplicateKeyError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if ('code' in error && error.code === DUPLICATE_KEY) return true;
  const writeErrors = 'writeErrors' in error && Array.isArray(error.writeErrors) ? (error.writeErrors as Array<{ code?: number }>) : [];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}

type Publish = (streams: string[], event: { type: string; data: Record<string, unknown> }, idempotencyKey: string) => Promise<unknown>;

export function createConversationActivities(deps: {
  models: Models;
  answerer: { answer(input: AnswerInput): Promise<AnswerResult> };
  coPurchases: () => Promise<Record<string, string[]>>;
  publish: Publish;
}) {
  const { models } = deps;

  return {
    /** Where a conversation left off, when a closed one is picked up again by a new run. */
    async loadConversation(conversationId: string): Promise<CarriedConversation | undefined> {
      const rows = await models.Message.find({ conversationId }).sort({ seq: -1 }).limit(RESUME_TRANSCRIPT).lean();
      if (rows.length === 0) return undefined;
      const summary = await models.Conversation.findOne({ conversationId }, { turns: 1 }).lean();
      const recentTranscript: TranscriptEntry[] = rows.reverse().map((r) => ({
        entryId: r.entryId,
        seq: r.seq,
        role: r.role,
        text: r.text,
        citations: r.citations,
        at: r.at.toISOString(),
      }));
      return { lastSeq: recentTranscript.at(-1)?.seq ?? 0, turns: summary?.turns ?? 0, recentTranscript, recentReplies: [] };
    },

    /** A grounded answer from the knowledge base and the catalog (through the LLM when one is configured). */
    async answerMessage(input: Omit<AnswerInput, 'coPurchases'>): Promise<AnswerResult> {
      return deps.answerer.answer({ ...input, coPurchases: await deps.coPurchases() });
    },

    /** Idempotent: each transcript entry is keyed by its entryId, so a retried or replayed turn writes nothing twice. */
    async recordTurn(input: RecordTurnInput): Promise<void> {
      try {
        await models.Message.insertMany(
          input.entries.map((e) => ({ ...e, conversationId: input.conversationId, channel: input.channel, customerId: input.customerId, at: new Date(e.at) })),
          { ordered: false },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Pushed to whoever watches the conversation (the chat widget, the agent); keyed so a retry pushes once.
      for (const entry of input.entries) {
        await deps.publish(
          [`conversation:${input.conversationId}`],
          { type: 'message', data: { conversationId: input.conversationId, seq: entry.seq, role: entry.role, text: entry.text, citations: entry.citations, at: entry.at } },
          `message:${input.conversationId}:${entry.entryId}`,
        );
      }
      const lastAt = input.entries.at(-1)?.at;
      await models.Conversation.updateOne(
        { conversationId: input.conversationId },
        {
          $set: { channel: input.channel, customerId: input.customerId, status: input.status, turns: input.turns, ...(lastAt ? { lastMessageAt: new Date(lastAt) } : {}) },
          $unset: { closedAt: '', outcome: '' },
        },
        { upsert: true },
      );
    },

    async recordConversationClosed(input: ConversationClosedInput): Promise<void> {
      await models.Conversation.updateOne(
        { conversationId: input.conversationId },
        { $set: { status: 'closed', closedAt: new Date(input.closedAt), outcome: input.reason, turns: input.turns, channel: input.channel, customerId: input.customerId } },
        { upsert: true },
      );
      const events = [
        { type: 'conversation_closed', properties: { conversationId: input.conversationId, channel: input.channel, turns: input.turns, reason: input.reason, outcomes: input.outcomes } },
        ...input.outcomes.map((outcome) => ({
          type: outcome,
          properties: { conversationId: input.conversationId, channel: input.channel, ...(outcome === 'purchase_intent' && input.product ? { product: input.product } : {}) },
        })),
      ];
      await models.BehaviourEvent.bulkWrite(
        events.map((event) => ({
          updateOne: {
            filter: { eventId: `${event.type}:${input.conversationId}:${input.closedAt}` },
            update: { $setOnInsert: { customerId: input.customerId, type: event.type, occurredAt: new Date(input.closedAt), properties: event.properties } },
            upsert: true,
          },
        })),
      );
    },
  };
}

export type ConversationActivities = ReturnType<typeof createConversationActivities>;
