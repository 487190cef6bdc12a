import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kickOutbox } from '../../activities/channels/outbox';
import { trustedQuery } from '../../activities/db/marketing';
import { startFakeSmsGateway } from '../helpers/fake-channel-peers';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

const SMS_SECRET = 'sms-signing-secret-for-marketing-tests';
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let system: TestSystem;
let marketer: string;
let ops: string;
let agent: string;
const DAY = 86_400_000;

beforeAll(async () => {
  sms = await startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: SMS_SECRET });
  system = await startTestSystem('marketing', {
    SMS_GATEWAY_URL: sms.url,
    SMS_API_KEY: 'sms-key',
    SMS_SIGNING_SECRET: SMS_SECRET,
    QUIET_HOURS: 'off',
    // Campaign rows go out when the test wakes the outbox, not on a poll: what changes before then is up to the test.
    OUTBOX_POLL_INTERVAL: '1h',
  });
  [marketer, ops, agent] = await Promise.all([system.token('marketer'), system.token('ops'), system.token('agent')]);
});

afterAll(async () => {
  // Campaign runs wait out their conversion window on the shared dev server: end them with the file.
  for (const run of (await system?.db.models.CampaignRun.find({}, { runId: 1 }).lean()) ?? []) {
    await system.client.workflow.getHandle(run.runId).terminate('test finished').catch(() => undefined);
  }
  for (const c of (await system?.db.models.Campaign.find({}, { campaignId: 1 }).lean()) ?? []) {
    await system.client.schedule.getHandle(`campaign-${c.campaignId}`).delete().catch(() => undefined);
  }
  await system?.stop();
  await sms?.close();
});

const api = (method: string, path: string, token: string, body?: unknown) => http(system.api.url, method, path, { token, ...(body === undefined ? {} : { body }) });

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const purchase = (eventId: string, customerId: string, amount: number, daysAgo: number, items = ['KB-BOTTLE']) => ({
  eventId,
  customerId,
  type: 'purchase',
  occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
  properties: { amount, items },
});

