import type { Models } from '../db/models';
import { insertManyOnce, trustedQuery } from '../db/marketing';
import { contactDecision, couponCodeFor, renderTemplate, type Recipient } from '../../domain/marketing/campaign';
import { JOURNEY_RULES, JOURNEY_TEMPLATES, replenishmentWindow, type JourneyKind } from '../../domain/marketing/journeys';
import { digest } from './campaigns';

const DAY = 86_400_000;
/** Journeys reach customers on the first of these they consented to. */
const JOURNEY_CHANNELS = ['app', 'wechat', 'sms', 'email'] as const;

export interface JourneyInput {
  kind: JourneyKind;
  customerId: string;
  /** Unique per journey instance (the workflow's run id): the grant, coupon and message are keyed by it. */
  instanceKey: string;
  sku?: string;
  /** For asked-but-didn't-buy: when the intent was seen. */
  since?: string;
  /** For replenishment: the purchase being followed up. */
  purchaseEventId?: string;
}

export type JourneyOutcome = { reached: true; grantKey: string; couponCode?: string } | { reached: false; reason: string };

export interface ReplenishmentDue {
  customerId: string;
  sku: string;
  purchaseEventId: string;
}

export function createJourneyActivities(deps: { models: Models }) {
  const { models } = deps;

  async function productOf(sku: string | undefined) {
    return sku ? models.Product.findOne({ sku }, { sku: 1, name: 1, category: 1 }).lean() : null;
  }

  async function boughtSince(customerId: string, since: Date, skus: string[]): Promise<boolean> {
    const purchases = await models.BehaviourEvent.find(trustedQuery({ customerId, type: 'purchase', occurredAt: { $gt: since } }), { properties: 1 }).lean();
    return purchases.some((p) => ((p.properties as { items?: string[] }).items ?? []).some((sku) => skus.includes(sku)));
  }

  return {
    /** Decides and, when it should, reaches the customer: once per instance, and within the journey's frequency rule. */
    async runJourney(input: JourneyInput): Promise<JourneyOutcome> {
      const rules = JOURNEY_RULES[input.kind];
      const grantKey = `${input.kind}:${input.customerId}:${input.instanceKey}`;
      const existing = await models.JourneyGrant.findOne({ grantKey }).lean();
      if (existing) return { reached: true, grantKey, ...(existing.couponCode ? { couponCode: existing.couponCode } : {}) };

      const customer = (await models.Customer.findOne({ customerId: input.customerId }).lean()) as unknown as (Recipient & { mergedInto?: string }) | null;
      if (!customer || customer.mergedInto) return { reached: false, reason: 'no_profile' };
      const product = await productOf(input.sku);

      if (input.kind === 'asked_not_bought') {
        if (!product) return { reached: false, reason: 'unknown_product' };
        const sameCategory = (await models.Product.find({ category: product.category }, { sku: 1 }).lean()).map((p) => p.sku);
        if (await boughtSince(input.customerId, new Date(input.since ?? 0), sameCategory)) return { reached: false, reason: 'purchased' };
      }
      if (input.kind === 'replenishment' && product && input.purchaseEventId) {
        const purchase = await models.BehaviourEvent.findOne({ eventId: input.purchaseEventId }, { occurredAt: 1 }).lean();
        if (purchase && (await boughtSince(input.customerId, purchase.occurredAt, [product.sku]))) return { reached: false, reason: 'purchased' };
      }
      if (rules.onceEveryMs > 0) {
        const recent = await models.JourneyGrant.findOne(trustedQuery({ customerId: input.customerId, journey: input.kind, at: { $gt: new Date(Date.now() - rules.onceEveryMs) } })).lean();
        if (recent) return { reached: false, reason: 'already_reached_recently' };
      }
      const decision = contactDecision(customer, JOURNEY_CHANNELS, 0);
      if (!decision.send) return { reached: false, reason: decision.reason };

      const offer = rules.offer;
      const expiresAt = offer ? Date.now() + offer.expiryDays * DAY : 0;
      const couponCode = offer ? couponCodeFor(grantKey, digest) : undefined;
      const lang = customer.lang === 'en' ? 'en' : 'zh';
      const lifeMonths = (await models.Product.findOne({ sku: input.sku ?? '' }, { attributes: 1 }).lean())?.attributes as { life_months?: number } | undefined;
      const months = input.kind === 'replenishment' && lifeMonths?.life_months ? String(lifeMonths.life_months) : undefined;
      const text = renderTemplate(JOURNEY_TEMPLATES[input.kind][lang], {
        name: customer.name,
        tier: customer.tier,
        category: product?.category,
        product: product ? ((product.name as { zh?: string; en?: string } | undefined)?.[lang] ?? product.sku) : undefined,
        months,
        ...(couponCode && offer ? { coupon: couponCode, amount: String(offer.amount), threshold: String(offer.threshold), expiry: new Date(expiresAt).toISOString().slice(0, 10) } : {}),
      });
      const deliveryKey = `journey:${grantKey}`;
      if (couponCode && offer) {
        await insertManyOnce(models.Coupon as never, [
          { couponKey: grantKey, deliveryKey, code: couponCode, customerId: input.customerId, source: `journey:${input.kind}`, amount: offer.amount, threshold: offer.threshold, ...(product ? { category: product.category } : {}), expiresAt: new Date(expiresAt) },
        ]);
      }
      await insertManyOnce(models.Delivery as never, [{ idempotencyKey: deliveryKey, channel: decision.channel, customerId: input.customerId, to: decision.to, text, purpose: 'marketing', status: 'queued' }]);
      // The grant goes last: a crash before it re-runs the keyed writes above, which are no-ops.
      await insertManyOnce(models.JourneyGrant as never, [
        { grantKey, journey: input.kind, customerId: input.customerId, at: new Date(), deliveryKey, ...(couponCode ? { couponCode } : {}), details: { ...(input.sku ? { sku: input.sku } : {}) } },
      ]);
      return { reached: true, grantKey, ...(couponCode ? { couponCode } : {}) };
    },

    /** Purchases of consumables now near the end of their life (products with a `life_months` attribute). */
    async findReplenishmentsDue(input: { now: string; limit: number }): Promise<ReplenishmentDue[]> {
      const now = new Date(input.now).getTime();
      const consumables = await models.Product.find(trustedQuery({ 'attributes.life_months': { $gt: 0 } }), { sku: 1, attributes: 1 }).lean();
      const due: ReplenishmentDue[] = [];
      for (const product of consumables) {
        const window = replenishmentWindow(now, Number((product.attributes as { life_months: number }).life_months));
        const purchases = await models.BehaviourEvent.find(
          trustedQuery({ type: 'purchase', occurredAt: { $gte: new Date(window.from), $lte: new Date(window.to) } }),
          { eventId: 1, customerId: 1, properties: 1 },
        ).lean();
        for (const p of purchases) {
          if (((p.properties as { items?: string[] }).items ?? []).includes(product.sku)) due.push({ customerId: p.customerId, sku: product.sku, purchaseEventId: p.eventId });
          if (due.length >= input.limit) return due;
        }
      }
      return due;
    },
  };
}

export type JourneyActivities = ReturnType<typeof createJourneyActivities>;
