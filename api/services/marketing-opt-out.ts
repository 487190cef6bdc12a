import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createAuditLog, type AuditActor } from '../../activities/audit';
import { createOutboxStore, kickOutbox } from '../../activities/channels/outbox';
import { isDuplicateKey } from '../../activities/db/channels';
import type { Models } from '../../activities/db/models';
import { createEventIngest } from '../../activities/marketing/events';
import { createRfmStore } from '../../activities/marketing/rfm';
import { createMarketingTemporal } from '../../activities/marketing/temporal';
import { replyDeliveryKey } from '../../domain/channels/keys';
import { conversationMessageId, type InboundMessage } from '../../domain/channels/message';
import type { ChannelSettings } from '../../domain/channels/settings';
import type { BotReply } from '../../domain/conversation';
import { confirmationLang, isOptOutChannel, optOutConfirmation, optOutKeyword, resubscribeConfirmation, resubscribeKeyword, type OptOutChannel } from '../../domain/marketing/opt-out';
import { verifyUnsubscribeToken } from '../../domain/marketing/unsubscribe-token';
import { HttpError } from '../errors';

/** The outbox purpose of an opt-out confirmation: it goes on the channel opted out of, or not at all. */
export const OPT_OUT_PURPOSE = 'opt_out';

/**
 * The event a re-subscription by reply is recorded as, in the customer's history. It is not one of
 * the events API's types: consent is given back only by the customer's own reply or by an operator's
 * audited change, never by a system posting events.
 */
export const RESUBSCRIBE_EVENT = 'resubscribe';

type ConsentChannel = 'sms' | 'email' | 'wechat' | 'app';

/**
 * Opting out without logging in: a reply that is only an opt-out keyword ("TD", "STOP" …) on SMS,
 * WeChat or the app, and the one-click unsubscribe link of a marketing e-mail. Either has the effect
 * of an `unsubscribe` event for that channel (recorded as one, so queued marketing there is stopped
 * and its coupons voided) and is audited as the customer's consent change.
 */
