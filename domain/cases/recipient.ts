import type { Channel } from '../conversation';

export interface ReachableCustomer {
  phone?: string | null;
  email?: string | null;
  wechatOpenId?: string | null;
  consent?: { sms?: boolean | null; email?: boolean | null; wechat?: boolean | null; app?: boolean | null } | null;
  doNotContact?: boolean | null;
}

/**
 * Where a case message goes: back into the conversation the case came from (web chat or app,
 * addressed by conversation), else the customer's preferred channel they consented to.
 */
export function recipientFor(customer: ReachableCustomer, channel: Channel | undefined, conversationId: string | undefined): { channel: Channel; to: string } | undefined {
  if (conversationId && (channel === 'web' || channel === 'app')) return { channel, to: conversationId };
  const consent = customer.consent ?? {};
  const wechat = customer.wechatOpenId ? { channel: 'wechat' as const, to: customer.wechatOpenId } : undefined;
  const sms = customer.phone ? { channel: 'sms' as const, to: customer.phone } : undefined;
  const email = customer.email ? { channel: 'email' as const, to: customer.email } : undefined;
  const byChannel: Partial<Record<Channel, { channel: Channel; to: string } | undefined>> = { wechat, sms, email, phone: sms && { channel: 'sms', to: sms.to } };
  // Service messages about a case the customer opened go on the channel they used, consent or not.
  if (channel && byChannel[channel]) return byChannel[channel];
  if (customer.doNotContact) return undefined;
  if (consent.wechat && wechat) return wechat;
  if (consent.sms && sms) return sms;
  if (consent.email && email) return email;
  return sms ?? email ?? wechat;
}
