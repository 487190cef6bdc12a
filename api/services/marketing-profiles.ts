import { trustedQuery } from '../../activities/db/marketing';
import type { Models } from '../../activities/db/models';
import { createCouponLedger } from '../../activities/marketing/coupons';
import type { RfmStore } from '../../activities/marketing/rfm';
import { maskPii } from '../../domain/pii';
import { HttpError, notFound } from '../errors';

const TIER_ORDER = ['standard', 'silver', 'gold', 'platinum'] as const;
type Tier = (typeof TIER_ORDER)[number];
const CHANNELS = ['sms', 'email', 'wechat', 'app'] as const;
type Channel = (typeof CHANNELS)[number];

export interface ProfileLookup {
  phone?: string;
  email?: string;
  wechatOpenId?: string;
  webVisitorId?: string;
  appUserId?: string;
  tier?: Tier;
  segment?: string;
  limit: number;
}

export interface ProfilePatch {
  name?: string;
  lang?: 'zh' | 'en';
  tier?: Tier;
  tags?: string[];
  preferences?: { categories?: string[]; preferredChannel?: Channel; offers?: boolean };
}

export type ConsentPatch = Partial<Record<Channel, boolean>> & { doNotContact?: boolean };

/** Profiles: one customer across channels, with consent, tier, tags and preferences. */
export function createProfileService(deps: { models: Models; rfm: RfmStore }) {
  const { models } = deps;

  async function requireCustomer(customerId: string) {
    const row = await models.Customer.findOne({ customerId }).lean();
    if (!row) throw notFound(`Customer "${customerId}"`);
    return row;
  }

  function present(row: Awaited<ReturnType<typeof requireCustomer>>, revealPii: boolean) {
    const mask = (value?: string | null) => (value ? (revealPii ? value : maskPii(value)) : undefined);
    const r = row;
    return {
      customerId: row.customerId,
      name: row.name,
      lang: row.lang,
      tier: row.tier,
      identities: {
        phone: mask(row.phone),
        email: mask(row.email),
        wechatOpenId: row.wechatOpenId ?? undefined,
        webVisitorIds: r.webVisitorIds ?? [],
        appUserIds: r.appUserIds ?? [],
      },
      consent: row.consent,
      doNotContact: row.doNotContact,
      tags: row.tags,
      preferences: row.preferences ?? {},
      rfm: row.rfm ?? null,
      ...(row.mergedInto ? { mergedInto: row.mergedInto } : {}),
    };
  }

  return {
    async get(customerId: string, revealPii: boolean) {
      const row = await requireCustomer(customerId);
      const [coupons, events] = await Promise.all([
        models.Coupon.find({ customerId }, { _id: 0, code: 1, source: 1, amount: 1, threshold: 1, expiresAt: 1, redeemedAt: 1 }).sort({ createdAt: -1 }).limit(20).lean(),
        models.BehaviourEvent.find({ customerId }, { _id: 0, eventId: 1, type: 1, occurredAt: 1, properties: 1 }).sort({ occurredAt: -1 }).limit(20).lean(),
      ]);
      return { ...present(row, revealPii), coupons, recentEvents: events };
    },

    /** Finds profiles by any channel identity, or lists by tier or RFM segment. */
    async find(lookup: ProfileLookup, revealPii: boolean) {
      const filter: Record<string, unknown> = {};
      if (lookup.phone) filter.phone = lookup.phone;
      if (lookup.email) filter.email = lookup.email.toLowerCase();
      if (lookup.wechatOpenId) filter.wechatOpenId = lookup.wechatOpenId;
      if (lookup.webVisitorId) filter.webVisitorIds = lookup.webVisitorId;
      if (lookup.appUserId) filter.appUserIds = lookup.appUserId;
      if (lookup.tier) filter.tier = lookup.tier;
      if (lookup.segment) filter['rfm.segment'] = lookup.segment;
      const rows = await models.Customer.find(filter).sort({ customerId: 1 }).limit(lookup.limit).lean();
      return rows.map((row) => present(row, revealPii));
    },

    async update(customerId: string, patch: ProfilePatch, revealPii: boolean) {
      await requireCustomer(customerId);
      const set: Record<string, unknown> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.lang !== undefined) set.lang = patch.lang;
      if (patch.tier !== undefined) set.tier = patch.tier;
      if (patch.tags !== undefined) set.tags = [...new Set(patch.tags)];
      for (const [key, value] of Object.entries(patch.preferences ?? {})) set[`preferences.${key}`] = value;
      if (Object.keys(set).length > 0) await models.Customer.updateOne({ customerId }, { $set: set });
      return present(await requireCustomer(customerId), revealPii);
    },

    async setConsent(customerId: string, patch: ConsentPatch, revealPii: boolean) {
      const before = await requireCustomer(customerId);
      const set: Record<string, boolean> = {};
      for (const channel of CHANNELS) if (patch[channel] !== undefined) set[`consent.${channel}`] = patch[channel];
      if (patch.doNotContact !== undefined) set.doNotContact = patch.doNotContact;
      await models.Customer.updateOne({ customerId }, { $set: set });
      // Marketing already queued where consent is now withdrawn is stopped, and its coupons voided.
      const withdrawn = patch.doNotContact ? [...CHANNELS] : CHANNELS.filter((channel) => patch[channel] === false);
      if (withdrawn.length) await createCouponLedger(models).stopQueuedMarketing(customerId, withdrawn, patch.doNotContact ? 'do_not_contact' : 'no_consent');
      return { before: { consent: before.consent, doNotContact: before.doNotContact }, profile: present(await requireCustomer(customerId), revealPii) };
    },

    /**
     * Merges a duplicate profile into this one: channel identities and tags are united, each
     * channel keeps the consent that goes with its address, do-not-contact wins, the higher tier
     * stays; events, orders and coupons move over; the duplicate is kept, marked merged, never contacted.
     */
    async merge(targetId: string, sourceId: string, revealPii: boolean) {
      if (targetId === sourceId) throw new HttpError(400, 'invalid_request', 'A profile cannot be merged into itself.');
      const [target, source] = await Promise.all([requireCustomer(targetId), requireCustomer(sourceId)]);
      if (source.mergedInto) throw new HttpError(409, 'conflict', `Customer "${sourceId}" was already merged into "${source.mergedInto}".`);
      if (target.mergedInto) throw new HttpError(409, 'conflict', `Customer "${targetId}" was merged into "${target.mergedInto}"; merge into that profile instead.`);
      const t = target;
      const s = source;
      const address: Record<Channel, (c: typeof t) => unknown> = { sms: (c) => c.phone, email: (c) => c.email, wechat: (c) => c.wechatOpenId, app: (c) => c.appUserIds?.length };
      // Consent belongs to an address: the duplicate's counts only for a channel it brings the address for.
      const consent = Object.fromEntries(CHANNELS.map((ch) => [ch, !address[ch](t) && address[ch](s) ? Boolean(s.consent?.[ch]) : Boolean(t.consent?.[ch])]));
      const tier = TIER_ORDER[Math.max(TIER_ORDER.indexOf(t.tier), TIER_ORDER.indexOf(s.tier))];
      await models.Customer.updateOne(
        { customerId: targetId },
        {
          $set: {
            phone: t.phone ?? s.phone,
            email: t.email ?? s.email,
            wechatOpenId: t.wechatOpenId ?? s.wechatOpenId,
            webVisitorIds: [...new Set([...(t.webVisitorIds ?? []), ...(s.webVisitorIds ?? [])])],
            appUserIds: [...new Set([...(t.appUserIds ?? []), ...(s.appUserIds ?? [])])],
            tags: [...new Set([...(t.tags ?? []), ...(s.tags ?? [])])],
            consent,
            doNotContact: Boolean(t.doNotContact || s.doNotContact),
            tier,
          },
        },
      );
      const moved = await Promise.all([
        models.BehaviourEvent.updateMany({ customerId: sourceId }, { $set: { customerId: targetId } }),
        models.Order.updateMany({ customerId: sourceId }, { $set: { customerId: targetId } }),
        models.Coupon.updateMany({ customerId: sourceId }, { $set: { customerId: targetId } }),
      ]);
      // The duplicate keeps its identities for history but can no longer be found by them or contacted.
      await models.Customer.updateOne(
        { customerId: sourceId },
        { $set: { mergedInto: targetId, doNotContact: true }, $unset: { phone: '', email: '', wechatOpenId: '' } },
      );
      await models.Customer.updateOne({ customerId: sourceId }, { $set: { webVisitorIds: [], appUserIds: [] } });
      await deps.rfm.refreshCustomer(targetId);
      return {
        profile: present(await requireCustomer(targetId), revealPii),
        moved: { events: moved[0].modifiedCount, orders: moved[1].modifiedCount, coupons: moved[2].modifiedCount },
      };
    },

    /** Segment sizes: the RFM segments and everyone not yet scored. */
    async segmentCounts(): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      for await (const c of models.Customer.find(trustedQuery({ mergedInto: { $exists: false } }), { 'rfm.segment': 1, _id: 0 }).lean().cursor()) {
        const segment = c.rfm?.segment ?? 'unscored';
        counts[segment] = (counts[segment] ?? 0) + 1;
      }
      return counts;
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