export function createOptOutService(deps: { client: Client; models: Models; taskQueue: string; settings: ChannelSettings }) {
  const { models } = deps;
  const ingest = createEventIngest({ models, rfm: createRfmStore(models), temporal: createMarketingTemporal({ client: deps.client, taskQueue: deps.taskQueue }) });
  const audit = createAuditLog(models);
  const outbox = createOutboxStore(models);

  /** Records the withdrawal as an `unsubscribe` event (once per eventId) and audits it the first time. */
  async function withdraw(customerId: string, channel: ConsentChannel, eventId: string, via: Record<string, unknown>, origin: { ip?: string; userAgent?: string } = {}): Promise<void> {
    const before = await models.Customer.findOne({ customerId }, { consent: 1 }).lean();
    const { accepted } = await ingest.ingest([{ eventId, customerId, type: 'unsubscribe', properties: { channel } }]);
    // A repeat (a redelivered message, the same link used again) is audited only if it changed consent again.
    if (accepted > 0 || before?.consent?.[channel] !== false) {
      const actor: AuditActor = { kind: 'customer', id: customerId };
      await audit.record({ actor, action: 'profile.consent_change', target: { type: 'customer', id: customerId }, details: { before: { consent: before?.consent ?? {} }, change: { [channel]: false }, eventId, ...via }, ...origin });
    }
  }

  /**
   * The answer to a keyword, queued on the channel it came in on and keyed like the bot's reply to
   * the message, so a redelivery sends nothing twice and WeChat can take it as the passive reply.
   */
  async function confirm(message: InboundMessage, channel: OptOutChannel, ctx: { customerId: string; conversationId: string; identity: string }, text: string, lang: 'zh' | 'en', intent: 'opt_out' | 'resubscribe'): Promise<BotReply> {
    const messageId = conversationMessageId(channel, message.providerMessageId);
    await outbox.insertOnce({
      idempotencyKey: replyDeliveryKey(ctx.conversationId, messageId),
      channel,
      customerId: ctx.customerId,
      to: ctx.identity,
      text,
      purpose: OPT_OUT_PURPOSE,
      status: 'queued',
      // WeChat's passive reply gets the first chance, as for the bot's replies.
      notBefore: new Date(Date.now() + (channel === 'wechat' ? deps.settings.outbox.passiveWindowMs : 0)),
      conversationId: ctx.conversationId,
    });
    await kickOutbox(deps.client, deps.taskQueue, deps.settings.outbox);
    return { conversationId: ctx.conversationId, messageId, reply: text, citations: [], lang, turn: 0, intent, handedOff: false };
  }

  /**
   * Whether the customer's own word took this channel's consent away: the last audited consent change
   * touching the channel was the customer's withdrawal (a reply or the unsubscribe link), or, with
   * none audited, the shop reported an `unsubscribe` event for it. Consent an operator withdrew, or
   * never given, is not the customer's to take back by reply.
   */
  async function withdrawnByCustomer(customerId: string, channel: ConsentChannel): Promise<boolean> {
    const changes = await models.AuditEntry.find({ action: 'profile.consent_change', 'target.id': customerId }, { actor: 1, details: 1 }).sort({ at: -1 }).limit(100).lean();
    const last = changes.find((entry) => channel in (((entry.details ?? {}) as { change?: Record<string, unknown> }).change ?? {}));
    if (last) return last.actor?.kind === 'customer' && ((last.details as { change: Record<string, unknown> }).change[channel] === false);
    return Boolean(await models.BehaviourEvent.exists({ customerId, type: 'unsubscribe', 'properties.channel': channel }));
  }

  /**
   * "START" / "订阅": gives back the channel's marketing consent the customer withdrew themselves,
   * recorded as a `resubscribe` event (once per message) and audited as the customer's consent
   * change. Do-not-contact stays whatever is said; so does consent an operator withdrew.
   */
  async function resubscribe(customerId: string, channel: ConsentChannel, keyword: string, providerMessageId: string): Promise<'subscribed' | 'unchanged'> {
    const before = await models.Customer.findOne({ customerId }, { consent: 1, doNotContact: 1 }).lean();
    if (!before || before.doNotContact) return 'unchanged';
    if (before.consent?.[channel] === true) return 'subscribed';
    if (!(await withdrawnByCustomer(customerId, channel))) return 'unchanged';
    const eventId = `resubscribe:${channel}:${providerMessageId}`.slice(0, 128);
    await models.Customer.updateOne({ customerId }, { $set: { [`consent.${channel}`]: true } });
    try {
      await models.BehaviourEvent.create({ eventId, customerId, type: RESUBSCRIBE_EVENT, occurredAt: new Date(), properties: { channel, via: `${channel}_keyword` } });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    await audit.record({
      actor: { kind: 'customer', id: customerId },
      action: 'profile.consent_change',
      target: { type: 'customer', id: customerId },
      details: { before: { consent: before.consent ?? {} }, change: { [channel]: true }, eventId, via: `${channel}_keyword`, keyword, providerMessageId },
    });
    return 'subscribed';
  }

  /** The customer an unsubscribe token was signed for; a 400 or 403 naming what is wrong with it. */
  function customerOfToken(token: string): string {
    const secret = deps.settings.email.unsubscribe?.secret;
    if (!secret) throw new HttpError(404, 'not_configured', 'One-click unsubscribe is not configured on this server.');
    const verified = verifyUnsubscribeToken(secret, token);
    if ('customerId' in verified) return verified.customerId;
    if (verified.problem === 'malformed') throw new HttpError(400, 'invalid_token', 'token is not an unsubscribe token: use the whole link from the List-Unsubscribe header of the e-mail.');
    if (verified.problem === 'expired') throw new HttpError(403, 'token_expired', 'This unsubscribe link has expired: use the link in a newer e-mail, or reply STOP / 退订 to any of our messages.');
    throw new HttpError(403, 'token_mismatch', 'This unsubscribe link was not issued by this server (its signature does not match).');
  }

  return {
    /**
     * An inbound message that is only an opt-out keyword: consent withdrawn for that channel and a
     * confirmation queued on it, keyed like the bot's reply to the message, so a redelivery sends
     * nothing twice and WeChat can take it as the passive reply. A message that is only a
     * re-subscribe keyword is answered the same way. Undefined for any other message, which goes
     * on to the bot.
     */
    async handleInbound(message: InboundMessage, ctx: { customerId: string; conversationId: string; identity: string }): Promise<BotReply | undefined> {
      if (!isOptOutChannel(message.channel)) return undefined;
      const channel = message.channel;
      const keyword = optOutKeyword(message.text);
      if (!keyword) {
        const again = resubscribeKeyword(message.text);
        if (!again) return undefined;
        const outcome = await resubscribe(ctx.customerId, channel, again, message.providerMessageId);
        return confirm(message, channel, ctx, resubscribeConfirmation(channel, confirmationLang(again), outcome), confirmationLang(again), 'resubscribe');
      }
      await withdraw(ctx.customerId, channel, `opt-out:${channel}:${message.providerMessageId}`.slice(0, 128), { via: `${channel}_keyword`, keyword, providerMessageId: message.providerMessageId });
      const lang = confirmationLang(keyword);
      return confirm(message, channel, ctx, optOutConfirmation(channel, lang), lang, 'opt_out');
    },

    customerOfToken,

    /** RFC 8058 one-click unsubscribe: the signed token names the customer; a repeat changes nothing. */
    async unsubscribeByToken(token: string, origin: { ip?: string; userAgent?: string }): Promise<{ unsubscribed: true; channel: 'email'; alreadyUnsubscribed: boolean }> {
      const verified = { customerId: customerOfToken(token) };
      const customer = await models.Customer.findOne({ customerId: verified.customerId }, { consent: 1 }).lean();
      if (!customer) throw new HttpError(404, 'unknown_customer', 'The customer this link was sent to is no longer on record; nothing more will be sent to them.');
      const wasConsenting = customer.consent?.email === true;
      // One event per link: clicking it twice records nothing new.
      const eventId = `list-unsubscribe:${createHash('sha256').update(token).digest('hex').slice(0, 40)}`;
      await withdraw(verified.customerId, 'email', eventId, { via: 'list_unsubscribe' }, origin);
      return { unsubscribed: true, channel: 'email', alreadyUnsubscribed: !wasConsenting };
    },
  };
}

export type OptOutService = ReturnType<typeof createOptOutService>;