describe('profiles', () => {
  it('reads a profile across channels, masked for a marketer', async () => {
    const res = await api('GET', '/api/profiles/c-1001', marketer);
    expect(res.status).toBe(200);
    const profile = res.json as { identities: { phone: string; wechatOpenId: string }; tier: string; consent: Record<string, boolean>; recentEvents: unknown[] };
    expect(profile.identities.phone).toBe('138****8001');
    expect(profile.identities.wechatOpenId).toBe('o-wx-1001');
    expect(profile.tier).toBe('gold');
    expect(profile.recentEvents.length).toBeGreaterThan(0);
    expect((await api('GET', '/api/profiles/nobody', marketer)).status).toBe(404);
    expect((await api('GET', '/api/profiles/c-1001?reveal=true', marketer)).status).toBe(403);
    const supervisor = await system.token('supervisor');
    expect(((await api('GET', '/api/profiles/c-1001', supervisor)).json as typeof profile).identities.phone).toBe('138****8001');
    expect(((await api('GET', '/api/profiles/c-1001?reveal=true', supervisor)).json as typeof profile).identities.phone).toBe('13800138001');
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'pii.reveal', 'target.id': 'c-1001', 'actor.id': 'supervisor' })).toBe(1);
    const found = await api('GET', '/api/profiles?wechatOpenId=o-wx-1006', marketer);
    expect((found.json.profiles as Array<{ customerId: string }>).map((p) => p.customerId)).toEqual(['c-1006']);
  });

  it('changes tier, tags and preferences, and refuses bad input and the wrong role', async () => {
    const res = await api('PATCH', '/api/profiles/c-1002', marketer, { tier: 'gold', tags: ['vip', 'vip', 'home'], preferences: { categories: ['home'], preferredChannel: 'email' } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.tier).toBe('gold');
    expect(res.json.tags).toEqual(['vip', 'home']);
    expect(res.json.preferences).toMatchObject({ categories: ['home'], preferredChannel: 'email' });
    const bad = await api('PATCH', '/api/profiles/c-1002', marketer, { tier: 'diamond', preferences: { channel: 'fax' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('body.tier');
    expect((await api('PATCH', '/api/profiles/c-1002', marketer, {})).status).toBe(400);
    expect((await api('PATCH', '/api/profiles/c-1002', marketer, { tags: [{ $ne: 1 }] })).status).toBe(400);
    expect((await api('PATCH', '/api/profiles/c-1002', agent, { tier: 'gold' })).status).toBe(403);
  });

  it('sets consent and do-not-contact, audited', async () => {
    const res = await api('PUT', '/api/profiles/c-1004/consent', marketer, { email: true, doNotContact: false });
    expect(res.status).toBe(200);
    expect(res.json.consent).toMatchObject({ sms: true, email: true });
    expect((await api('PUT', '/api/profiles/c-1004/consent', marketer, { sms: 'yes' })).status).toBe(400);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'profile.consent_change', 'target.id': 'c-1004' })).toBe(1);
  });

  it('merges a duplicate: identities united, consent kept with its address, events moved, duplicate never contacted', async () => {
    await system.db.models.Customer.create({
      customerId: 'c-dup-1005', name: 'James L', lang: 'en', tier: 'gold', wechatOpenId: 'o-wx-dup', appUserIds: ['app-77'], webVisitorIds: ['v-9'],
      consent: { sms: true, email: false, wechat: true, app: false }, tags: ['app-user'],
    });
    expect((await api('POST', '/api/events', ops, purchase('merge-p1', 'c-dup-1005', 88, 3))).status).toBe(202);
    const res = await api('POST', '/api/profiles/c-1005/merge', marketer, { from: 'c-dup-1005' });
    expect(res.status, res.text).toBe(200);
    const profile = res.json.profile as { identities: { wechatOpenId: string; appUserIds: string[]; webVisitorIds: string[] }; consent: Record<string, boolean>; tier: string; tags: string[]; rfm: { frequency: number } };
    expect(profile.identities.wechatOpenId).toBe('o-wx-dup');
    expect(profile.identities.appUserIds).toEqual(['app-77']);
    expect(profile.identities.webVisitorIds).toEqual(['v-9']);
    // Consent goes with the address: e-mail stays c-1005's own; WeChat and the app id came from the duplicate, with its consent for them.
    expect(profile.consent).toEqual({ sms: false, email: true, wechat: true, app: false });
    expect(profile.tier).toBe('gold');
    expect(profile.tags).toContain('app-user');
    expect(profile.rfm.frequency).toBe(2);
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: 'c-dup-1005' })).toBe(0);
    const duplicate = await system.db.models.Customer.findOne({ customerId: 'c-dup-1005' }).lean();
    expect(duplicate).toMatchObject({ mergedInto: 'c-1005', doNotContact: true });
    expect((await api('POST', '/api/profiles/c-1005/merge', marketer, { from: 'c-dup-1005' })).status).toBe(409);
    expect((await api('POST', '/api/profiles/c-1005/merge', marketer, { from: 'c-1005' })).status).toBe(400);
  });
});

