import { createHash } from 'node:crypto';
import type { Models } from '../db/models';
import { insertManyOnce, trustedQuery } from '../db/marketing';
import {
  addressFor,
  assignArm,
  contactDecision,
  couponCodeFor,
  quietHoursWait,
  recipientKey,
  renderTemplate,
  type CampaignChannel,
  type CampaignDefinition,
  type Recipient,
} from '../../domain/marketing/campaign';
import { segmentQuery, type SegmentFilter } from '../../domain/marketing/segment-filter';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export interface RunPlan {
  runId: string;
  campaignId: string;
  /** False when the campaign is paused or gone: the run records nothing. */
  active: boolean;
  quietHours?: CampaignDefinition['quietHours'];
  windowMs: number;
}

export interface PageResult {
  nextCursor: string | null;
  targeted: number;
  holdout: number;
  sent: number;
  suppressed: number;
}

export interface Conversion {
  customerId: string;
  eventId: string;
  amount: number;
  at: string;
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The audience as a filter over profiles; merged-away profiles are never contacted. */
async function audienceQuery(models: Models, definition: CampaignDefinition, now: number): Promise<Record<string, unknown>> {
  const query: Record<string, unknown> = { mergedInto: { $exists: false } };
  if (definition.audience.segments?.length) query['rfm.segment'] = { $in: definition.audience.segments };
  if (definition.audience.segmentId) {
    const segment = await models.Segment.findOne({ segmentId: definition.audience.segmentId }).lean();
    if (!segment) throw new Error(`segment ${definition.audience.segmentId} no longer exists`);
    const filter = segmentQuery(segment.filter as SegmentFilter, now);
    for (const [path, clause] of Object.entries(filter)) {
      query[path] = path in query ? { ...(query[path] as object), ...clause } : clause;
    }
  }
  return query;
}

/** The activities a campaign run is made of; every write is keyed by run × customer. */
export function createCampaignActivities(deps: { models: Models; heartbeat?: () => void }) {
  const { models } = deps;
  const beat = () => deps.heartbeat?.();

  async function definitionOf(runId: string): Promise<CampaignDefinition> {
    const run = await models.CampaignRun.findOne({ runId }, { definition: 1 }).lean();
    if (!run) throw new Error(`campaign run ${runId} was not begun`);
    return run.definition as CampaignDefinition;
  }

  return {
    /** Snapshots the definition for this run (a later edit does not change a run under way). */
    async beginCampaignRun(input: { campaignId: string; runId: string }): Promise<RunPlan> {
      const campaign = await models.Campaign.findOne({ campaignId: input.campaignId }).lean();
      if (!campaign || campaign.status !== 'active') return { runId: input.runId, campaignId: input.campaignId, active: false, windowMs: 0 };
      const definition = campaign.definition as CampaignDefinition;
      await models.CampaignRun.updateOne(
        { runId: input.runId },
        { $setOnInsert: { campaignId: input.campaignId, status: 'sending', startedAt: new Date(), definition } },
        { upsert: true },
      );
      return { runId: input.runId, campaignId: input.campaignId, active: true, ...(definition.quietHours ? { quietHours: definition.quietHours } : {}), windowMs: definition.goal.windowHours * HOUR };
    },

    /**
     * One page of the audience, after `cursor` in customer-id order. Decisions (arm, consent, cap)
     * are recorded first under the run × customer key, and the first one recorded wins, so a retry
     * after a crash re-reads them instead of deciding again; coupons and outbox rows follow under
     * the same key, so nobody is missed and nobody gets two.
     */
    async sendCampaignPage(input: { runId: string; cursor: string | null; pageSize: number; windowEndsAt: string }): Promise<PageResult> {
      const definition = await definitionOf(input.runId);
      const now = Date.now();
      const query = await audienceQuery(models, definition, now);
      if (input.cursor) query.customerId = { $gt: input.cursor };
      const page = (await models.Customer.find(trustedQuery(query), {
        customerId: 1, name: 1, lang: 1, tier: 1, phone: 1, email: 1, wechatOpenId: 1, appUserIds: 1, consent: 1, doNotContact: 1, _id: 0,
      })
        .sort({ customerId: 1 })
        .limit(input.pageSize)
        .lean()) as unknown as Recipient[];
      beat();
      if (page.length === 0) return { nextCursor: null, targeted: 0, holdout: 0, sent: 0, suppressed: 0 };
      const ids = page.map((c) => c.customerId);
      const decided = new Set((await models.CampaignTarget.find(trustedQuery({ runId: input.runId, customerId: { $in: ids } }), { customerId: 1 }).lean()).map((t) => t.customerId));

      const cap = definition.frequencyCap;
      const recent = new Map<string, number>();
      if (cap) {
        const since = new Date(now - cap.perDays * DAY);
        const undecided = ids.filter((id) => !decided.has(id));
        const rows = undecided.length
          ? await models.Delivery.find(trustedQuery({ customerId: { $in: undecided }, purpose: 'marketing', createdAt: { $gte: since } }), { customerId: 1 }).lean()
          : [];
        for (const r of rows) recent.set(r.customerId, (recent.get(r.customerId) ?? 0) + 1);
      }

      const windowEndsAt = new Date(input.windowEndsAt);
      const fresh = page
        .filter((c) => !decided.has(c.customerId))
        .map((c) => {
          const key = recipientKey(input.runId, c.customerId);
          const arm = assignArm(definition.campaignId, c.customerId, definition.holdoutShare, definition.variants);
          const base = { targetKey: key, runId: input.runId, campaignId: definition.campaignId, customerId: c.customerId, variant: arm.variant, holdout: arm.holdout, windowEndsAt };
          if (arm.holdout) return { ...base, outcome: 'holdout' };
          const decision = contactDecision(c, definition.channels, recent.get(c.customerId) ?? 0, cap);
          if (!decision.send) return { ...base, outcome: decision.reason };
          return { ...base, outcome: 'sent', channel: decision.channel, deliveryKey: key, ...(definition.offer ? { couponCode: couponCodeFor(key, digest) } : {}) };
        });
      await insertManyOnce(models.CampaignTarget as never, fresh);
      beat();

      const targets = await models.CampaignTarget.find(trustedQuery({ runId: input.runId, customerId: { $in: ids } })).lean();
      const byId = new Map(page.map((c) => [c.customerId, c]));
      const sending = targets.filter((t) => t.outcome === 'sent');
      const expiresAt = definition.offer ? now + definition.offer.expiryDays * DAY : 0;
      if (definition.offer) {
        const offer = definition.offer;
        await insertManyOnce(
          models.Coupon as never,
          sending.map((t) => ({
            couponKey: t.targetKey,
            code: t.couponCode!,
            customerId: t.customerId,
            source: `campaign:${definition.campaignId}`,
            amount: definition.variants.find((v) => v.id === t.variant)?.offerAmount ?? offer.amount,
            threshold: offer.threshold,
            expiresAt: new Date(expiresAt),
          })),
        );
      }
      const notBefore = new Date(now + quietHoursWait(now, definition.quietHours));
      await insertManyOnce(
        models.Delivery as never,
        sending.map((t) => {
          const customer = byId.get(t.customerId)!;
          const variant = definition.variants.find((v) => v.id === t.variant) ?? definition.variants[0]!;
          const amount = variant.offerAmount ?? definition.offer?.amount;
          const text = renderTemplate(variant.templates[customer.lang] ?? variant.templates.zh, {
            name: customer.name,
            tier: customer.tier,
            ...(t.couponCode ? { coupon: t.couponCode } : {}),
            ...(amount !== undefined ? { amount: String(amount) } : {}),
            ...(definition.offer ? { threshold: String(definition.offer.threshold), expiry: formatDate(expiresAt) } : {}),
          });
          return {
            idempotencyKey: t.deliveryKey!,
            channel: t.channel!,
            customerId: t.customerId,
            to: addressFor(t.channel as CampaignChannel, customer) ?? '',
            text,
            purpose: 'marketing',
            status: 'queued',
            notBefore,
          };
        }).filter((d) => d.to),
      );
      beat();
      return {
        nextCursor: page.length < input.pageSize ? null : page[page.length - 1]!.customerId,
        targeted: targets.length,
        holdout: targets.filter((t) => t.outcome === 'holdout').length,
        sent: sending.length,
        suppressed: targets.length - sending.length - targets.filter((t) => t.outcome === 'holdout').length,
      };
    },

    async markCampaignSent(input: { runId: string; windowEndsAt: string }): Promise<void> {
      await models.CampaignRun.updateOne({ runId: input.runId }, { $set: { status: 'awaiting_conversions', sentAt: new Date(), windowEndsAt: new Date(input.windowEndsAt) } });
    },

    /** Conversions signalled in by purchase events; the first purchase in the window counts, once. */
    async recordConversions(input: { runId: string; conversions: Conversion[] }): Promise<number> {
      let recorded = 0;
      for (const c of input.conversions) {
        const result = await models.CampaignTarget.updateOne(
          trustedQuery({ targetKey: recipientKey(input.runId, c.customerId), convertedAt: { $exists: false }, windowEndsAt: { $gte: new Date(c.at) } }),
          { $set: { convertedAt: new Date(c.at), conversionEventId: c.eventId, revenue: c.amount } },
        );
        recorded += result.modifiedCount;
      }
      return recorded;
    },

    async completeCampaignRun(input: { runId: string }): Promise<void> {
      await models.CampaignRun.updateOne({ runId: input.runId }, { $set: { status: 'completed', completedAt: new Date() } });
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
