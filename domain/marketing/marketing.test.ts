import { describe, expect, it } from 'vitest';
import { assignArm, contactDecision, quietHoursWait, renderTemplate, type CampaignVariant, type Recipient } from './campaign';
import { assignVariant, replySettings, styleReply } from './experiments';
import { aggregatePurchases, buildModel, quintileCuts, scoreAgainst, scoreCustomer, segmentOf } from './rfm';
import { segmentFilterSchema, segmentQuery } from './segment-filter';
import { twoProportionTest } from './stats';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('RFM', () => {
  it('aggregates purchases and scores by quintile, keeping ties together', () => {
    expect(aggregatePurchases([{ amount: 10, at: 5 }, { amount: 20.5, at: 1 }])).toEqual({ frequency: 2, monetary: 30.5, firstPurchaseAt: 1, lastPurchaseAt: 5 });
    expect(quintileCuts([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([3, 5, 7, 9]);
    expect(scoreAgainst(1, [1, 1, 1, 2])).toBe(1);
    expect(scoreAgainst(10, [3, 5, 7, 9])).toBe(5);
  });

  it('names segments from the scores', () => {
    expect(segmentOf(5, 5, 9)).toBe('champions');
    expect(segmentOf(3, 3, 4)).toBe('loyal');
    expect(segmentOf(5, 1, 1)).toBe('new');
    expect(segmentOf(3, 2, 2)).toBe('potential');
    expect(segmentOf(1, 4, 6)).toBe('at_risk');
    expect(segmentOf(2, 1, 1)).toBe('hibernating');
    expect(segmentOf(1, 1, 1)).toBe('lost');
  });

  it('scores recent frequent big spenders high and the long-gone low', () => {
    const base = Array.from({ length: 50 }, (_, i) => ({ frequency: 1 + (i % 5), monetary: 100 * (i + 1), firstPurchaseAt: NOW - 400 * DAY, lastPurchaseAt: NOW - i * 7 * DAY }));
    const model = buildModel(base, NOW);
    expect(scoreCustomer({ frequency: 9, monetary: 9_000, firstPurchaseAt: NOW - 300 * DAY, lastPurchaseAt: NOW - DAY }, model, NOW).segment).toBe('champions');
    expect(scoreCustomer({ frequency: 9, monetary: 9_000, firstPurchaseAt: NOW - 900 * DAY, lastPurchaseAt: NOW - 500 * DAY }, model, NOW).segment).toBe('at_risk');
    expect(scoreCustomer({ frequency: 1, monetary: 50, firstPurchaseAt: NOW - 500 * DAY, lastPurchaseAt: NOW - 500 * DAY }, model, NOW).segment).toBe('lost');
  });
});

describe('segment filters', () => {
  it('builds a query only from declared fields and operators', () => {
    const filter = segmentFilterSchema.parse({
      all: [
        { field: 'tier', op: 'in', value: ['gold', 'platinum'] },
        { field: 'daysSinceLastPurchase', op: 'gt', value: 90 },
        { field: 'tags', op: 'contains', value: 'vip' },
      ],
    });
    expect(segmentQuery(filter, NOW)).toEqual({ tier: { $in: ['gold', 'platinum'] }, 'rfm.lastPurchaseAt': { $lt: new Date(NOW - 90 * DAY) }, tags: { $all: ['vip'] } });
  });

  it('refuses raw operators, unknown fields, wrong operators and values', () => {
    const bad = [
      { all: [{ field: 'tier', op: '$where', value: 'sleep(1)' }] },
      { all: [{ field: 'passwordHash', op: 'eq', value: 'x' }] },
      { all: [{ field: 'tier', op: 'gt', value: 'gold' }] },
      { all: [{ field: 'tier', op: 'eq', value: 'diamond' }] },
      { all: [{ field: 'spend', op: 'gte', value: { $gt: 0 } }] },
      { all: [] },
      { $or: [] },
    ];
    for (const filter of bad) expect(segmentFilterSchema.safeParse(filter).success, JSON.stringify(filter)).toBe(false);
  });
});

describe('campaign decisions', () => {
  const variants: CampaignVariant[] = [
    { id: 'a', weight: 1, templates: { zh: 'a', en: 'a' } },
    { id: 'b', weight: 3, templates: { zh: 'b', en: 'b' } },
  ];

  it('assigns arms stably and in proportion', () => {
    const arms = Array.from({ length: 20_000 }, (_, i) => assignArm('cmp-1', `c-${i}`, 0.2, variants));
    expect(assignArm('cmp-1', 'c-7', 0.2, variants)).toEqual(arms[7]);
    const holdout = arms.filter((a) => a.holdout).length / arms.length;
    expect(holdout).toBeGreaterThan(0.18);
    expect(holdout).toBeLessThan(0.22);
    const b = arms.filter((a) => !a.holdout && a.variant === 'b').length / arms.filter((a) => !a.holdout).length;
    expect(b).toBeGreaterThan(0.72);
    expect(b).toBeLessThan(0.78);
  });

  it('respects do-not-contact, consent per channel and the frequency cap', () => {
    const r: Recipient = { customerId: 'c', name: 'n', lang: 'zh', tier: 'standard', phone: '13800000000', email: 'a@b.cn', consent: { sms: false, email: true }, doNotContact: false };
    expect(contactDecision(r, ['sms', 'email'], 0)).toEqual({ send: true, channel: 'email', to: 'a@b.cn' });
    expect(contactDecision(r, ['sms'], 0)).toEqual({ send: false, reason: 'no_consent' });
    expect(contactDecision({ ...r, doNotContact: true }, ['email'], 0)).toEqual({ send: false, reason: 'do_not_contact' });
    expect(contactDecision(r, ['email'], 2, { maxMessages: 2 })).toEqual({ send: false, reason: 'frequency_cap' });
  });

  it('waits out quiet hours across midnight in the campaign time zone', () => {
    const quiet = { start: '21:00', end: '09:00', utcOffsetMinutes: 480 };
    // 12:00 UTC is 20:00 in UTC+8: outside.
    expect(quietHoursWait(NOW, quiet)).toBe(0);
    // 14:30 UTC is 22:30 in UTC+8: ten and a half hours to 09:00.
    expect(quietHoursWait(NOW + 2.5 * 3_600_000, quiet)).toBe(10.5 * 3_600_000);
    expect(quietHoursWait(NOW, undefined)).toBe(0);
  });

  it('fills placeholders', () => {
    expect(renderTemplate('{{name}},送您{{amount}}元券 {{coupon}}', { name: '王', amount: '30', coupon: 'LDX' })).toBe('王,送您30元券 LDX');
  });
});

describe('statistics', () => {
  it('finds a real difference significant and noise not', () => {
    const strong = twoProportionTest({ conversions: 150, n: 1000 }, { conversions: 100, n: 1000 })!;
    expect(strong.uplift).toBeCloseTo(0.05);
    expect(strong.pValue).toBeLessThan(0.01);
    expect(strong.significant).toBe(true);
    expect(twoProportionTest({ conversions: 11, n: 100 }, { conversions: 10, n: 100 })!.significant).toBe(false);
    expect(twoProportionTest({ conversions: 1, n: 10 }, { conversions: 0, n: 0 })).toBeNull();
  });
});

describe('reply experiments', () => {
  const experiment = { experimentId: 'exp-1', variants: [{ id: 'control', weight: 1, settings: {} }, { id: 'warm', weight: 1, settings: { style: 'warm' as const, recommend: false } }] };

  it('is sticky per customer and splits customers', () => {
    expect(assignVariant(experiment, 'c-1').id).toBe(assignVariant(experiment, 'c-1').id);
    const warm = Array.from({ length: 2_000 }, (_, i) => assignVariant(experiment, `c-${i}`).id).filter((v) => v === 'warm').length;
    expect(warm).toBeGreaterThan(900);
    expect(warm).toBeLessThan(1100);
  });

  it('applies variant settings over the default', () => {
    expect(replySettings({ recommend: true, style: 'standard' }, [experiment.variants[1]!])).toEqual({ recommend: false, style: 'warm' });
    expect(styleReply('退货政策是7天。', 'warm', 'zh')).toBe('很高兴为您解答!退货政策是7天。');
    expect(styleReply('x', 'standard', 'en')).toBe('x');
  });
});
