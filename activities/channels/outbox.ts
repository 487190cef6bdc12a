import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import mongoose from 'mongoose';
import { conversationWorkflowId, type Channel } from '../../domain/conversation';
import { isOutboundChannel, type OutboundChannel } from '../../domain/channels/message';
import { fallbackChannel, marketingDecision } from '../../domain/channels/outbox-policy';
import { replySubject } from '../../domain/channels/email-text';
import type { ChannelSettings, OutboxSettings } from '../../domain/channels/settings';
import { chatNoticeSignal } from '../../workflows/conversation-signals';
import { outboxDispatcherWorkflow, outboxDispatcherWorkflowId, outboxKickSignal } from '../../workflows/outbox';
import { isDuplicateKey } from '../db/channels';
import { createCouponLedger } from '../marketing/coupons';
import { listUnsubscribeHeaders, signUnsubscribeToken, unsubscribeUrl } from '../../domain/marketing/unsubscribe-token';
import type { DeliveryDoc, Models } from '../db/models';
import { createAppWebhookClient } from './app';
import { createEmailSender } from './email';
import { PermanentSendError, type SendResult } from './errors';
import { createSmsClient } from './sms';
import { createWechatClient } from './wechat';

export interface EnqueueInput {
  idempotencyKey: string;
  conversationId?: string;
  customerId: string;
  channel: OutboundChannel;
  text: string;
  /** 'service' for replies in a conversation; 'marketing' is checked against consent, do-not-contact and quiet hours. */
  purpose: string;
  /** Hold the row this long before the dispatcher may send it (WeChat's passive-reply window). */
  holdMs?: number;
}

type DeliveryRow = DeliveryDoc & { createdAt?: Date };
const EMAIL_SUBJECT = 'Loopdesk';

/** Starts the dispatcher if it is not running and wakes it, so a new row goes out now rather than at the next poll. */
export async function kickOutbox(client: Client, taskQueue: string, settings: OutboxSettings): Promise<void> {
  await client.workflow.signalWithStart(outboxDispatcherWorkflow, {
    workflowId: outboxDispatcherWorkflowId(taskQueue),
    taskQueue,
    args: [{ pollIntervalMs: settings.pollIntervalMs, rateLimits: settings.rateLimits }],
    signal: outboxKickSignal,
    signalArgs: [],
  });
}

