/** What a campaign is, and the pure decisions a run makes for each recipient. */
import { pickWeighted, unitInterval } from './hash';
import type { RfmSegment } from './rfm';

export const CAMPAIGN_CHANNELS = ['sms', 'email', 'wechat', 'app'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

/** Placeholders a message template may use; anything else is refused when the campaign is defined. */
export const TEMPLATE_FIELDS = ['name', 'coupon', 'amount', 'threshold', 'expiry', 'tier'] as const;

export interface MessageTemplates {
  zh: string;
  en: string;
}

export interface CampaignVariant {
  id: string;
  weight: number;
  templates: MessageTemplates;
  /** A variant may offer a different amount; otherwise the campaign's offer. */
  offerAmount?: number;
}

export interface CampaignDefinition {
  campaignId: string;
  name: string;
  audience: { segments?: RfmSegment[]; segmentId?: string };
  offer?: { amount: number; threshold: number; expiryDays: number };
  channels: CampaignChannel[];
  variants: CampaignVariant[];
  holdoutShare: number;
  schedule: { cron?: string; intervalMinutes?: number };
  /** Local times "HH:MM" in the campaign's UTC offset; no sends from start until end. */
  quietHours?: { start: string; end: string; utcOffsetMinutes: number };
  frequencyCap?: { maxMessages: number; perDays: number };
  goal: { event: 'purchase'; windowHours: number };
}

export interface Recipient {
  customerId: string;
  name: string;
  lang: 'zh' | 'en';
  tier: string;
  phone?: string | null;
  email?: string | null;
  wechatOpenId?: string | null;
  appUserIds?: string[] | null;
  consent: Partial<Record<CampaignChannel, boolean>>;
  doNotContact: boolean;
}

export type Arm = { holdout: true; variant: string } | { holdout: false; variant: string };

/**
 * Hold-out first, then the variant, each from its own hash of campaign and customer: a customer
 * stays in the same arm on every run of the campaign, and arms do not depend on who else is in
 * the audience.
 */
export function assignArm(campaignId: string, customerId: string, holdoutShare: number, variants: readonly CampaignVariant[]): Arm {
  const variant = pickWeighted(`${campaignId}:variant:${customerId}`, variants).id;
  return unitInterval(`${campaignId}:holdout:${customerId}`) < holdoutShare ? { holdout: true, variant } : { holdout: false, variant };
}

/** The address for a channel, when the customer has one. */
export function addressFor(channel: CampaignChannel, r: Recipient): string | undefined {
  switch (channel) {
    case 'sms':
      return r.phone ?? undefined;
    case 'email':
      return r.email ?? undefined;
    case 'wechat':
      return r.wechatOpenId ?? undefined;
    case 'app':
      return r.appUserIds?.[0] ?? undefined;
  }
}

export type ContactDecision =
  | { send: true; channel: CampaignChannel; to: string }
  | { send: false; reason: 'do_not_contact' | 'no_consent' | 'frequency_cap' };

/** The first channel, in the campaign's order, the customer consented to and can be reached on. */
export function contactDecision(r: Recipient, channels: readonly CampaignChannel[], recentMessages: number, cap?: { maxMessages: number }): ContactDecision {
  if (r.doNotContact) return { send: false, reason: 'do_not_contact' };
  const channel = channels.find((c) => r.consent[c] === true && addressFor(c, r));
  if (!channel) return { send: false, reason: 'no_consent' };
  if (cap && recentMessages >= cap.maxMessages) return { send: false, reason: 'frequency_cap' };
  return { send: true, channel, to: addressFor(channel, r)! };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** How long until sending may start: 0 outside quiet hours, else the time to their end. */
export function quietHoursWait(now: number, quiet: { start: string; end: string; utcOffsetMinutes: number } | undefined): number {
  if (!quiet) return 0;
  const minuteOfDay = (((Math.floor(now / 60_000) + quiet.utcOffsetMinutes) % 1440) + 1440) % 1440;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = start <= end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
  if (!inside) return 0;
  const minutesLeft = (end - minuteOfDay + 1440) % 1440;
  const secondsIntoMinute = (now % 60_000) / 1000;
  return Math.max(0, minutesLeft * 60_000 - secondsIntoMinute * 1000);
}

/** Fills {{field}} placeholders; a campaign's templates were checked against TEMPLATE_FIELDS when defined. */
export function renderTemplate(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, field: string) => values[field] ?? whole);
}

export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([a-z]+)\s*\}\}/g)].map((m) => m[1]!);
}

/** The run-scoped key that makes a coupon and a send happen once per run and customer. */
export function recipientKey(runId: string, customerId: string): string {
  return `campaign:${runId}:${customerId}`;
}

/** A coupon code derived from its key, so a retried issue produces the same code. */
export function couponCodeFor(key: string, digest: (text: string) => string): string {
  return `LD${digest(key).slice(0, 10).toUpperCase()}`;
}
