import type { Channel } from '../conversation';

/** Which customer-profile field holds a channel's identity. */
export const IDENTITY_FIELD = {
  sms: 'phone',
  phone: 'phone',
  email: 'email',
  wechat: 'wechatOpenId',
  app: 'appUserIds',
  web: 'webVisitorIds',
} as const satisfies Record<Channel, string>;

/**
 * Chinese mobile numbers arrive as 13800138001, +86 138 0013 8001 or 008613800138001; profiles keep
 * the 11 national digits. Other numbers keep their digits with a leading "+".
 */
export function normalizePhone(raw: string): string | undefined {
  const digits = raw.replace(/[\s().-]/g, '');
  if (!/^\+?\d{5,20}$/.test(digits)) return undefined;
  const international = /^(\+|00)/.test(digits);
  const bare = digits.replace(/^\+/, '').replace(/^00/, '');
  if (/^861[3-9]\d{9}$/.test(bare)) return bare.slice(2);
  // Without a country code an 11-digit 1xx number is a Chinese mobile; with one, it is what the code says.
  if (!international && /^1[3-9]\d{9}$/.test(bare)) return bare;
  return `+${bare}`;
}

export function normalizeEmail(raw: string): string | undefined {
  const trimmed = raw.trim().toLowerCase();
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(trimmed) && trimmed.length <= 254 ? trimmed : undefined;
}

/** A channel identity in the form profiles store it, or undefined when it is not one. */
export function normalizeIdentity(channel: Channel, raw: string): string | undefined {
  switch (channel) {
    case 'sms':
    case 'phone':
      return normalizePhone(raw);
    case 'email':
      return normalizeEmail(raw);
    default: {
      const trimmed = raw.trim();
      return /^[A-Za-z0-9_.:@+-]{1,128}$/.test(trimmed) ? trimmed : undefined;
    }
  }
}
