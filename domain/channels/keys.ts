import type { Channel } from '../conversation';

/** Names shared by the conversation workflow and the adapters; no Node built-ins, so workflows may import them. */

/** Channels Loopdesk sends on; web chat answers in the HTTP response and phone transcripts are read-only. */
export const OUTBOUND_CHANNELS = ['sms', 'email', 'wechat', 'app'] as const satisfies readonly Channel[];
export type OutboundChannel = (typeof OUTBOUND_CHANNELS)[number];

export function isOutboundChannel(channel: string): channel is OutboundChannel {
  return (OUTBOUND_CHANNELS as readonly string[]).includes(channel);
}

/** The outbox key of the bot's reply to one customer message, shared by the workflow and WeChat's passive reply. */
export function replyDeliveryKey(conversationId: string, messageId: string): string {
  return `reply:${conversationId}:${messageId}`;
}

/** The outbox key of a message from the desk (an agent's reply, a system notice) into a conversation. */
export function deskDeliveryKey(conversationId: string, entryId: string): string {
  return `desk:${conversationId}:${entryId}`;
}