describe('events', () => {
  it('takes single and batch events idempotently and refuses an invalid batch whole', async () => {
    const first = await api('POST', '/api/events', ops, { eventId: 'ev-view-1', customerId: 'c-1003', type: 'product_view', properties: { sku: 'PH-X5-256' } });
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ accepted: 1, duplicates: 0 });
    const again = await api('POST', '/api/events', ops, { eventId: 'ev-view-1', customerId: 'c-1003', type: 'product_view', properties: { sku: 'PH-X5-256' } });
    expect(again.json).toEqual({ accepted: 0, duplicates: 1 });

    const bad = await api('POST', '/api/events/batch', ops, {
      events: [
        { eventId: 'ev-b-1', customerId: 'c-1003', type: 'page_view', properties: { path: '/' } },
        { eventId: 'ev-b-2', customerId: 'c-1003', type: 'purchase', properties: { amount: -5, items: [] } },
        { eventId: 'ev-b-3', customerId: 'c-1003', type: 'teleport', properties: {} },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('body.events.1.properties.amount');
    expect(await system.db.models.BehaviourEvent.countDocuments({ eventId: 'ev-b-1' })).toBe(0);

    const batch = await api('POST', '/api/events/batch', ops, {
      events: [
        { eventId: 'ev-b-1', customerId: 'c-1003', type: 'page_view', properties: { path: '/' } },
        { eventId: 'ev-b-4', customerId: 'c-1003', type: 'add_to_cart', properties: { sku: 'AC-CHG-67W' } },
        { eventId: 'ev-view-1', customerId: 'c-1003', type: 'product_view', properties: { sku: 'PH-X5-256' } },
      ],
    });
    expect(batch.json).toEqual({ accepted: 2, duplicates: 1 });
    expect((await api('POST', '/api/events', agent, { eventId: 'x', customerId: 'c-1003', type: 'page_view', properties: { path: '/' } })).status).toBe(403);
  });

  it('updates the running RFM aggregate on each purchase, once per event', async () => {
    const before = (await system.db.models.Customer.findOne({ customerId: 'c-1011' }).lean())?.rfm?.frequency ?? 0;
    await api('POST', '/api/events', ops, purchase('agg-1', 'c-1011', 120, 1));
    await api('POST', '/api/events', ops, purchase('agg-1', 'c-1011', 120, 1));
    const after = await system.db.models.Customer.findOne({ customerId: 'c-1011' }).lean();
    expect(after?.rfm?.frequency).toBe(Math.max(before, 1) + (before === 0 ? 1 : 1));
    expect(after?.rfm?.lastPurchaseAt?.getTime()).toBeGreaterThan(Date.now() - 2 * DAY);
  });

  it('withdraws consent on unsubscribe', async () => {
    await api('POST', '/api/events', ops, { eventId: 'unsub-1', customerId: 'c-1006', type: 'unsubscribe', properties: { channel: 'sms' } });
    const row = await system.db.models.Customer.findOne({ customerId: 'c-1006' }).lean();
    expect(row?.consent?.sms).toBe(false);
    expect(row?.consent?.wechat).toBe(true);
  });
});

describe('RFM and segments', () => {
  it('rescores through a workflow and names segments', async () => {
    const res = await api('POST', '/api/rfm/rescore', marketer);
    expect(res.status, res.text).toBe(200);
    expect(res.json.customers).toBeGreaterThanOrEqual(10);
    const lost = await system.db.models.Customer.findOne({ customerId: 'c-1012' }).lean();
    expect(lost?.rfm?.segment).toBe('lost');
    const segments = await api('GET', '/api/segments', marketer);
    const rfm = segments.json.rfm as Array<{ segment: string; customers: number }>;
    expect(rfm.find((s) => s.segment === 'lost')?.customers).toBeGreaterThanOrEqual(1);
    expect(rfm.find((s) => s.segment === 'unscored')?.customers).toBeGreaterThanOrEqual(1);
  });

  it('defines marketer segments from validated filters only', async () => {
    const filter = { all: [{ field: 'tier', op: 'in', value: ['gold', 'platinum'] }, { field: 'purchases', op: 'gte', value: 1 }] };
    expect((await api('POST', '/api/segments/preview', marketer, { filter })).json.size).toBeGreaterThanOrEqual(3);
    const created = await api('POST', '/api/segments', marketer, { name: 'Top tiers who bought', filter });
    expect(created.status, created.text).toBe(201);
    const members = await api('GET', `/api/segments/${created.json.segmentId as string}`, marketer);
    expect((members.json.members as Array<{ tier: string }>).every((m) => ['gold', 'platinum'].includes(m.tier))).toBe(true);
    for (const bad of [{ all: [{ field: 'tier', op: '$where', value: '1' }] }, { all: [{ field: 'passwordHash', op: 'eq', value: 'x' }] }, { tier: { $ne: null } }]) {
      const res = await api('POST', '/api/segments', marketer, { name: 'bad', filter: bad });
      expect(res.status).toBe(400);
    }
    expect((await api('GET', '/api/segments/seg-000000000000', marketer)).status).toBe(404);
  });
});

const winBack = (overrides: Record<string, unknown> = {}) => ({
  name: 'Win-back',
  audience: { segments: ['at_risk', 'hibernating', 'lost'] },
  offer: { amount: 30, threshold: 199, expiryDays: 14 },
  channels: ['sms', 'email', 'app'],
  variants: [
    { id: 'a', weight: 1, templates: { zh: '{{name}},好久不见,送您{{amount}}元券 {{coupon}}', en: '{{name}}, we miss you: ¥{{amount}} off with {{coupon}}' } },
    { id: 'b', weight: 1, offerAmount: 50, templates: { zh: '{{name}},回来看看吧,{{amount}}元券 {{coupon}} {{expiry}}前有效', en: '{{name}}, come back: ¥{{amount}} off with {{coupon}} until {{expiry}}' } },
  ],
  holdoutShare: 0.3,
  schedule: { cron: '0 10 * * 1' },
  frequencyCap: { maxMessages: 3, perDays: 7 },
  goal: { event: 'purchase', windowHours: 72 },
  ...overrides,
});

describe('campaigns', () => {
  it('refuses bad definitions with messages naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ channels: [] }, 'body.channels'],
      [{ channels: ['fax'] }, 'body.channels.0'],
      [{ holdoutShare: 0.9 }, 'body.holdoutShare'],
      [{ schedule: { cron: '0 10 * * 1', intervalMinutes: 60 } }, 'body.schedule'],
      [{ schedule: { cron: 'every monday' } }, 'body.schedule.cron'],
      [{ audience: { segments: ['whales'] } }, 'body.audience.segments.0'],
      [{ audience: { 'rfm.segment': { $ne: null } } }, 'body.audience'],
      [{ offer: undefined }, 'body.offer'],
      [{ variants: [{ id: 'a', weight: 1, templates: { zh: '{{password}}', en: 'x' } }] }, 'body.variants.0.templates.zh'],
      [{ quietHours: { start: '25:00', end: '09:00' } }, 'body.quietHours.start'],
    ];
    for (const [override, field] of cases) {
      const res = await api('POST', '/api/campaigns', marketer, winBack(override));
      expect(res.status, `${JSON.stringify(override)} → ${res.text}`).toBe(400);
      expect(res.json.error?.message, JSON.stringify(override)).toContain(field);
    }
    expect((await api('POST', '/api/campaigns', marketer, winBack({ audience: { segmentId: 'seg-000000000000' } }))).status).toBe(400);
    expect((await api('POST', '/api/campaigns', agent, winBack())).status).toBe(403);
    expect(await system.db.models.Campaign.countDocuments()).toBe(0);
  });

  it('runs a win-back campaign on its Schedule: each coupon and message once, consent and hold-out honoured, conversions and uplift reported', async () => {
    // Forty lapsed customers on top of the demo shop, with purchases 5–10 months ago.
    await system.db.models.Customer.insertMany(
      Array.from({ length: 40 }, (_, i) => ({
        customerId: `c-lapsed-${String(i).padStart(2, '0')}`,
        name: `Lapsed ${i}`,
        lang: i % 2 ? 'en' : 'zh',
        phone: `1360000${String(i).padStart(4, '0')}`,
        consent: { sms: i % 10 !== 0, email: false, wechat: false, app: false },
        doNotContact: i === 5,
      })),
    );
    const history = Array.from({ length: 40 }, (_, i) => purchase(`lapsed-p-${i}`, `c-lapsed-${String(i).padStart(2, '0')}`, 100 + i, 150 + i * 4));
    expect((await api('POST', '/api/events/batch', ops, { events: history })).status).toBe(202);
    expect((await api('POST', '/api/rfm/rescore', marketer)).status).toBe(200);

    const created = await api('POST', '/api/campaigns', marketer, winBack());
    expect(created.status, created.text).toBe(201);
    const campaignId = created.json.campaignId as string;
    const schedule = created.json.schedule as { paused: boolean; nextRuns: string[] };
    expect(schedule.paused).toBe(false);
    expect(new Date(schedule.nextRuns[0]!).getUTCDay()).toBe(1);

    expect((await api('POST', `/api/campaigns/${campaignId}/pause`, marketer)).json.schedule).toMatchObject({ paused: true });
    expect((await api('POST', `/api/campaigns/${campaignId}/trigger`, marketer)).status).toBe(409);
    expect((await api('POST', `/api/campaigns/${campaignId}/resume`, marketer)).json.schedule).toMatchObject({ paused: false });
    expect((await api('POST', `/api/campaigns/${campaignId}/trigger`, marketer)).status).toBe(200);

    const run = await eventually(async () => (await system.db.models.CampaignRun.findOne({ campaignId, status: 'awaiting_conversions' }).lean()) ?? undefined, 'the run to finish sending');
    expect(run.runId.startsWith(`campaign-run-${campaignId}`)).toBe(true);
    const audience = await system.db.models.Customer.find(trustedQuery({ 'rfm.segment': { $in: ['at_risk', 'hibernating', 'lost'] } }), { customerId: 1 }).lean();
    const targets = await system.db.models.CampaignTarget.find({ runId: run.runId }).lean();
    expect(targets.map((t) => t.customerId).sort()).toEqual(audience.map((c) => c.customerId).sort());
    const byOutcome = (outcome: string) => targets.filter((t) => t.outcome === outcome);
    expect(byOutcome('holdout').length).toBeGreaterThan(0);
    expect(byOutcome('sent').length).toBeGreaterThan(0);
    // Everyone not held out is contacted exactly when they may be: not on do-not-contact, and consented on a channel the campaign uses.
    const profiles = new Map((await system.db.models.Customer.find({}, { customerId: 1, doNotContact: 1, consent: 1 }).lean()).map((c) => [c.customerId, c]));
    for (const t of targets.filter((x) => !x.holdout)) {
      const c = profiles.get(t.customerId)!;
      const expected = c.doNotContact ? 'do_not_contact' : c.consent?.sms || c.consent?.email ? 'sent' : 'no_consent';
      expect(t.outcome, t.customerId).toBe(expected);
    }

    const deliveries = (await system.db.models.Delivery.find({ purpose: 'marketing' }).lean()).filter((d) => d.idempotencyKey.startsWith(`campaign:${run.runId}:`));
    const sent = byOutcome('sent');
    expect(deliveries.map((d) => d.customerId).sort()).toEqual(sent.map((t) => t.customerId).sort());
    const coupons = await system.db.models.Coupon.find({ source: `campaign:${campaignId}` }).lean();
    expect(coupons.map((c) => c.customerId).sort()).toEqual(sent.map((t) => t.customerId).sort());
    const sample = sent.find((t) => t.variant === 'b') ?? sent[0]!;
    const text = deliveries.find((d) => d.customerId === sample.customerId)!.text;
    expect(text).toContain(sample.couponCode!);
    expect(text).toContain(sample.variant === 'b' ? '50' : '30');
    expect(coupons.find((c) => c.customerId === sample.customerId)!.amount).toBe(sample.variant === 'b' ? 50 : 30);

    // Two recipients and one held-out customer buy; a purchase by someone outside the audience counts for nothing.
    const buyers = [sent[0]!, sent[1] ?? sent[0]!, byOutcome('holdout')[0]!];
    for (const [i, buyer] of buyers.entries()) {
      const res = await api('POST', '/api/events', ops, { ...purchase(`conv-${i}`, buyer.customerId, 200 + i, 0), occurredAt: new Date().toISOString() });
      expect(res.status).toBe(202);
    }
    await api('POST', '/api/events', ops, { eventId: 'redeem-1', customerId: sent[0]!.customerId, type: 'coupon_redeemed', properties: { code: sent[0]!.couponCode } });
    const converted = new Set(buyers.map((b) => b.customerId)).size;
    await eventually(async () => ((await system.db.models.CampaignTarget.countDocuments(trustedQuery({ runId: run.runId, convertedAt: { $exists: true } }))) === converted ? true : undefined), 'the conversions');
    expect((await system.db.models.Coupon.findOne({ code: sent[0]!.couponCode }).lean())?.redeemedAt).toBeTruthy();

    const report = await api('GET', `/api/campaigns/${campaignId}/report`, marketer);
    expect(report.status).toBe(200);
    const body = report.json as { total: { targeted: number; sent: number; converted: number; revenue: number }; holdout: { targeted: number; converted: number }; variants: Array<{ variant: string; upliftVsHoldout: { pValue: number } | null }>; upliftVsHoldout: { uplift: number; pValue: number } };
    expect(body.total.targeted + body.holdout.targeted).toBe(targets.length);
    expect(body.total.sent).toBe(sent.length);
    expect(body.total.converted + body.holdout.converted).toBe(converted);
    expect(body.holdout.converted).toBe(1);
    expect(body.upliftVsHoldout.pValue).toBeGreaterThan(0);
    expect(body.variants.map((v) => v.variant).sort()).toEqual([...new Set(targets.filter((t) => !t.holdout).map((t) => t.variant))].sort());
    expect((await api('GET', `/api/campaigns/${campaignId}/report?runId=nope`, marketer)).status).toBe(404);

    expect((await api('DELETE', `/api/campaigns/${campaignId}`, marketer)).status).toBe(200);
    expect((await api('GET', `/api/campaigns/${campaignId}`, marketer)).status).toBe(404);
  });
});

