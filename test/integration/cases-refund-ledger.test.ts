import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../activities/db/models';
import { createEmbeddedOrderSystem } from '../../activities/oms/embedded';
import { seedDemoData, seedReferenceData } from '../../activities/seed';
import { OmsRefusal, type OrderSystem } from '../../domain/oms/types';
import { isolatedMongoUri } from '../helpers/stack';

/**
 * The embedded order system's refunds against the real database: refunds racing on one order
 * never add up to more than was paid, and a repeated idempotency key pays once.
 */

let db: Database;
let oms: OrderSystem;

beforeAll(async () => {
  db = await connectDatabase(isolatedMongoUri('refund-ledger'));
  await seedReferenceData(db.models);
  await seedDemoData(db.models, { demoPassword: 'loopdesk-demo' });
  oms = createEmbeddedOrderSystem(db.models);
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
});

/** The refund, or the order system's refusal code. */
const refund = (orderId: string, idempotencyKey: string, amount: number) =>
  oms.refund({ orderId, idempotencyKey, amount, reason: 'test' }).then(
    (result) => ({ ok: true as const, ...result }),
    (error: unknown) => {
      if (error instanceof OmsRefusal) return { ok: false as const, code: error.code };
      throw error;
    },
  );

describe('embedded order system refunds', () => {
  it('never refunds an order more than was paid, however many refunds race', async () => {
    const order = await db.models.Order.findOne({ orderId: 'LD20261001' }).lean();
    const paid = order!.total;
    expect(paid).toBe(3078);

    // Eight different refunds of 1000 at once on a payment of 3078: three fit, five are refused.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => refund('LD20261001', `race:${i}`, 1_000)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.code))).toEqual(Array(5).fill('refund_rejected'));
    const rows = await db.models.Refund.find({ orderId: 'LD20261001' }).lean();
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(3_000);

    // What is left can still be refunded, once, also when the same refund is sent twice at once.
    const [first, twin] = await Promise.all([refund('LD20261001', 'rest', 78), refund('LD20261001', 'rest', 78)]);
    expect(first).toMatchObject({ ok: true, amount: 78 });
    expect(twin).toEqual(first);
    expect(await refund('LD20261001', 'one-more', 1)).toEqual({ ok: false, code: 'refund_rejected' });
    expect((await db.models.Refund.find({ orderId: 'LD20261001' }).lean()).reduce((sum, r) => sum + r.amount, 0)).toBe(paid);

    // A refund already paid answers the same when repeated, even with the order fully refunded.
    const paidOne = results.find((r) => r.ok)!;
    const again = await refund('LD20261001', `race:${results.indexOf(paidOne)}`, 1_000);
    expect(again).toEqual(paidOne);
    expect(await db.models.Refund.countDocuments({ orderId: 'LD20261001' })).toBe(4);
  });
});
