/** Triggered journeys: what starts them, how often they may reach a customer, and what they say. */
import type { MessageTemplates } from './campaign';

export const JOURNEYS = ['asked_not_bought', 'replenishment', 'win_back'] as const;
export type JourneyKind = (typeof JOURNEYS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const JOURNEY_RULES = {
  /** Purchase intent in a conversation and no purchase of that category within this long. */
  asked_not_bought: { waitMs: 24 * HOUR, onceEveryMs: 30 * DAY, offer: { amount: 20, threshold: 199, expiryDays: 7 } },
  /** Reminded once per purchase of a consumable whose life is nearly over. */
  replenishment: { waitMs: 0, onceEveryMs: 0, offer: undefined },
  /** A customer newly scored "at risk". */
  win_back: { waitMs: 0, onceEveryMs: 30 * DAY, offer: { amount: 30, threshold: 299, expiryDays: 14 } },
} as const satisfies Record<JourneyKind, { waitMs: number; onceEveryMs: number; offer: { amount: number; threshold: number; expiryDays: number } | undefined }>;

export const JOURNEY_TEMPLATES: Record<JourneyKind, MessageTemplates> = {
  asked_not_bought: {
    zh: '{{name}},您咨询过的{{category}}商品送您一张{{amount}}元优惠券 {{coupon}},满{{threshold}}元可用,{{expiry}}前有效。回复TD退订',
    en: '{{name}}, here is a ¥{{amount}} coupon {{coupon}} for the {{category}} item you asked about, on orders over ¥{{threshold}}, valid until {{expiry}}. Reply STOP to opt out',
  },
  replenishment: {
    zh: '{{name}},您约{{months}}个月前购买的{{product}}快到更换时间了,需要时可随时下单。回复TD退订',
    en: '{{name}}, the {{product}} you bought about {{months}} months ago is nearly due for replacement. Reply STOP to opt out',
  },
  win_back: {
    zh: '{{name}},好久不见!送您{{amount}}元回归券 {{coupon}},满{{threshold}}元可用,{{expiry}}前有效。回复TD退订',
    en: 'We miss you, {{name}}! Here is ¥{{amount}} off with {{coupon}} on orders over ¥{{threshold}}, valid until {{expiry}}. Reply STOP to opt out',
  },
};

/** A consumable with a life of `lifeMonths` is due between two weeks before and four weeks after. */
export function replenishmentWindow(now: number, lifeMonths: number): { from: number; to: number } {
  const life = lifeMonths * 30.44 * DAY;
  return { from: now - life - 28 * DAY, to: now - life + 14 * DAY };
}

export function journeyWorkflowId(kind: JourneyKind, customerId: string, scope = ''): string {
  return `journey-${kind}-${customerId}${scope ? `-${scope}` : ''}`;
}
