import { createHash } from 'node:crypto';
import type { Models } from '../db/models';
import { insertManyOnce, insertReportingDuplicates, trustedQuery } from '../db/marketing';
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

/** Point lookups in flight at once for one page (FerretDB answers each from an index). */
const LOOKUP_CONCURRENCY = 8;

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

export function audiencePageKey(snapshotId: string, page: number): string {
  return `${snapshotId}:${page}`;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const RECIPIENT_FIELDS = { customerId: 1, name: 1, lang: 1, tier: 1, phone: 1, email: 1, wechatOpenId: 1, appUserIds: 1, consent: 1, doNotContact: 1, _id: 0 } as const;

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
export function createCampaignActivities(deps: { models: Models; heartbeat?: () => void; attempt?: () => number; cancelled?: () => boolean }) {
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
     * Reads the audience once, with one cursor in storage order (a sort would make FerretDB load and
     * order the whole collection before the first row), and stores it in pages the run then sends
     * one by one. Each attempt writes a snapshot of its own, named by the attempt: an attempt the
     * server has given up on (a missed heartbeat) may still be writing, and its pages never mix with
     * the retry's. The run sends from the snapshot whose attempt completed.
     */
    async snapshotAudience(input: { runId: string; pageSize: number }): Promise<{ pages: number; recipients: number; snapshotId: string }> {
      const definition = await definitionOf(input.runId);
      const snapshotId = `${input.runId}:a${deps.attempt?.() ?? 1}`;
      // Called again under the same name (outside a worker, where every call is attempt 1): start over.
      await models.AudiencePage.deleteMany({ snapshotId });
      const query = await audienceQuery(models, definition, Date.now());
      const cursor = models.Customer.find(trustedQuery(query), RECIPIENT_FIELDS).lean().cursor({ batchSize: 2_000 });
      // A sparse audience may take the database a while to fill one batch: heartbeat on a clock meanwhile.
      const pulse = setInterval(beat, 5_000);
      let pages = 0;
      let recipients = 0;
      let batch: Recipient[] = [];
      const flush = async () => {
        await insertManyOnce(models.AudiencePage as never, [{ pageKey: audiencePageKey(snapshotId, pages), runId: input.runId, snapshotId, page: pages, recipients: batch }]);
        pages++;
        recipients += batch.length;
        batch = [];
      };
      try {
        for await (const row of cursor) {
          const { appUserIds, ...rest } = row as unknown as Recipient;
          batch.push({ ...rest, ...(appUserIds?.length ? { appUserIds: appUserIds.slice(0, 1) } : {}) });
          if (batch.length >= input.pageSize) {
            if (deps.cancelled?.()) throw new Error(`snapshot ${snapshotId} abandoned: the attempt was cancelled`);
            await flush();
          }
        }
        if (batch.length) await flush();
      } finally {
        clearInterval(pulse);
        await cursor.close().catch(() => undefined);
      }
      return { pages, recipients, snapshotId };
    },

    /**
     * One page of the snapshot. Decisions (arm, consent, cap) are recorded first under the run ×
     * customer key, and the first one recorded wins, so a retry after a crash reads them back
     * instead of deciding again; coupons and outbox rows follow under the same key, so nobody is
     * missed and nobody gets two.
     */
    async sendCampaignPage(input: { runId: string; page: number; windowEndsAt: string; snapshotId?: string }): Promise<PageResult> {
      const definition = await definitionOf(input.runId);
      const now = Date.now();
      // Runs begun before snapshots were named by attempt keyed their pages by the run alone.
      const pageKey = input.snapshotId ? audiencePageKey(input.snapshotId, input.page) : `${input.runId}:${input.page}`;
      const stored = await models.AudiencePage.findOne({ pageKey }).lean();
      if (!stored) throw new Error(`page ${input.page} of run ${input.runId} is not in the audience snapshot`);
      const page = stored.recipients as Recipient[];
      beat();
      if (page.length === 0) return { targeted: 0, holdout: 0, sent: 0, suppressed: 0 };
      const ids = page.map((c) => c.customerId);
      const cap = definition.frequencyCap;
      const recent = new Map<string, number>();
      if (cap) {
        const since = new Date(now - cap.perDays * DAY);
        const ownKeys = new Set(ids.map((id) => recipientKey(input.runId, id)));
        // One lookup per customer by customerId (an indexed equality), not one `$in` over the page,
        // which FerretDB answers by reading every delivery ever made.
        await eachLimited(ids, LOOKUP_CONCURRENCY, async (customerId) => {
          const rows = await models.Delivery.find(trustedQuery({ customerId, purpose: 'marketing', createdAt: { $gte: since } }), { idempotencyKey: 1 }).lean();
          // This run's own sends (from an earlier attempt at this page) do not count against the cap.
          const others = rows.filter((r) => !ownKeys.has(r.idempotencyKey)).length;
          if (others) recent.set(customerId, others);
        });
      }

      const windowEndsAt = new Date(input.windowEndsAt);
      const decisions = page.map((c) => {
        const key = recipientKey(input.runId, c.customerId);
        const arm = assignArm(definition.campaignId, c.customerId, definition.holdoutShare, definition.variants);
        const base = { targetKey: key, runId: input.runId, campaignId: definition.campaignId, customerId: c.customerId, variant: arm.variant, holdout: arm.holdout, windowEndsAt };
        if (arm.holdout) return { ...base, outcome: 'holdout' };
        const decision = contactDecision(c, definition.channels, recent.get(c.customerId) ?? 0, cap);
        if (!decision.send) return { ...base, outcome: decision.reason };
        return { ...base, outcome: 'sent', channel: decision.channel, deliveryKey: key, ...(definition.offer ? { couponCode: couponCodeFor(key, digest) } : {}) };
      });
      const alreadyDecided = await insertReportingDuplicates(models.CampaignTarget as never, decisions);
      beat();
      // The first decision recorded wins: where an earlier attempt got there first, its row is the one acted on.
      // Read back by key, one indexed lookup each: only the rows an earlier attempt wrote.
      const earlier = new Map<string, unknown>();
      await eachLimited(alreadyDecided, LOOKUP_CONCURRENCY, async (i) => {
        const row = await models.CampaignTarget.findOne({ targetKey: decisions[i]!.targetKey }).lean();
        if (row) earlier.set(row.customerId, row);
      });
      const targets = decisions.map((d) => (earlier.get(d.customerId) ?? d) as (typeof decisions)[number] & { couponCode?: string; deliveryKey?: string; channel?: string });
      const byId = new Map(page.map((c) => [c.customerId, c]));
      const sending = targets.filter((t) => t.outcome === 'sent');
      const expiresAt = definition.offer ? now + definition.offer.expiryDays * DAY : 0;
      if (definition.offer) {
        const offer = definition.offer;
        await insertManyOnce(
          models.Coupon as never,
          sending.map((t) => ({
            couponKey: t.targetKey,
            deliveryKey: t.deliveryKey,
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
            source: input.runId,
          };
        }).filter((d) => d.to),
      );
      beat();
      return {
        targeted: targets.length,
        holdout: targets.filter((t) => t.outcome === 'holdout').length,
        sent: sending.length,
        suppressed: targets.length - sending.length - targets.filter((t) => t.outcome === 'holdout').length,
      };
    },

    async markCampaignSent(input: { runId: string; windowEndsAt: string }): Promise<void> {
      await models.CampaignRun.updateOne({ runId: input.runId }, { $set: { status: 'awaiting_conversions', sentAt: new Date(), windowEndsAt: new Date(input.windowEndsAt) } });
      // Every page is sent: the snapshots (names and addresses) are not kept past their use.
      await models.AudiencePage.deleteMany({ runId: input.runId });
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
      // Pages an abandoned snapshot attempt may have written after the run finished sending.
      await models.AudiencePage.deleteMany({ runId: input.runId });
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
