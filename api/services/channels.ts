import type { Client } from '@temporalio/client';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import { createOutboxStore, kickOutbox } from '../../activities/channels/outbox';
import { isDuplicateKey } from '../../activities/db/channels';
import type { Models } from '../../activities/db/models';
import { InvalidIdentityError, resolveCustomer } from '../../activities/identity';
import type { BotReply, Channel } from '../../domain/conversation';
import { replyDeliveryKey } from '../../domain/channels/keys';
import { channelConversationId, conversationMessageId, emailThreadConversationId, inboundMessageKey, type InboundMessage } from '../../domain/channels/message';
import type { ChannelSettings } from '../../domain/channels/settings';
import { HttpError } from '../errors';
import type { ConversationService } from './conversations';
import { createEmailBounceService } from './email-bounces';
import { createOptOutService } from './marketing-opt-out';

export interface InboundOutcome {
  conversationId: string;
  customerId: string;
  /** True when this provider message had been taken before: nothing was recorded or answered again. */
  duplicate: boolean;
  reply?: BotReply;
}

/**
 * Inbound messages from every channel adapter take one path: find (or create) the customer behind
 * the channel identity, record the message once under its provider id, and hand it to the
 * conversation workflow, whose reply goes back out through the outbox on the same channel.
 */
export function createChannelService(deps: { client: Client; models: Models; conversations: ConversationService; settings: ChannelSettings; taskQueue: string; log: Pick<Logger, 'warn' | 'info'> }) {
  const { models } = deps;
  const outbox = createOutboxStore(models);
  const optOut = createOptOutService({ client: deps.client, models, taskQueue: deps.taskQueue, settings: deps.settings });
  const bounces = createEmailBounceService({ client: deps.client, models, taskQueue: deps.taskQueue, settings: deps.settings, log: deps.log });

  async function customerFor(message: InboundMessage): Promise<{ customerId: string; identity: string }> {
    try {
      return await resolveCustomer(models, { channel: message.channel, identity: message.identity, ...(message.displayName ? { displayName: message.displayName } : {}) });
    } catch (error) {
      if (error instanceof InvalidIdentityError) throw new HttpError(400, 'invalid_identity', `${error.message}.`);
      throw error;
    }
  }

  /** An e-mail joins the thread it answers (by In-Reply-To / References) if that thread is the same customer's. */
  async function conversationFor(message: InboundMessage, customerId: string): Promise<string> {
    if (message.conversationId) return message.conversationId;
    if (message.channel !== 'email') return channelConversationId(message.channel, customerId);
    const meta = (message.meta ?? {}) as { inReplyTo?: string; references?: string[] };
    const thread = [...(meta.inReplyTo ? [meta.inReplyTo] : []), ...(meta.references ?? [])].slice(0, 50);
    if (thread.length > 0) {
      const earlier = await models.ChannelMessage.findOne({ channel: 'email', customerId, providerMessageId: mongoose.trusted({ $in: thread }) }, { conversationId: 1 }).lean();
      if (earlier?.conversationId) return earlier.conversationId;
    }
    return emailThreadConversationId(message.providerMessageId);
  }

  async function record(message: InboundMessage, fields: { customerId: string; conversationId?: string; status: 'received' | 'ignored' | 'processed'; identity?: string }): Promise<void> {
    try {
      await models.ChannelMessage.create({
        messageKey: inboundMessageKey(message.channel, message.providerMessageId),
        channel: message.channel,
        direction: 'inbound',
        identity: fields.identity ?? message.identity,
        customerId: fields.customerId,
        ...(fields.conversationId ? { conversationId: fields.conversationId } : {}),
        providerMessageId: message.providerMessageId,
        text: message.text,
        attachments: message.attachments,
        at: message.receivedAt,
        status: fields.status,
        meta: message.meta ?? {},
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  return {
    outbox,
    optOut,
    /** Bounces delivered to the inbound SMTP server: the e-mail channel's failed receipts. */
    bounces,

    /** One inbound message into its conversation; a redelivery of a message already taken is ignored. */
    async receive(message: InboundMessage): Promise<InboundOutcome> {
      const key = inboundMessageKey(message.channel, message.providerMessageId);
      const earlier = await models.ChannelMessage.findOne({ messageKey: key }).lean();
      if (earlier && earlier.status !== 'received') {
        return { conversationId: earlier.conversationId ?? '', customerId: earlier.customerId, duplicate: true };
      }
      const { customerId, identity } = earlier ?? (await customerFor(message));
      const conversationId = earlier?.conversationId ?? (await conversationFor(message, customerId));
      await record(message, { customerId, conversationId, status: 'received', identity });
      // "TD" / "STOP" alone withdraws marketing consent on the channel ("START" gives it back) and is confirmed there; the bot never sees it.
      const optedOut = await optOut.handleInbound(message, { customerId, conversationId, identity });
      if (optedOut) {
        await models.ChannelMessage.updateOne({ messageKey: key }, { $set: { status: 'processed', [optedOut.intent === 'resubscribe' ? 'meta.resubscribe' : 'meta.optOut']: true } });
        return { conversationId, customerId, duplicate: Boolean(earlier), reply: optedOut };
      }
      // The message id is derived from the provider's, so a redelivery after a crash gets the reply already given.
      const reply = await deps.conversations.sendMessage(conversationId, {
        channel: message.channel,
        customerId,
        text: message.text,
        messageId: conversationMessageId(message.channel, message.providerMessageId),
      });
      await models.ChannelMessage.updateOne({ messageKey: key }, { $set: { status: 'processed' } });
      return { conversationId, customerId, duplicate: Boolean(earlier), reply };
    },

    /**
     * A call-centre agent's line of a phone transcript: kept like any channel message and shown in
     * the call's conversation as an agent line, never answered. A redelivered transcript shows it once.
     */
    async callAgentLine(message: InboundMessage & { conversationId: string }): Promise<{ customerId: string; duplicate: boolean }> {
      const key = inboundMessageKey(message.channel, message.providerMessageId);
      const earlier = await models.ChannelMessage.findOne({ messageKey: key }).lean();
      if (earlier && earlier.status !== 'received') return { customerId: earlier.customerId, duplicate: true };
      const { customerId, identity } = earlier ?? (await customerFor(message));
      await record(message, { customerId, conversationId: message.conversationId, status: 'received', identity });
      await deps.conversations.addCallAgentLine(message.conversationId, { customerId, lineId: message.providerMessageId, text: message.text });
      await models.ChannelMessage.updateOne({ messageKey: key }, { $set: { status: 'processed' } });
      return { customerId, duplicate: Boolean(earlier) };
    },

    /** A message the channel delivers that is not for the conversation (events, unsupported types): kept, not answered. */
    async note(message: InboundMessage): Promise<{ customerId: string; duplicate: boolean }> {
      const earlier = await models.ChannelMessage.findOne({ messageKey: inboundMessageKey(message.channel, message.providerMessageId) }, { customerId: 1 }).lean();
      if (earlier) return { customerId: earlier.customerId, duplicate: true };
      const { customerId, identity } = await customerFor(message);
      await record(message, { customerId, status: 'ignored', identity });
      return { customerId, duplicate: false };
    },

    /**
     * WeChat's passive reply: the bot's answer goes in the HTTP response if this process takes the
     * outbox row before the dispatcher does (it holds WeChat replies for the 5-second window).
     */
    async takePassiveReply(conversationId: string, messageId: string): Promise<boolean> {
      const key = replyDeliveryKey(conversationId, messageId);
      const row = await models.Delivery.findOne({ idempotencyKey: key }).lean();
      if (!row || row.status !== 'queued') return false;
      if (!(await outbox.claim(key, 'passive'))) return false;
      await outbox.markSent(row, { providerMessageId: `wechat-passive:${messageId}` });
      return true;
    },

    async setWechatFollowing(customerId: string, following: boolean): Promise<void> {
      // An unfollowed account can receive nothing from the Official Account any more.
      if (!following) await models.Customer.updateOne({ customerId }, { $set: { 'consent.wechat': false } });
    },

    async receipt(channel: Channel, providerMessageId: string, status: 'delivered' | 'failed', reason?: string): Promise<void> {
      const found = await outbox.recordReceipt(channel, providerMessageId, status, reason);
      if (!found) throw new HttpError(404, 'unknown_message', `No message sent on ${channel} has the provider id "${providerMessageId}".`);
      if (status === 'failed') await kickOutbox(deps.client, deps.taskQueue, deps.settings.outbox);
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
