import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import { trustedQuery } from '../../activities/db/marketing';
import type { CampaignDefinition } from '../../domain/marketing/campaign';
import { segmentQuery, type SegmentFilter } from '../../domain/marketing/segment-filter';
import { startFakeSmsGateway } from '../helpers/fake-channel-peers';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';
import { ensurePagesBuilt, launchBrowser, openWindow, UI_TIMEOUT_MS } from './browser';

/**
 * The marketing console in a real browser against the real system: a marketer signs in, rescores
 * the customer base, defines a win-back campaign on a schedule, runs it now, and reads the funnel
 * with its uplift over the hold-out as purchases come in.
 */

const SMS_SECRET = 'sms-signing-secret-for-console-tests';
const LAPSED = 30;
let system: TestSystem;
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let browser: Browser;
let ops: string;
const windows: Array<{ close(): Promise<void> }> = [];
const problems: string[] = [];
const DAY = 86_400_000;
const WIN_BACK = ['at_risk', 'hibernating', 'lost'];

const lapsedId = (i: number) => `c-winback-${String(i).padStart(2, '0')}`;
const phoneOf = (i: number) => `1350000${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  await ensurePagesBuilt();
  browser = await launchBrowser();
  sms = await startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: SMS_SECRET });
  system = await startTestSystem('marketing-console', {
    SMTP_INBOUND_ENABLED: 'false',
    SMS_GATEWAY_URL: sms.url,
    SMS_API_KEY: 'sms-key',
    SMS_SIGNING_SECRET: SMS_SECRET,
    // The messages go out whatever time of day the test runs.
    QUIET_HOURS: 'off',
    OUTBOX_POLL_INTERVAL: '500ms',
  });
  ops = await system.token('ops');
  // Customers who bought five to ten months ago and have not been back, on top of the demo shop's.
  await system.db.models.Customer.insertMany(
    Array.from({ length: LAPSED }, (_, i) => ({
      customerId: lapsedId(i),
      name: `Lapsed ${i}`,
      lang: i % 2 ? 'en' : 'zh',
      phone: phoneOf(i),
      consent: { sms: true, email: false, wechat: false, app: false },
    })),
  );
  const history = Array.from({ length: LAPSED }, (_, i) => ({
    eventId: `winback-history-${i}`,
    customerId: lapsedId(i),
    type: 'purchase',
    occurredAt: new Date(Date.now() - (150 + i * 5) * DAY).toISOString(),
    properties: { amount: 120 + i * 10, items: ['KB-BOTTLE'] },
  }));
  const imported = await http(system.api.url, 'POST', '/api/events/batch', { token: ops, body: { events: history } });
  expect(imported.status, imported.text).toBe(202);
}, 240_000);

afterAll(async () => {
  for (const window of windows) await window.close().catch(() => undefined);
  await browser?.close();
  // The run waits out its conversion window and the campaign has a Schedule on the shared dev server: end both.
  for (const run of (await system?.db.models.CampaignRun.find({}, { runId: 1 }).lean()) ?? []) {
    await system.client.workflow.getHandle(run.runId).terminate('test finished').catch(() => undefined);
  }
  for (const c of (await system?.db.models.Campaign.find({}, { campaignId: 1 }).lean()) ?? []) {
    await system.client.schedule.getHandle(`campaign-${c.campaignId}`).delete().catch(() => undefined);
  }
  await system?.stop();
  await sms?.close();
});

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = UI_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Report {
  total: { targeted: number; sent: number; converted: number };
  holdout: { targeted: number; converted: number };
  upliftVsHoldout: { uplift: number; pValue: number; significant: boolean };
  variants: Array<{ variant: string; targeted: number }>;
}

/** The funnel table's cells, row by row, keyed by the row's heading. */
async function funnelRows(page: Page): Promise<Record<string, string[]>> {
  const rows: string[][] = await page
    .locator('.campaign-detail table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', ...Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')]));
  return Object.fromEntries(rows.map(([head, ...cells]) => [head ?? '', cells]));
}

describe('the marketing console', () => {
  it('lets a marketer define a win-back campaign on a schedule, run it now, and read the funnel with hold-out uplift', async () => {
    const window = await openWindow(browser, system.api.url, 'en-US', problems);
    windows.push(window.context);
    const page = window.page;
    await page.goto('/marketing');
    await page.getByLabel('Username').fill('marketer');
    await page.getByLabel('Password').fill('loopdesk-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Score the base first, so the lapsed customers fall into the win-back segments.
    await page.getByRole('button', { name: 'Rescore now' }).click();
    await expect(page.getByRole('status').getByText(/^Rescored \d+ customers/).textContent()).resolves.toMatch(/^Rescored/);
    const lapsedSegments = await system.db.models.Customer.find(trustedQuery({ customerId: { $in: Array.from({ length: LAPSED }, (_, i) => lapsedId(i)) } }), { 'rfm.segment': 1 }).lean();
    expect(lapsedSegments).toHaveLength(LAPSED);
    expect(lapsedSegments.filter((c) => WIN_BACK.includes(c.rfm?.segment ?? '')).length).toBeGreaterThanOrEqual(LAPSED / 2);

    // A marketer segment from two conditions: no purchase for over 120 days, and SMS consent.
    const segmentForm = page.locator('form', { has: page.getByRole('button', { name: 'Save segment' }) });
    await segmentForm.getByRole('textbox', { name: 'Segment name' }).fill('Lapsed, console');
    await segmentForm.getByRole('combobox', { name: 'Field 1' }).selectOption('daysSinceLastPurchase');
    await segmentForm.getByRole('combobox', { name: 'Operator 1' }).selectOption('gt');
    await segmentForm.getByRole('spinbutton', { name: 'Value 1' }).fill('120');
    await segmentForm.getByRole('button', { name: 'Add condition' }).click();
    await segmentForm.getByRole('combobox', { name: 'Field 2' }).selectOption('smsConsent');
    const wanted: SegmentFilter = { all: [{ field: 'daysSinceLastPurchase', op: 'gt', value: 120 }, { field: 'smsConsent', op: 'eq', value: true }] };
    const size = await system.db.models.Customer.countDocuments(trustedQuery({ ...segmentQuery(wanted, Date.now()), mergedInto: { $exists: false } }));
    expect(size).toBeGreaterThanOrEqual(LAPSED);
    await segmentForm.getByRole('button', { name: 'Count customers' }).click();
    await segmentForm.getByTestId('segment-size').getByText(`Matches ${size} customers`).waitFor();
    await segmentForm.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('status').getByText(`Segment “Lapsed, console” saved: ${size} customers`).waitFor();
    const segment = await eventually(async () => (await system.db.models.Segment.findOne({ name: 'Lapsed, console' }).lean()) ?? undefined, 'the segment');
    expect(segment.filter).toEqual(wanted);
    await page.getByRole('list', { name: 'Marketer segments' }).getByText('Lapsed, console').waitFor();

    // The campaign: the win-back segments (checked by default), a coupon, SMS only, two variants in both languages, a 30 % hold-out, Mondays at 10:00 UTC.
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create' }) });
    await expect(form.getByRole('combobox', { name: 'Or a marketer segment' }).locator('option', { hasText: 'Lapsed, console' }).count()).resolves.toBe(1);
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Win-back, console');
    for (const segment of ['At risk', 'Hibernating', 'Lost']) await expect(form.getByRole('checkbox', { name: segment, exact: true }).isChecked()).resolves.toBe(true);
    await form.getByRole('spinbutton', { name: 'Amount (¥)' }).fill('25');
    await form.getByRole('spinbutton', { name: 'Minimum order (¥)' }).fill('150');
    await form.getByRole('spinbutton', { name: 'Days valid' }).fill('10');
    for (const channel of ['app', 'wechat', 'email']) await form.getByRole('checkbox', { name: channel, exact: true }).uncheck();
    await form.getByRole('textbox', { name: 'Variant A message (中文)' }).fill('{{name}},好久不见!送您{{amount}}元券 {{coupon}},满{{threshold}}元可用');
    await form.getByRole('textbox', { name: 'Variant A message (English)' }).fill('{{name}}, we miss you: ¥{{amount}} off with {{coupon}} over ¥{{threshold}}');
    await form.getByRole('textbox', { name: 'Variant B message (optional) (中文)' }).fill('{{name}},回来看看吧,{{coupon}} 立减{{amount}}元,{{expiry}}前有效');
    await form.getByRole('textbox', { name: 'Variant B message (optional) (English)' }).fill('{{name}}, come back: {{coupon}} takes ¥{{amount}} off until {{expiry}}');
    await form.getByRole('spinbutton', { name: 'Hold-out %' }).fill('30');
    await form.getByRole('textbox', { name: 'Schedule (cron, UTC)' }).fill('0 10 * * 1');
    await form.getByRole('checkbox', { name: 'Hold sends during quiet hours' }).uncheck();
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').getByText('Campaign created').waitFor();

    const detail = page.locator('.campaign-detail');
    await detail.getByRole('heading', { name: 'Win-back, console' }).waitFor();
    const campaign = await eventually(async () => (await system.db.models.Campaign.findOne({ name: 'Win-back, console' }).lean()) ?? undefined, 'the campaign');
    expect(campaign.definition).toMatchObject({
      audience: { segments: ['at_risk', 'hibernating', 'lost'] },
      offer: { amount: 25, threshold: 150, expiryDays: 10 },
      channels: ['sms'],
      holdoutShare: 0.3,
      schedule: { cron: '0 10 * * 1' },
    });
    const variants = (campaign.definition as CampaignDefinition).variants;
    expect(variants.map((v) => v.id)).toEqual(['a', 'b']);
    expect([variants[0]!.templates.zh, variants[0]!.templates.en, variants[1]!.templates.zh, variants[1]!.templates.en]).toEqual([
      expect.stringContaining('好久不见') as string,
      expect.stringContaining('we miss you') as string,
      expect.stringContaining('回来看看') as string,
      expect.stringContaining('come back') as string,
    ]);
    expect(campaign.definition).not.toHaveProperty('quietHours');
    // The Schedule is real: its next run, a Monday at 10:00 UTC, is on the page.
    const schedule = await system.client.schedule.getHandle(`campaign-${campaign.campaignId}`).describe();
    const nextRun = schedule.info.nextActionTimes[0]!;
    expect([nextRun.getUTCDay(), nextRun.getUTCHours()]).toEqual([1, 10]);
    await expect(detail.textContent()).resolves.toContain(nextRun.toLocaleString('en-GB'));

    await detail.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('status').getByText('A run was triggered').waitFor();
    // The page follows the run on its own: sending, then waiting for conversions.
    await detail.locator('.run-status', { hasText: 'awaiting conversions' }).waitFor();
    const run = (await system.db.models.CampaignRun.findOne({ campaignId: campaign.campaignId }).lean())!;
    const targets = await system.db.models.CampaignTarget.find({ runId: run.runId }).lean();
    const audience = await system.db.models.Customer.find(trustedQuery({ 'rfm.segment': { $in: WIN_BACK } }), { customerId: 1 }).lean();
    expect(targets.map((t) => t.customerId).sort()).toEqual(audience.map((c) => c.customerId).sort());
    const sent = targets.filter((t) => t.outcome === 'sent');
    const heldOut = targets.filter((t) => t.holdout);
    expect(sent.length).toBeGreaterThan(1);
    expect(heldOut.length).toBeGreaterThan(0);
    // Each recipient's message reached the SMS gateway once, with their own coupon.
    await eventually(() => Promise.resolve(sent.every((t) => sms.sent.some((m) => m.text.includes(t.couponCode!))) ? true : undefined), 'the messages at the SMS gateway');
    const toLapsed = sms.sent.filter((m) => m.to.startsWith('1350000'));
    expect(new Set(toLapsed.map((m) => m.to)).size).toBe(toLapsed.length);

    // Purchases come in from the shop: two recipients and one held-out customer buy.
    const buyers = [sent[0]!, sent[1]!, heldOut[0]!];
    for (const [i, buyer] of buyers.entries()) {
      const res = await http(system.api.url, 'POST', '/api/events', {
        token: ops,
        body: { eventId: `winback-buy-${i}`, customerId: buyer.customerId, type: 'purchase', occurredAt: new Date().toISOString(), properties: { amount: 200 + i, items: ['KB-BOTTLE'] } },
      });
      expect(res.status, res.text).toBe(202);
    }

    // The funnel on the page catches up on its own and says what the report says.
    const report = await eventually(async () => {
      const r = await http(system.api.url, 'GET', `/api/campaigns/${campaign.campaignId}/report`, { token: await system.token('marketer') });
      const body = r.json as unknown as Report;
      return body.total.converted + body.holdout.converted === 3 ? body : undefined;
    }, 'the conversions in the report');
    const rows = await eventually(async () => {
      const cells = await funnelRows(page);
      return cells['All variants']?.[4] === String(report.total.converted) && cells['Hold-out']?.[4] === '1' ? cells : undefined;
    }, 'the conversions on the page');
    expect(rows['All variants']!.slice(0, 2)).toEqual([String(report.total.targeted), String(report.total.sent)]);
    expect(rows['Hold-out']![0]).toBe(String(heldOut.length));
    const uplift = report.upliftVsHoldout;
    const points = `${uplift.uplift >= 0 ? '+' : ''}${(uplift.uplift * 100).toFixed(1)} pt`;
    const summary = await page.getByTestId('uplift-summary').textContent();
    expect(summary).toContain(`uplift ${points} (p-value ${uplift.pValue.toFixed(3)}, ${uplift.significant ? 'significant' : 'not significant'})`);
    expect(rows['All variants']![7]).toContain(points);
    for (const variant of report.variants) expect(rows[variant.variant]![0]).toBe(String(variant.targeted));

    // Pause, resume and delete from the page: the Schedule follows each.
    const scheduleOf = () => system.client.schedule.getHandle(`campaign-${campaign.campaignId}`);
    await detail.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').getByText('Campaign paused').waitFor();
    await detail.getByText(/Status: paused/).waitFor();
    expect((await scheduleOf().describe()).state.paused).toBe(true);
    await expect(detail.getByRole('button', { name: 'Run now' }).isDisabled()).resolves.toBe(true);
    await detail.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').getByText('Campaign resumed').waitFor();
    await detail.getByText(/Status: active/).waitFor();
    expect((await scheduleOf().describe()).state.paused).toBe(false);
    await detail.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('Campaign deleted').waitFor();
    await page.getByRole('button', { name: 'Win-back, console' }).waitFor({ state: 'detached' });
    await expect(scheduleOf().describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await system.db.models.Campaign.countDocuments({ campaignId: campaign.campaignId })).toBe(0);

    expect(problems).toEqual([]);
  });
});
