import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createAuditLog, type AuditActor } from '../../activities/audit';
import { createOutboxStore, kickOutbox } from '../../activities/channels/outbox';
import type { Models } from '../../activities/db/models';
import { createEventIngest } from '../../activities/marketing/events';
import { createRfmStore } from '../../activities/marketing/rfm';
import { createMarketingTemporal } from '../../activities/marketing/temporal';
import { replyDeliveryKey } from '../../domain/channels/keys';
import { conversationMessageId, type InboundMessage } from '../../domain/channels/message';
import type { ChannelSettings } from '../../domain/channels/settings';
import type { BotReply } from '../../domain/conversation';
import { confirmationLang, isOptOutChannel, optOutConfirmation, optOutKeyword } from '../../domain/marketing/opt-out';
import { verifyUnsubscribeToken } from '../../domain/marketing/unsubscribe-token';
import { HttpError } from '../errors';

/** The outbox purpose of an opt-out confirmation: it goes on the channel opted out of, or not at all. */
export const OPT_OUT_PURPOSE = 'opt_out';

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
     * nothing twice and WeChat can take it as the passive reply. Undefined for any other message,
     * which goes on to the bot.
     */
    async handleInbound(message: InboundMessage, ctx: { customerId: string; conversationId: string; identity: string }): Promise<BotReply | undefined> {
      if (!isOptOutChannel(message.channel)) return undefined;
      const keyword = optOutKeyword(message.text);
      if (!keyword) return undefined;
      const channel = message.channel;
      await withdraw(ctx.customerId, channel, `opt-out:${channel}:${message.providerMessageId}`.slice(0, 128), { via: `${channel}_keyword`, keyword, providerMessageId: message.providerMessageId });
      const lang = confirmationLang(keyword);
      const text = optOutConfirmation(channel, lang);
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
      return { conversationId: ctx.conversationId, messageId, reply: text, citations: [], lang, turn: 0, intent: 'opt_out', handedOff: false };
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
