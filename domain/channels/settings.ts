import type { QuietHours, RateLimits } from './outbox-policy';

/** How each channel reaches its provider; parsed from the environment by domain/config.ts. */
export interface ChannelSettings {
  sms: { gatewayUrl?: string; apiKey?: string; signingSecret?: string };
  app: { webhookUrl?: string; secret?: string };
  phone: { secret?: string };
  email: {
    inbound: { host: string; port: number; enabled: boolean };
    relay: { host?: string; port: number; secure: boolean; user?: string; password?: string };
    from: string;
    /** Marketing e-mails carry a signed one-click unsubscribe link (RFC 8058) to `baseUrl`, the API as customers reach it. */
    unsubscribe?: { secret: string; baseUrl: string };
  };
  /** With `encodingAesKey`, WeChat's encrypted messages (安全模式, 兼容模式) are accepted too. */
  wechat: { token?: string; appId?: string; appSecret?: string; encodingAesKey?: string; apiBase: string; accountId: string };
  outbox: OutboxSettings;
}

export interface OutboxSettings {
  pollIntervalMs: number;
  rateLimits: RateLimits;
  quietHours?: QuietHours;
  /** How long a WeChat bot reply waits for the passive reply in the HTTP response before the dispatcher sends it. */
  passiveWindowMs: number;
}

/** Nothing configured: inbound endpoints use demo secrets and sends fail as "not configured". */
export function defaultChannelSettings(): ChannelSettings {
  return {
    sms: {},
    app: {},
    phone: {},
    email: { inbound: { host: '127.0.0.1', port: 0, enabled: false }, relay: { port: 25, secure: false }, from: 'Loopdesk <support@loopdesk.local>' },
    wechat: { apiBase: 'https://api.weixin.qq.com', accountId: 'gh_loopdesk' },
    outbox: { pollIntervalMs: 2_000, rateLimits: {}, passiveWindowMs: 5_000 },
  };
}