describe('consent at send time', () => {
  it('a customer who withdraws consent, unsubscribes or is put on do-not-contact while a run is under way gets no marketing message', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `c-consent-${i}`);
    const phoneOf = (i: number) => `1370000000${i}`;
    await system.db.models.Customer.insertMany(ids.map((customerId, i) => ({ customerId, name: `Consent ${i}`, lang: 'zh', phone: phoneOf(i), tags: ['consent-check'], consent: { sms: true, email: false, wechat: false, app: false } })));
    const segment = await api('POST', '/api/segments', marketer, { name: 'Consent check', filter: { all: [{ field: 'tags', op: 'contains', value: 'consent-check' }] } });
    expect(segment.status, segment.text).toBe(201);
    const created = await api('POST', '/api/campaigns', marketer, winBack({ name: 'Consent check', audience: { segmentId: segment.json.segmentId }, channels: ['sms'], holdoutShare: 0, frequencyCap: undefined }));
    expect(created.status, created.text).toBe(201);
    const campaignId = created.json.campaignId as string;
    expect((await api('POST', `/api/campaigns/${campaignId}/trigger`, marketer)).status).toBe(200);
    const run = await eventually(async () => (await system.db.models.CampaignRun.findOne({ campaignId, status: 'awaiting_conversions' }).lean()) ?? undefined, 'the run to finish sending');
    const ofRun = async () => (await system.db.models.Delivery.find({ purpose: 'marketing' }).lean()).filter((d) => d.idempotencyKey.startsWith(`campaign:${run.runId}:`));
    // Everyone was consented when the run decided: six rows wait in the outbox, none sent yet.
    const queued = await ofRun();
    expect(queued.map((d) => d.customerId).sort()).toEqual(ids);
    expect(queued.every((d) => d.status === 'queued')).toBe(true);
    expect(sms.sent.filter((m) => ids.some((_, i) => m.to === phoneOf(i)))).toEqual([]);

    // Before the outbox gets to them: one withdraws SMS consent, one is put on do-not-contact, one unsubscribes from everything.
    expect((await api('PUT', '/api/profiles/c-consent-0/consent', marketer, { sms: false })).status).toBe(200);
    expect((await api('PUT', '/api/profiles/c-consent-1/consent', marketer, { doNotContact: true })).status).toBe(200);
    expect((await api('POST', '/api/events', ops, { eventId: 'consent-unsub-2', customerId: 'c-consent-2', type: 'unsubscribe', properties: { channel: 'all' } })).status).toBe(202);

    await kickOutbox(system.client, system.config.temporal.taskQueue, system.config.channels.outbox);
    const settled = await eventually(async () => {
      const rows = await ofRun();
      return rows.every((d) => d.status !== 'queued') ? rows : undefined;
    }, 'the outbox to settle the run\'s rows');
    const reason = (customerId: string) => settled.find((d) => d.customerId === customerId)?.failureReason;
    expect(reason('c-consent-0')).toBe('no_consent');
    expect(reason('c-consent-1')).toBe('do_not_contact');
    expect(reason('c-consent-2')).toBe('do_not_contact');
    expect(settled.filter((d) => d.status === 'sent').map((d) => d.customerId).sort()).toEqual(['c-consent-3', 'c-consent-4', 'c-consent-5']);
    // The gateway saw exactly the three who may still be contacted, once each.
    expect(sms.sent.filter((m) => ids.some((_, i) => m.to === phoneOf(i))).map((m) => m.to).sort()).toEqual([phoneOf(3), phoneOf(4), phoneOf(5)]);

    // The three stopped messages' coupons were voided, and the report counts them as not sent.
    const coupons = await system.db.models.Coupon.find({ source: `campaign:${campaignId}` }).lean();
    expect(coupons.filter((c) => c.voidedAt).map((c) => c.customerId).sort()).toEqual(['c-consent-0', 'c-consent-1', 'c-consent-2']);
    expect(coupons.filter((c) => !c.voidedAt).map((c) => c.customerId).sort()).toEqual(['c-consent-3', 'c-consent-4', 'c-consent-5']);
    // A voided coupon cannot be used; a live one redeemed at the checkout counts as the campaign's conversion.
    const voided = coupons.find((c) => c.customerId === 'c-consent-0')!;
    expect((await api('POST', `/api/coupons/${voided.code}/redeem`, ops, { customerId: 'c-consent-0', orderAmount: 300 })).status).toBe(410);
    const live = coupons.find((c) => c.customerId === 'c-consent-3')!;
    const redeemed = await api('POST', `/api/coupons/${live.code}/redeem`, ops, { customerId: 'c-consent-3', orderAmount: 260, orderId: 'o-consent-3' });
    expect(redeemed.status, redeemed.text).toBe(200);
    await eventually(async () => ((await system.db.models.CampaignTarget.findOne({ runId: run.runId, customerId: 'c-consent-3' }).lean())?.convertedAt ? true : undefined), 'the redemption to count as a conversion');
    const report = await api('GET', `/api/campaigns/${campaignId}/report`, marketer);
    expect(report.json.total).toMatchObject({ targeted: 6, sent: 3, failed: 3, converted: 1, revenue: 260 });
  });
});

