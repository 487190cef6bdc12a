import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Models } from '../../activities/db/models';
import { conversationWorkflowId, type BotReply, type Channel, type CustomerMessage, type ConversationView, type MessageProblemType } from '../../domain/conversation';
import { callAgentLineSignal } from '../../workflows/conversation-signals';
import { closeConversationSignal, conversationViewQuery, conversationWorkflow, customerMessageUpdate, type ConversationWorkflowInput, type DeskSettings } from '../../workflows/conversation';
import { ChannelKey, CustomerIdKey, StatusKey } from '../../domain/search-attributes';
import { HttpError, notFound } from '../errors';

const STATUS_FOR_PROBLEM: Record<MessageProblemType, number> = {
  InvalidMessage: 400,
  WrongCustomer: 409,
  WrongChannel: 409,
  ConversationClosed: 409,
};

/** How long a message to a conversation that is just closing waits for it to finish, then starts it anew. */
const CLOSING_WAIT_MS = 15_000;

function problemOf(error: unknown): { type: MessageProblemType; message: string } | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && cause.type in STATUS_FOR_PROBLEM) {
    return { type: cause.type as MessageProblemType, message: cause.message };
  }
  return undefined;
}

export function createConversationService(deps: {
  client: Client;
  models: Models;
  taskQueue: string;
  idleTimeoutMs: number;
  turnCap: number;
  desk: DeskSettings;
}) {
  const { client, models } = deps;

  /** How a conversation is started, by its first message or by a line of a call's transcript. */
  function startOptions(conversationId: string, channel: Channel, customerId: string) {
    return {
      workflowId: conversationWorkflowId(conversationId),
      taskQueue: deps.taskQueue,
      args: [{ conversationId, channel, customerId, idleTimeoutMs: deps.idleTimeoutMs, turnCap: deps.turnCap, desk: deps.desk }] as [ConversationWorkflowInput],
      typedSearchAttributes: [
        { key: CustomerIdKey, value: customerId },
        { key: ChannelKey, value: channel },
        { key: StatusKey, value: 'open' },
      ],
    };
  }

  async function deliver(conversationId: string, message: CustomerMessage): Promise<BotReply> {
    const startWorkflowOperation = new WithStartWorkflowOperation(conversationWorkflow, {
      ...startOptions(conversationId, message.channel, message.customerId),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return client.workflow.executeUpdateWithStart(customerMessageUpdate, {
      args: [message],
      updateId: message.messageId,
      startWorkflowOperation,
    });
  }

  return {
    /** Delivers a customer message as an Update (starting the conversation if needed) and returns the bot's reply. */
    async sendMessage(conversationId: string, input: Omit<CustomerMessage, 'messageId'> & { messageId?: string }): Promise<BotReply> {
      const message: CustomerMessage = { ...input, messageId: input.messageId ?? randomUUID() };
      try {
        return await deliver(conversationId, message);
      } catch (error) {
        const problem = problemOf(error);
        if (problem?.type !== 'ConversationClosed') {
          if (problem) throw new HttpError(STATUS_FOR_PROBLEM[problem.type], problem.type, problem.message);
          throw error;
        }
      }
      // The conversation was closing as the message arrived: let it finish, then the message starts a new run.
      const closing = client.workflow.getHandle(conversationWorkflowId(conversationId));
      await Promise.race([closing.result().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSING_WAIT_MS))]);
      return deliver(conversationId, message);
    },

    /**
     * A call-centre agent's line from a phone transcript: into the conversation's transcript (started
     * if need be) in order with the caller's turns, which the caller sends after it. Nothing is answered or sent.
     */
    async addCallAgentLine(conversationId: string, line: { customerId: string; lineId: string; text: string }): Promise<void> {
      await client.workflow.signalWithStart(conversationWorkflow, {
        ...startOptions(conversationId, 'phone', line.customerId),
        signal: callAgentLineSignal,
        signalArgs: [{ lineId: line.lineId, text: line.text }],
      });
    },

    /** Asks a running conversation to close; it records its outcome events as it does. */
    async closeConversation(conversationId: string): Promise<void> {
      const handle = client.workflow.getHandle(conversationWorkflowId(conversationId));
      try {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING') throw new HttpError(409, 'already_closed', `Conversation "${conversationId}" is already closed.`);
        await handle.signal(closeConversationSignal);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw notFound(`Conversation "${conversationId}"`);
        throw error;
      }
    },

    async getConversation(conversationId: string) {
      const [summary, transcript] = await Promise.all([
        models.Conversation.findOne({ conversationId }).lean(),
        models.Message.find({ conversationId }).sort({ seq: 1 }).lean(),
      ]);
      let live: ConversationView | undefined;
      try {
        const handle = client.workflow.getHandle(conversationWorkflowId(conversationId));
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') live = await handle.query(conversationViewQuery);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      if (!summary && !live) throw notFound(`Conversation "${conversationId}"`);
      return {
        conversationId,
        customerId: summary?.customerId ?? live?.customerId,
        channel: summary?.channel ?? live?.channel,
        status: live ? live.status : (summary?.status ?? 'closed'),
        turns: live?.turns ?? summary?.turns ?? 0,
        handedOff: live?.handedOff ?? false,
        ...(live?.flow ? { flow: live.flow } : {}),
        ...(live?.lastProduct ? { lastProduct: live.lastProduct } : {}),
        lastMessageAt: summary?.lastMessageAt?.toISOString(),
        closedAt: summary?.closedAt?.toISOString(),
        transcript: transcript.map((m) => ({ seq: m.seq, role: m.role, text: m.text, citations: m.citations, at: m.at.toISOString() })),
      };
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
