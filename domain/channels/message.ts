import { createHash } from 'node:crypto';
import type { Channel } from '../conversation';

export { OUTBOUND_CHANNELS, isOutboundChannel, type OutboundChannel } from './keys';

/**
 * One message model for every channel: what arrived from a customer, or what Loopdesk sent, with the
 * customer's identity on that channel and the provider's own message id (which makes a redelivery
 * of the same message recognisable).
 */
export type Direction = 'inbound' | 'outbound';

export interface AttachmentMeta {
  name: string;
  contentType: string;
  size: number;
  url?: string;
}

export interface InboundMessage {
  channel: Channel;
  /** The customer's address on the channel: phone number, e-mail address, WeChat openid, app user id. */
  identity: string;
  providerMessageId: string;
  text: string;
  attachments: AttachmentMeta[];
  receivedAt: Date;
  /** Channel specifics kept with the message (e-mail subject and thread headers, WeChat event). */
  meta?: Record<string, unknown>;
  /** A conversation the channel already knows this message belongs to (an e-mail thread, a call). */
  conversationId?: string;
  /** A display name the channel gave, used when a new customer is created. */
  displayName?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** The key that makes a second delivery of the same provider message a no-op. */
export function inboundMessageKey(channel: Channel, providerMessageId: string): string {
  return `${channel}:in:${providerMessageId}`;
}

/** The conversation's message id (Update id) for a provider message: short, and safe in any id. */
export function conversationMessageId(channel: Channel, providerMessageId: string): string {
  return `${channel}-${digest(`${channel}:${providerMessageId}`).slice(0, 32)}`;
}

/**
 * A channel conversation per customer: later messages join it (and start it again once it has
 * closed, picking up its transcript). E-mail threads and phone calls bring their own ids instead.
 */
export function channelConversationId(channel: Channel, customerId: string): string {
  return `${channel}-${customerId}`.slice(0, 128);
}

export function emailThreadConversationId(firstMessageId: string): string {
  return `email-${digest(firstMessageId).slice(0, 24)}`;
}

export function callConversationId(callId: string): string {
  return `phone-${digest(callId).slice(0, 24)}`;
}

/** A deterministic id for a customer first seen on a channel, so two racing first messages create one profile. */
export function newCustomerId(channel: Channel, identity: string): string {
  return `${channel}-${digest(`${channel}:${identity}`).slice(0, 16)}`;
}