describe('reply-strategy experiments', () => {
  it('assigns customers stickily, applies the variant and attributes outcomes', async () => {
    const bad = await api('POST', '/api/experiments', marketer, { name: 'one', variants: [{ id: 'a', weight: 1, settings: { style: 'shouty' } }] });
    expect(bad.status).toBe(400);
    const created = await api('POST', '/api/experiments', marketer, {
      name: 'Warm replies without recommendations',
      variants: [
        { id: 'control', weight: 1, settings: {} },
        { id: 'warm', weight: 1, settings: { style: 'warm', recommend: false } },
      ],
    });
    expect(created.status, created.text).toBe(201);
    const experimentId = created.json.experimentId as string;

    const customers = ['c-1001', 'c-1002', 'c-1003', 'c-1006', 'c-1007', 'c-1010'];
    for (const customerId of customers) {
      const reply = await api('POST', `/api/conversations/exp-${customerId}/messages`, ops, { channel: 'web', customerId, text: '几天内可以无理由退货?' });
      expect(reply.status, reply.text).toBe(200);
      const exposure = await system.db.models.Exposure.findOne({ experimentId, conversationId: `exp-${customerId}` }).lean();
      expect(exposure?.customerId).toBe(customerId);
      expect((reply.json.reply as string).startsWith('很高兴为您解答!')).toBe(exposure?.variant === 'warm');
      expect((await api('POST', `/api/conversations/exp-${customerId}/close`, ops)).status).toBe(202);
    }
    // Sticky: a second conversation of the same customer gets the same variant.
    await api('POST', '/api/conversations/exp-c-1001-again/messages', ops, { channel: 'web', customerId: 'c-1001', text: '几天内可以无理由退货?' });
    const [firstVisit, secondVisit] = await Promise.all([
      system.db.models.Exposure.findOne({ experimentId, conversationId: 'exp-c-1001' }).lean(),
      system.db.models.Exposure.findOne({ experimentId, conversationId: 'exp-c-1001-again' }).lean(),
    ]);
    expect(secondVisit?.variant).toBe(firstVisit?.variant);

    const report = await eventually(async () => {
      const res = await api('GET', `/api/experiments/${experimentId}/report`, marketer);
      const variants = res.json.variants as Array<{ variant: string; conversations: number; closed: number; resolvedByBot: number }>;
      return variants.reduce((n, v) => n + v.closed, 0) === customers.length ? variants : undefined;
    }, 'every conversation closed and attributed');
    expect(report.reduce((n, v) => n + v.conversations, 0)).toBe(customers.length + 1);
    expect(report.find((v) => v.variant === 'warm')).toHaveProperty('significance');
    expect((await api('POST', `/api/experiments/${experimentId}/stop`, marketer)).json.status).toBe('stopped');
  });
});
