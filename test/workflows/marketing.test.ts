import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { connectDatabase, type Database } from '../../activities/db/models';
import { seedReferenceData } from '../../activities/seed';
import type { CampaignDefinition } from '../../domain/marketing/campaign';
import { journeyWorkflowId } from '../../domain/marketing/journeys';
import { campaignRunProgressQuery, campaignRunWorkflow, conversionSignal } from '../../workflows/campaign';
import { rfmRescoreWorkflow } from '../../workflows/rfm';
import { isolatedMongoUri, workflowBundle } from '../helpers/stack';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let env: TestWorkflowEnvironment;
let db: Database;
let worker: Worker;
let running: Promise<void>;
let activities: ReturnType<typeof createActivities>;
const taskQueue = `marketing-wf-${randomUUID()}`;
/** Set by a test to make the next page fail after its writes, as a worker killed before reporting would. */
let failNextPageAfterWriting = false;
let pageAttempts = 0;

const AUDIENCE = 23;

const definition = (campaignId: string): CampaignDefinition => ({
  campaignId,
  name: 'Win-back',
  audience: { segments: ['lost'] },
  offer: { amount: 30, threshold: 199, expiryDays: 14 },
  channels: ['sms'],
  variants: [
    { id: 'a', weight: 1, templates: { zh: '{{name}} {{coupon}}', en: '{{name}} {{coupon}}' } },
    { id: 'b', weight: 1, templates: { zh: '{{name}}!{{coupon}}', en: '{{name}}! {{coupon}}' } },
  ],
  holdoutShare: 0.2,
  schedule: { cron: '0 10 * * 1' },
  goal: { event: 'purchase', windowHours: 72 },
});

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } } });
  db = await connectDatabase(isolatedMongoUri('mkt-wf'));
  await seedReferenceData(db.models);
  await db.models.Customer.insertMany(
    Array.from({ length: AUDIENCE }, (_, i) => ({
      customerId: `c-${String(i).padStart(3, '0')}`,
      name: `Customer ${i}`,
      phone: `1380000${String(i).padStart(4, '0')}`,
      consent: { sms: true, email: false, wechat: false, app: false },
      rfm: { frequency: 1, monetary: 100, segment: 'lost', lastPurchaseAt: new Date(Date.now() - 300 * DAY), firstPurchaseAt: new Date(Date.now() - 300 * DAY) },
    })),
  );
  activities = createActivities({ models: db.models, client: env.client, taskQueue });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...activities,
      async sendCampaignPage(input: Parameters<typeof activities.sendCampaignPage>[0]) {
        pageAttempts++;
        const result = await activities.sendCampaignPage(input);
        if (failNextPageAfterWriting && input.page > 0) {
          failNextPageAfterWriting = false;
          throw new Error('the worker died before reporting the page');
        }
        return result;
      },
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await db?.connection.dropDatabase();
  await db?.close();
  await env?.teardown();
});

async function counts(runId: string) {
  const [targets, deliveries, coupons] = await Promise.all([
    db.models.CampaignTarget.find({ runId }).lean(),
    db.models.Delivery.find({ purpose: 'marketing' }).lean(),
    db.models.Coupon.find({}).lean(),
  ]);
  const ofRun = (key: string) => key.startsWith(`campaign:${runId}:`);
  return { targets, deliveries: deliveries.filter((d) => ofRun(d.idempotencyKey)), coupons: coupons.filter((c) => ofRun(c.couponKey)) };
}

