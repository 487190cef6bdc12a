import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/** Checking and redeeming coupons through the API, once each, and coupon events refused when they name a bad coupon. */

let system: TestSystem;
let ops: string;
let marketer: string;

beforeAll(async () => {
  system = await startTestSystem('coupons');
  [ops, marketer] = await Promise.all([system.token('ops'), system.token('marketer')]);
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

const DAY = 86_400_000;

async function coupon(customerId: string, fields: { threshold?: number; expiresInMs?: number } = {}): Promise<string> {
  const code = `LD${randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase()}`;
  await system.db.models.Coupon.create({ couponKey: `test:${code}`, code, customerId, source: 'campaign:test', amount: 30, threshold: fields.threshold ?? 200, expiresAt: new Date(Date.now() + (fields.expiresInMs ?? 7 * DAY)) });
  return code;
}

const redeem = (code: string, body: Record<string, unknown>, token = ops) => http(system.api.url, 'POST', `/api/coupons/${code}/redeem`, { token, body });

describe('redeeming a coupon', () => {
  it('redeems for its owner on an order over the threshold, records the event, and says why it will not otherwise', async () => {
    const code = await coupon('c-cp-1');
    expect((await redeem('LDNOSUCHCODE', { customerId: 'c-cp-1', orderAmount: 300 })).status).toBe(404);
    const notOwner = await redeem(code, { customerId: 'c-cp-2', orderAmount: 300 });
    expect(notOwner.status).toBe(403);
    expect(notOwner.json.error?.message).toMatch(/another customer/);
    const below = await redeem(code, { customerId: 'c-cp-1', orderAmount: 150 });
    expect(below.status).toBe(422);
    expect(below.json.error?.message).toMatch(/at least ¥200/);
    expect((await redeem(code, { customerId: 'c-cp-1', orderAmount: 'lots' })).status).toBe(400);
    expect(await system.db.models.CouponSettlement.countDocuments({ code })).toBe(0);

    const check = await http(system.api.url, 'GET', `/api/coupons/${code}?customerId=c-cp-1&orderAmount=250`, { token: marketer });
    expect(check.json).toMatchObject({ redeemable: true, coupon: { status: 'valid', amount: 30, threshold: 200 } });

    const ok = await redeem(code, { customerId: 'c-cp-1', orderAmount: 250, orderId: 'o-cp-1' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toMatchObject({ discount: 30, orderAmount: 250, replay: false, coupon: { status: 'redeemed' } });
    const events = await system.db.models.BehaviourEvent.find({ customerId: 'c-cp-1', type: 'coupon_redeemed' }).lean();
    expect(events.map((e) => e.properties as unknown)).toEqual([{ code, amount: 250, orderId: 'o-cp-1' }]);

    // The same order asking again (a retry after a timeout) gets the same answer; another order gets 409.
    const retry = await redeem(code, { customerId: 'c-cp-1', orderAmount: 250, orderId: 'o-cp-1' });
    expect(retry.json).toMatchObject({ replay: true, eventId: ok.json.eventId });
    const second = await redeem(code, { customerId: 'c-cp-1', orderAmount: 250, orderId: 'o-cp-2' });
    expect(second.status).toBe(409);
    expect(second.json.error?.code).toBe('coupon_already_redeemed');
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: 'c-cp-1', type: 'coupon_redeemed' })).toBe(1);
    const after = await http(system.api.url, 'GET', `/api/coupons/${code}`, { token: ops });
    expect(after.json).toMatchObject({ redeemable: false, coupon: { status: 'redeemed' }, problem: { code: 'coupon_already_redeemed' } });
  });

  it('refuses an expired coupon with 410', async () => {
    const code = await coupon('c-cp-3', { expiresInMs: -DAY });
    const expired = await redeem(code, { customerId: 'c-cp-3', orderAmount: 500 });
    expect(expired.status).toBe(410);
    expect(expired.json.error?.message).toMatch(/expired/);
  });

  it('lets exactly one of two simultaneous redemptions through', async () => {
    for (let round = 0; round < 3; round++) {
      const code = await coupon('c-cp-4');
      const answers = await Promise.all([redeem(code, { customerId: 'c-cp-4', orderAmount: 300, orderId: `o-a-${round}` }), redeem(code, { customerId: 'c-cp-4', orderAmount: 300, orderId: `o-b-${round}` })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(await system.db.models.CouponSettlement.countDocuments({ code })).toBe(1);
      expect(await system.db.models.BehaviourEvent.countDocuments({ type: 'coupon_redeemed', 'properties.code': code })).toBe(1);
    }
  });

  it('redeems a goodwill coupon a case issued the same way, once', async () => {
    await system.db.models.GoodwillCoupon.create({ caseId: 'case-cp-gw', code: 'GW-CP00001', customerId: 'c-cp-gw', amount: 50, expiresAt: new Date(Date.now() + DAY) });
    const purchase = await http(system.api.url, 'POST', '/api/events', { token: ops, body: { eventId: 'ev-cp-gw', customerId: 'c-cp-gw', type: 'purchase', properties: { amount: 80, items: ['SKU-1'], couponCode: 'GW-CP00001' } } });
    expect(purchase.status, purchase.text).toBe(202);
    const again = await redeem('GW-CP00001', { customerId: 'c-cp-gw', orderAmount: 90, orderId: 'o-gw-2' });
    expect(again.status).toBe(409);
    expect((await http(system.api.url, 'GET', '/api/coupons/GW-CP00001', { token: ops })).json).toMatchObject({ coupon: { source: 'case:case-cp-gw', status: 'redeemed' } });
  });

  it('is for the shop backend (ops), not for marketers or agents', async () => {
    const code = await coupon('c-cp-5');
    expect((await redeem(code, { customerId: 'c-cp-5', orderAmount: 300 }, marketer)).status).toBe(403);
    expect((await redeem(code, { customerId: 'c-cp-5', orderAmount: 300 }, await system.token('agent'))).status).toBe(403);
  });
});

describe('coupon events', () => {
  const post = (body: unknown) => http(system.api.url, 'POST', '/api/events', { token: ops, body });

  it('refuses a coupon_redeemed or purchase event naming an unknown, foreign or used coupon, and records nothing', async () => {
    const unknown = await post({ eventId: 'ev-cp-1', customerId: 'c-cp-6', type: 'coupon_redeemed', properties: { code: 'LDUNKNOWN01' } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error?.code).toBe('coupon_unknown');
    const code = await coupon('c-cp-6');
    const foreign = await post({ eventId: 'ev-cp-2', customerId: 'c-cp-7', type: 'purchase', properties: { amount: 300, items: ['SKU-1'], couponCode: code } });
    expect(foreign.status).toBe(422);
    const batch = await http(system.api.url, 'POST', '/api/events/batch', {
      token: ops,
      body: { events: [{ eventId: 'ev-cp-3', customerId: 'c-cp-6', type: 'page_view', properties: { path: '/' } }, { eventId: 'ev-cp-4', customerId: 'c-cp-6', type: 'purchase', properties: { amount: 50, items: ['SKU-1'], couponCode: code } }] },
    });
    expect(batch.status).toBe(422);
    expect(batch.json.error?.message).toMatch(/^events\[1\] \(ev-cp-4\): .*at least ¥200/);
    expect(await system.db.models.BehaviourEvent.countDocuments({ eventId: mongoose.trusted({ $in: ['ev-cp-1', 'ev-cp-2', 'ev-cp-3', 'ev-cp-4'] }) })).toBe(0);

    const used = await post({ eventId: 'ev-cp-5', customerId: 'c-cp-6', type: 'coupon_redeemed', properties: { code, amount: 260 } });
    expect(used.status).toBe(202);
    expect((await system.db.models.Coupon.findOne({ code }).lean())?.redemptionEventId).toBe('ev-cp-5');
    // The same event again is a retry; another event for the same coupon is a second use.
    expect((await post({ eventId: 'ev-cp-5', customerId: 'c-cp-6', type: 'coupon_redeemed', properties: { code, amount: 260 } })).json).toMatchObject({ duplicates: 1 });
    const twice = await post({ eventId: 'ev-cp-6', customerId: 'c-cp-6', type: 'coupon_redeemed', properties: { code } });
    expect(twice.status).toBe(409);
  });
});