/** The outbox's own bookkeeping, shared by the activities and the API (delivery receipts, passive replies). */
export function createOutboxStore(models: Models) {
  const coupons = createCouponLedger(models);
  async function insertOnce(row: Record<string, unknown> & { idempotencyKey: string }): Promise<boolean> {
    try {
      await models.Delivery.create(row);
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
  }

  /**
   * Where a conversation's messages go: the identity the customer last wrote from on the channel,
   * with an e-mail's thread. Undefined when no message came in through the channel's adapter.
   */
  async function addressFor(conversationId: string | undefined, channel: OutboundChannel): Promise<{ to: string; meta?: Record<string, unknown> } | undefined> {
    if (!conversationId) return undefined;
    const last = await models.ChannelMessage.findOne({ conversationId, channel, direction: 'inbound' }).sort({ at: -1, _id: -1 }).lean();
    if (!last) return undefined;
    if (channel !== 'email') return { to: last.identity };
    const meta = (last.meta ?? {}) as { subject?: string; references?: string[] };
    return { to: last.identity, meta: { subject: replySubject(meta.subject, EMAIL_SUBJECT), inReplyTo: last.providerMessageId, references: [...(meta.references ?? []), last.providerMessageId].slice(-20) } };
  }

  /** Marks a row failed and, for anything but marketing and one-time codes, queues it again on the next channel the customer has. */
  async function failAndFallBack(row: DeliveryRow, reason: string): Promise<string | undefined> {
    await models.Delivery.updateOne({ idempotencyKey: row.idempotencyKey, status: mongoose.trusted({ $in: ['queued', 'sent'] }) }, { $set: { status: 'failed', failureReason: reason } });
    await models.ChannelMessage.updateOne({ messageKey: `${row.channel}:out:${row.idempotencyKey}` }, { $set: { status: 'failed' } });
    // A coupon the customer was never told of must not stay live.
    if (row.purpose === 'marketing') await coupons.voidForDelivery(row.idempotencyKey, reason);
    // Marketing goes only where consented; a one-time code proves the phone it was sent to; an opt-out is confirmed where it was made.
    if (row.purpose === 'marketing' || row.purpose === 'one_time_code' || row.purpose === 'opt_out') return undefined;
    const tried = row.triedChannels?.length ? row.triedChannels : [row.channel];
    const profile = await models.Customer.findOne({ customerId: row.customerId }).lean();
    const next = profile ? fallbackChannel(profile, tried) : undefined;
    if (!next) return undefined;
    const key = `${row.fallbackOf ?? row.idempotencyKey}~${next.channel}`;
    await insertOnce({
      idempotencyKey: key,
      channel: next.channel,
      customerId: row.customerId,
      to: next.to,
      text: row.text,
      purpose: row.purpose,
      status: 'queued',
      notBefore: new Date(),
      ...(row.conversationId ? { conversationId: row.conversationId } : {}),
      ...(next.channel === 'email' ? { meta: { subject: EMAIL_SUBJECT } } : {}),
      fallbackOf: row.fallbackOf ?? row.idempotencyKey,
      triedChannels: [...tried, next.channel],
    });
    return key;
  }

  return {
    insertOnce,
    addressFor,
    failAndFallBack,

    /** Takes the right to send a row; false when someone else already holds it. */
    async claim(idempotencyKey: string, holder: 'dispatcher' | 'passive'): Promise<boolean> {
      try {
        await models.DeliveryClaim.create({ idempotencyKey, holder, at: new Date() });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await models.DeliveryClaim.findOne({ idempotencyKey }).lean();
        return existing?.holder === holder && holder === 'dispatcher';
      }
    },

    async markSent(row: DeliveryRow, result: SendResult, attempts?: number): Promise<void> {
      await models.Delivery.updateOne(
        { idempotencyKey: row.idempotencyKey },
        { $set: { status: 'sent', providerMessageId: result.providerMessageId, sentAt: new Date(), ...(attempts ? { attempts } : {}) } },
      );
      try {
        await models.ChannelMessage.create({
          messageKey: `${row.channel}:out:${row.idempotencyKey}`,
          channel: row.channel,
          direction: 'outbound',
          identity: row.to,
          customerId: row.customerId,
          ...(row.conversationId ? { conversationId: row.conversationId } : {}),
          providerMessageId: result.providerMessageId,
          text: row.text,
          at: new Date(),
          status: 'sent',
          deliveryKey: row.idempotencyKey,
          meta: row.meta ?? {},
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    },

    /** A provider's delivery receipt; returns false when no sent message has that provider id. */
    async recordReceipt(channel: Channel, providerMessageId: string, status: 'delivered' | 'failed', reason?: string): Promise<boolean> {
      const row = await models.Delivery.findOne({ channel, providerMessageId }).lean();
      if (!row) return false;
      if (status === 'delivered') {
        await models.Delivery.updateOne({ idempotencyKey: row.idempotencyKey, status: 'sent' }, { $set: { status: 'delivered', deliveredAt: new Date() } });
        await models.ChannelMessage.updateOne({ messageKey: `${channel}:out:${row.idempotencyKey}` }, { $set: { status: 'delivered' } });
      } else if (row.status !== 'failed') {
        await failAndFallBack(row, reason ?? 'provider_reported_failure');
      }
      return true;
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;

/** The activities that fill and drain the outbox. */
export function createOutboxActivities(deps: { models: Models; client: Client; taskQueue: string; channels: ChannelSettings }) {
  const { models, channels } = deps;
  const store = createOutboxStore(models);
  const sms = createSmsClient(channels.sms);
  const app = createAppWebhookClient(channels.app);
  const email = createEmailSender(channels.email.relay, channels.email.from);
  const wechat = createWechatClient(channels.wechat);

  function send(row: DeliveryRow): Promise<SendResult> {
    const message = { to: row.to, text: row.text, idempotencyKey: row.idempotencyKey };
    switch (row.channel) {
      case 'sms':
        return sms.send(message);
      case 'app':
        return app.send({ ...message, ...(row.conversationId ? { conversationId: row.conversationId } : {}) });
      case 'wechat':
        return wechat.send(message);
      case 'email': {
        const meta = (row.meta ?? {}) as { subject?: string; inReplyTo?: string; references?: string[] };
        const unsubscribe = channels.email.unsubscribe;
        // Marketing carries a one-click unsubscribe (RFC 8058) for this customer.
        const headers = row.purpose === 'marketing' && unsubscribe ? listUnsubscribeHeaders(unsubscribeUrl(unsubscribe.baseUrl, signUnsubscribeToken(unsubscribe.secret, row.customerId))) : undefined;
        return email.send({ ...message, subject: meta.subject ?? EMAIL_SUBJECT, ...(meta.inReplyTo ? { inReplyTo: meta.inReplyTo } : {}), ...(meta.references ? { references: meta.references } : {}), ...(headers ? { headers } : {}) });
      }
      default:
        return Promise.reject(new PermanentSendError(`Loopdesk does not send on channel "${row.channel}"`, 'unsupported_channel'));
    }
  }

  /**
   * A web chat has no provider to send to: a row for one (a case's notice, a desk reply on a case's
   * task) joins the chat's transcript while its conversation is open, and the customer's widget
   * shows it live. A conversation that has ended falls back to the customer's next channel.
   */
  async function showInChat(row: DeliveryRow): Promise<{ outcome: 'sent' | 'skipped' | 'failed'; fallback?: string }> {
    if (!(await store.claim(row.idempotencyKey, 'dispatcher'))) return { outcome: 'skipped' };
    try {
      await deps.client.workflow.getHandle(conversationWorkflowId(row.conversationId!)).signal(chatNoticeSignal, { noticeId: row.idempotencyKey, text: row.text });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { outcome: 'failed', ...(await fallbackResult(store, row, 'chat_closed')) };
      throw error;
    }
    await store.markSent(row, { providerMessageId: `chat:${row.conversationId!}` }, Context.current().info.attempt);
    return { outcome: 'sent' };
  }

  return {
    /**
     * Puts a conversation's outgoing message in the outbox, once per key, addressed to where the
     * customer wrote from (or the next channel they have, when this one has no address), and wakes
     * the dispatcher.
     */
    async enqueueOutbound(input: EnqueueInput): Promise<{ queued: boolean; channel?: OutboundChannel }> {
      // A message that did not come in through a channel adapter (the HTTP API, the widget) got its reply in the response.
      const address = await store.addressFor(input.conversationId, input.channel);
      if (!address) return { queued: false };
      const channel = input.channel;
      await store.insertOnce({
        idempotencyKey: input.idempotencyKey,
        channel,
        customerId: input.customerId,
        to: address.to,
        text: input.text,
        purpose: input.purpose,
        status: 'queued',
        notBefore: new Date(Date.now() + (input.holdMs ?? 0)),
        ...(input.conversationId ? { conversationId: input.conversationId } : {}),
        ...(address.meta ? { meta: address.meta } : {}),
      });
      await kickOutbox(deps.client, deps.taskQueue, channels.outbox);
      return { queued: true, channel };
    },

    /** Queued rows that are due, oldest first, leaving out those being sent. */
    async dueDeliveries(input: { limit: number; exclude: string[] }): Promise<Array<{ idempotencyKey: string; channel: string }>> {
      const rows = await models.Delivery.find(
        {
          status: 'queued',
          ...(input.exclude.length ? { idempotencyKey: mongoose.trusted({ $nin: input.exclude }) } : {}),
          $or: [{ notBefore: mongoose.trusted({ $exists: false }) }, { notBefore: null }, { notBefore: mongoose.trusted({ $lte: new Date() }) }],
        },
        { idempotencyKey: 1, channel: 1 },
      )
        .sort({ createdAt: 1 })
        .limit(input.limit)
        .lean();
      return rows.map((r) => ({ idempotencyKey: r.idempotencyKey, channel: r.channel }));
    },

    /**
     * Sends one row through its channel's adapter. Marketing is checked against do-not-contact,
     * consent and quiet hours first. A permanent refusal fails the row (and falls back to another
     * channel for service messages); a transient one throws, for the retry policy.
     */
    async sendDelivery(input: { idempotencyKey: string }): Promise<{ outcome: 'sent' | 'skipped' | 'deferred' | 'failed'; fallback?: string }> {
      const row = await models.Delivery.findOne({ idempotencyKey: input.idempotencyKey }).lean();
      if (!row || row.status !== 'queued') return { outcome: 'skipped' };
      if (row.channel === 'web' && row.conversationId && row.purpose !== 'marketing') return showInChat(row);
      if (!isOutboundChannel(row.channel)) return { outcome: 'failed', ...(await fallbackResult(store, row, 'unsupported_channel')) };
      if (row.purpose === 'marketing') {
        const profile = await models.Customer.findOne({ customerId: row.customerId }).lean();
        const decision = marketingDecision(profile ?? undefined, row.channel, channels.outbox.quietHours, new Date());
        if ('defer' in decision) {
          await models.Delivery.updateOne({ idempotencyKey: row.idempotencyKey }, { $set: { notBefore: decision.defer } });
          return { outcome: 'deferred' };
        }
        if (!decision.send) return { outcome: 'failed', ...(await fallbackResult(store, row, decision.reason)) };
      }
      if (!(await store.claim(row.idempotencyKey, 'dispatcher'))) {
        // WeChat's passive reply took it; the API marks the row sent.
        return { outcome: 'skipped' };
      }
      try {
        const result = await send(row);
        await store.markSent(row, result, Context.current().info.attempt);
        return { outcome: 'sent' };
      } catch (error) {
        if (error instanceof PermanentSendError) return { outcome: 'failed', ...(await fallbackResult(store, row, error.reason)) };
        throw error;
      }
    },

    /** After the retries ran out. */
    async failDelivery(input: { idempotencyKey: string; reason: string }): Promise<{ fallback?: string }> {
      const row = await models.Delivery.findOne({ idempotencyKey: input.idempotencyKey }).lean();
      if (!row || row.status !== 'queued') return {};
      return fallbackResult(store, row, input.reason);
    },
  };
}

async function fallbackResult(store: OutboxStore, row: DeliveryRow, reason: string): Promise<{ fallback?: string }> {
  const fallback = await store.failAndFallBack(row, reason);
  return fallback ? { fallback } : {};
}