describe('campaign run workflow', () => {
  it('pages the audience, survives a lost page result and a half-written earlier attempt, and counts conversions inside the window only', async () => {
    const campaignId = 'cmp-wf-1';
    await db.models.Campaign.create({ campaignId, name: 'Win-back', status: 'active', definition: definition(campaignId), createdBy: 'test' });
    const runId = `campaign-run-${campaignId}-1`;
    // An earlier attempt got as far as deciding two recipients and issuing one coupon before it died.
    await activities.beginCampaignRun({ campaignId, runId });
    const earlierSnapshot = await activities.snapshotAudience({ runId, pageSize: 2 });
    const partial = await activities.sendCampaignPage({ runId, page: 0, windowEndsAt: new Date(Date.now() + 72 * HOUR).toISOString(), snapshotId: earlierSnapshot.snapshotId });
    await db.models.Delivery.deleteMany({ idempotencyKey: new RegExp(`^campaign:${runId}:`) } as never);
    expect(partial.targeted).toBe(2);

    failNextPageAfterWriting = true;
    pageAttempts = 0;
    const handle = await env.client.workflow.start(campaignRunWorkflow, { workflowId: runId, taskQueue, args: [{ campaignId, pageSize: 5 }] });
    for (;;) {
      const progress = await handle.query(campaignRunProgressQuery);
      if (progress.phase === 'awaiting_conversions') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const progress = await handle.query(campaignRunProgressQuery);
    // 23 recipients in pages of 5, one page attempted twice.
    expect(progress.pages).toBe(5);
    expect(pageAttempts).toBe(6);
    expect(progress.targeted).toBe(AUDIENCE);

    const { targets, deliveries, coupons } = await counts(runId);
    expect(new Set(targets.map((t) => t.customerId)).size).toBe(AUDIENCE);
    expect(targets).toHaveLength(AUDIENCE);
    const sent = targets.filter((t) => t.outcome === 'sent');
    expect(sent.length + targets.filter((t) => t.outcome === 'holdout').length).toBe(AUDIENCE);
    expect(deliveries.map((d) => d.customerId).sort()).toEqual(sent.map((t) => t.customerId).sort());
    expect(coupons.map((c) => c.customerId).sort()).toEqual(sent.map((t) => t.customerId).sort());
    expect(new Set(coupons.map((c) => c.code)).size).toBe(coupons.length);

    // The snapshot (names and addresses) is gone once every page is sent.
    expect(await db.models.AudiencePage.countDocuments({ runId })).toBe(0);
    // Replaying every page of a fresh snapshot concurrently, twice, adds nothing.
    const again = await activities.snapshotAudience({ runId, pageSize: 5 });
    expect(again.recipients).toBe(AUDIENCE);
    await Promise.all([0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((page) => activities.sendCampaignPage({ runId, page, windowEndsAt: new Date().toISOString(), snapshotId: again.snapshotId })));
    const replayed = await counts(runId);
    expect(replayed.targets).toHaveLength(AUDIENCE);
    expect(replayed.deliveries).toHaveLength(deliveries.length);
    expect(replayed.coupons).toHaveLength(coupons.length);

    const buyer = sent[0]!;
    const at = new Date().toISOString();
    await handle.signal(conversionSignal, { customerId: buyer.customerId, eventId: 'p-1', amount: 250, at });
    await handle.signal(conversionSignal, { customerId: buyer.customerId, eventId: 'p-1', amount: 250, at });
    const done = await handle.result();
    expect(done.phase).toBe('completed');
    expect(done.conversions).toBe(1);
    const converted = await db.models.CampaignTarget.findOne({ runId, customerId: buyer.customerId }).lean();
    expect(converted).toMatchObject({ revenue: 250, conversionEventId: 'p-1' });
    expect((await db.models.CampaignRun.findOne({ runId }).lean())?.status).toBe('completed');

    // After the window: a late purchase is not recorded.
    const late = await activities.recordConversions({ runId, conversions: [{ customerId: sent[1]!.customerId, eventId: 'p-2', amount: 99, at: new Date(Date.now() + 100 * HOUR).toISOString() }] });
    expect(late).toBe(0);
  });

  it('waits out quiet hours on a durable timer and records nothing for a paused campaign', async () => {
    const paused = 'cmp-wf-paused';
    await db.models.Campaign.create({ campaignId: paused, name: 'Paused', status: 'paused', definition: definition(paused), createdBy: 'test' });
    const result = await env.client.workflow.execute(campaignRunWorkflow, { workflowId: `campaign-run-${paused}-1`, taskQueue, args: [{ campaignId: paused }] });
    expect(result.phase).toBe('skipped');
    expect(await db.models.CampaignTarget.countDocuments({ campaignId: paused })).toBe(0);

    const quiet = 'cmp-wf-quiet';
    // Quiet around the clock but one minute: the run has to wait for that minute.
    const now = new Date(await env.currentTimeMs());
    const minute = (now.getUTCHours() * 60 + now.getUTCMinutes() + 5) % 1440;
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    await db.models.Campaign.create({
      campaignId: quiet,
      name: 'Quiet',
      status: 'active',
      definition: { ...definition(quiet), quietHours: { start: hhmm((minute + 1) % 1440), end: hhmm(minute), utcOffsetMinutes: 0 }, goal: { event: 'purchase', windowHours: 1 } },
      createdBy: 'test',
    });
    const handle = await env.client.workflow.start(campaignRunWorkflow, { workflowId: `campaign-run-${quiet}-1`, taskQueue, args: [{ campaignId: quiet }] });
    const done = await handle.result();
    expect(done.phase).toBe('completed');
    expect(new Date(done.sendingAt!).getTime()).toBeGreaterThanOrEqual(new Date(done.startedAt).getTime() + 60_000);
    expect(await db.models.CampaignTarget.countDocuments({ campaignId: quiet })).toBe(AUDIENCE);
  });
});

describe('journeys', () => {
  it('asked but did not buy: a coupon for the category after the wait, at most once in 30 days, none after a purchase', async () => {
    await db.models.Customer.create([
      { customerId: 'c-ask-1', name: '王一', lang: 'zh', phone: '13811110001', consent: { sms: true } },
      { customerId: 'c-ask-2', name: 'Amy', lang: 'en', phone: '13811110002', consent: { sms: true } },
    ]);
    const closed = (conversationId: string, customerId: string) =>
      activities.recordConversationClosed({ conversationId, channel: 'web', customerId, turns: 2, reason: 'idle', closedAt: new Date(Date.now() - 1000).toISOString(), outcomes: ['purchase_intent'], product: 'HM-AIR-P3' });
    await closed('ask-1', 'c-ask-1');
    await closed('ask-2', 'c-ask-2');
    // c-ask-2 buys a purifier filter (same category) before the day is out.
    await activities.ingestEvents([{ eventId: 'ask-2-buy', customerId: 'c-ask-2', type: 'purchase', occurredAt: new Date().toISOString(), properties: { amount: 199, items: ['HM-FILTER-P3'] } }]);

    const first: unknown = await env.client.workflow.getHandle(journeyWorkflowId('asked_not_bought', 'c-ask-1')).result();
    expect(first).toMatchObject({ reached: true });
    const coupon = await db.models.Coupon.findOne({ customerId: 'c-ask-1' }).lean();
    expect(coupon).toMatchObject({ category: 'home', amount: 20, source: 'journey:asked_not_bought' });
    const delivery = await db.models.Delivery.findOne({ customerId: 'c-ask-1', purpose: 'marketing' }).lean();
    expect(delivery?.text).toContain(coupon!.code);
    expect(await env.client.workflow.getHandle(journeyWorkflowId('asked_not_bought', 'c-ask-2')).result()).toEqual({ reached: false, reason: 'purchased' });

    // A second intent a week later: the 30-day rule holds.
    await closed('ask-1b', 'c-ask-1');
    expect(await env.client.workflow.getHandle(journeyWorkflowId('asked_not_bought', 'c-ask-1')).result()).toEqual({ reached: false, reason: 'already_reached_recently' });
    expect(await db.models.Coupon.countDocuments({ customerId: 'c-ask-1' })).toBe(1);
  });

  it('rescoring moves a lapsed big spender to at risk and starts a win-back; a consumable near the end of its life gets one reminder', async () => {
    await db.models.Customer.create([
      { customerId: 'c-risk', name: 'Big Spender', lang: 'en', email: 'big@example.com', consent: { email: true } },
      { customerId: 'c-filter', name: '陈', lang: 'zh', phone: '13822220000', consent: { sms: true } },
    ]);
    const buys = Array.from({ length: 6 }, (_, i) => ({ eventId: `risk-${i}`, customerId: 'c-risk', type: 'purchase' as const, occurredAt: new Date(Date.now() - (400 + i * 30) * DAY).toISOString(), properties: { amount: 2_000, items: ['PH-X5-256'] } }));
    await activities.ingestEvents([...buys, { eventId: 'filter-buy', customerId: 'c-filter', type: 'purchase', occurredAt: new Date(Date.now() - 182 * DAY).toISOString(), properties: { amount: 199, items: ['HM-FILTER-P3'] } }]);

    const result = await env.client.workflow.execute(rfmRescoreWorkflow, { workflowId: `rfm-${randomUUID()}`, taskQueue });
    expect(result.customers).toBeGreaterThan(AUDIENCE);
    expect((await db.models.Customer.findOne({ customerId: 'c-risk' }).lean())?.rfm?.segment).toBe('at_risk');
    expect(result.winBacksStarted).toBeGreaterThanOrEqual(1);
    expect(await env.client.workflow.getHandle(journeyWorkflowId('win_back', 'c-risk')).result()).toMatchObject({ reached: true });
    expect(await db.models.Coupon.countDocuments({ customerId: 'c-risk', source: 'journey:win_back' })).toBe(1);

    expect(result.replenishmentsStarted).toBe(1);
    expect(await env.client.workflow.getHandle(journeyWorkflowId('replenishment', 'c-filter', 'filter-buy')).result()).toMatchObject({ reached: true });
    const reminder = await db.models.Delivery.findOne({ customerId: 'c-filter', purpose: 'marketing' }).lean();
    expect(reminder?.text).toContain('6个月');
    // The next night's run reminds nobody twice.
    const again = await env.client.workflow.execute(rfmRescoreWorkflow, { workflowId: `rfm-${randomUUID()}`, taskQueue });
    expect(again.replenishmentsStarted).toBe(0);
    expect(await db.models.Delivery.countDocuments({ customerId: 'c-filter', purpose: 'marketing' })).toBe(1);
  });
});
