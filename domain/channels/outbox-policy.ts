import type { Channel } from '../conversation';
import { OUTBOUND_CHANNELS, type OutboundChannel } from './keys';

/**
 * What the outbox decides without touching the world: whether a marketing send may go now, which
 * channel a failed service message falls back to, and how fast each channel may send.
 */

export interface QuietHours {
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
  /** The zone's offset from UTC, in minutes. */
  offsetMinutes: number;
}

/** "21:00-08:00 +08:00" (quiet from nine at night to eight in the morning, China time), or "off". */
export function parseQuietHours(spec: string): QuietHours | undefined {
  if (spec.trim() === 'off') return undefined;
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2}) ([+-])(\d{2}):(\d{2})$/.exec(spec.trim());
  if (!match) throw new Error(`quiet hours must look like "21:00-08:00 +08:00" or be "off", not "${spec}"`);
  const [sh, sm, eh, em] = [match[1], match[2], match[3], match[4]].map(Number) as [number, number, number, number];
  const [oh, om] = [Number(match[6]), Number(match[7])];
  const minute = (h: number, m: number) => {
    if (h > 23 || m > 59) throw new Error(`not a time of day in "${spec}"`);
    return h * 60 + m;
  };
  const offsetMinutes = (oh * 60 + om) * (match[5] === '-' ? -1 : 1);
  return { startMinute: minute(sh, sm), endMinute: minute(eh, em), offsetMinutes };
}

/** When the quiet hours that hold at `now` end, or undefined when `now` is not within them. */
export function quietUntil(quiet: QuietHours | undefined, now: Date): Date | undefined {
  if (!quiet || quiet.startMinute === quiet.endMinute) return undefined;
  const localMs = now.getTime() + quiet.offsetMinutes * 60_000;
  const local = new Date(localMs);
  const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes();
  const wraps = quiet.startMinute > quiet.endMinute;
  const inside = wraps ? minuteOfDay >= quiet.startMinute || minuteOfDay < quiet.endMinute : minuteOfDay >= quiet.startMinute && minuteOfDay < quiet.endMinute;
  if (!inside) return undefined;
  const dayStart = localMs - (minuteOfDay * 60_000 + local.getUTCSeconds() * 1000 + local.getUTCMilliseconds());
  const endToday = dayStart + quiet.endMinute * 60_000;
  const endLocal = endToday > localMs ? endToday : endToday + 86_400_000;
  return new Date(endLocal - quiet.offsetMinutes * 60_000);
}

export interface ContactProfile {
  doNotContact?: boolean | null;
  consent?: Partial<Record<string, boolean | null>> | null;
}

export type MarketingDecision = { send: true } | { send: false; reason: 'do_not_contact' | 'no_consent' } | { defer: Date; send: false; reason: 'quiet_hours' };

/** Marketing goes only to customers who agreed to it on that channel, never to do-not-contact, never in quiet hours. */
export function marketingDecision(profile: ContactProfile | undefined, channel: Channel, quiet: QuietHours | undefined, now: Date): MarketingDecision {
  if (!profile || profile.doNotContact) return { send: false, reason: 'do_not_contact' };
  if (profile.consent?.[channel] !== true) return { send: false, reason: 'no_consent' };
  const until = quietUntil(quiet, now);
  if (until) return { send: false, reason: 'quiet_hours', defer: until };
  return { send: true };
}

export interface ChannelAddresses {
  phone?: string | null;
  email?: string | null;
  wechatOpenId?: string | null;
  appUserIds?: string[] | null;
}

/** A customer's address on each channel Loopdesk can send on. */
export function addressesOf(profile: ChannelAddresses): Partial<Record<OutboundChannel, string>> {
  return {
    ...(profile.appUserIds?.[0] ? { app: profile.appUserIds[0] } : {}),
    ...(profile.wechatOpenId ? { wechat: profile.wechatOpenId } : {}),
    ...(profile.phone ? { sms: profile.phone } : {}),
    ...(profile.email ? { email: profile.email } : {}),
  };
}

/** Fallback order for service messages: the channels that reach a person soonest first. */
const FALLBACK_ORDER: readonly OutboundChannel[] = ['app', 'wechat', 'sms', 'email'];

/** The next channel to try once `tried` have failed, with the address to send to, if the customer has one. */
export function fallbackChannel(profile: ChannelAddresses, tried: readonly string[]): { channel: OutboundChannel; to: string } | undefined {
  const addresses = addressesOf(profile);
  for (const channel of FALLBACK_ORDER) {
    const to = addresses[channel];
    if (to && !tried.includes(channel)) return { channel, to };
  }
  return undefined;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export type RateLimits = Partial<Record<OutboundChannel, RateLimit>>;

/** "sms:20/s,email:10/s,wechat:50/s,app:50/1m": sends per window per channel. */
export function parseRateLimits(spec: string): RateLimits {
  const limits: RateLimits = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z]+):(\d+)\/(\d*)(ms|s|m|h)$/.exec(part);
    const channel = match?.[1];
    if (!match || !channel || !(OUTBOUND_CHANNELS as readonly string[]).includes(channel)) {
      throw new Error(`"${part}" is not "<channel>:<count>/<window>" with a channel of ${OUTBOUND_CHANNELS.join(', ')} and a window such as s, 10s or 1m`);
    }
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[4] as 'ms' | 's' | 'm' | 'h'];
    const limit = Number(match[2]);
    if (limit < 1) throw new Error(`"${part}": the count must be at least 1`);
    limits[channel as OutboundChannel] = { limit, windowMs: Number(match[3] || '1') * unit };
  }
  return limits;
}

/**
 * A sliding window of send times per channel. Pure and serialisable, so the dispatcher workflow can
 * keep it in its state and carry it across continue-as-new.
 */
export class RateWindow {
  private readonly sent: Record<string, number[]>;

  constructor(
    private readonly limits: RateLimits,
    carried: Record<string, number[]> = {},
  ) {
    this.sent = Object.fromEntries(Object.entries(carried).map(([k, v]) => [k, [...v]]));
  }

  /** Takes a slot for `channel` at `now` and returns 0, or returns how long until a slot frees (taking none). */
  take(channel: string, now: number): number {
    const limit = this.limits[channel as OutboundChannel];
    if (!limit) return 0;
    const times = (this.sent[channel] ?? []).filter((t) => t > now - limit.windowMs);
    this.sent[channel] = times;
    if (times.length >= limit.limit) return times[0]! + limit.windowMs - now;
    times.push(now);
    return 0;
  }

  snapshot(): Record<string, number[]> {
    return Object.fromEntries(Object.entries(this.sent).map(([k, v]) => [k, [...v]]));
  }
}
