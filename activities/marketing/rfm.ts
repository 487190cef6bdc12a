import { trustedQuery } from '../db/marketing';
import type { Models } from '../db/models';
import { aggregatePurchases, buildModel, scoreCustomer, type RfmAggregate, type RfmModel, type RfmSegment } from '../../domain/marketing/rfm';

const MODEL_ID = 'current';
/** FerretDB slows sharply on larger update batches (measured: bench/rfm.ts). */
const WRITE_BATCH = 50;

export interface SegmentMove {
  customerId: string;
  from: string | undefined;
  to: RfmSegment;
}

interface StoredRfm {
  frequency?: number | null;
  monetary?: number | null;
  firstPurchaseAt?: Date | null;
  lastPurchaseAt?: Date | null;
  segment?: string | null;
}

function aggregateOf(rfm: StoredRfm | undefined | null): RfmAggregate | undefined {
  if (!rfm?.frequency || !rfm.lastPurchaseAt || !rfm.firstPurchaseAt) return undefined;
  return { frequency: rfm.frequency, monetary: rfm.monetary ?? 0, firstPurchaseAt: rfm.firstPurchaseAt.getTime(), lastPurchaseAt: rfm.lastPurchaseAt.getTime() };
}

function rfmFields(aggregate: RfmAggregate, score: ReturnType<typeof scoreCustomer> | undefined, previous: StoredRfm | undefined | null, now: number) {
  return {
    'rfm.frequency': aggregate.frequency,
    'rfm.monetary': aggregate.monetary,
    'rfm.firstPurchaseAt': new Date(aggregate.firstPurchaseAt),
    'rfm.lastPurchaseAt': new Date(aggregate.lastPurchaseAt),
    ...(score
      ? {
          'rfm.r': score.r,
          'rfm.f': score.f,
          'rfm.m': score.m,
          'rfm.segment': score.segment,
          'rfm.scoredAt': new Date(now),
          ...(previous?.segment !== score.segment ? { 'rfm.segmentSince': new Date(now) } : {}),
        }
      : {}),
  };
}

/** Purchase aggregates and RFM scores on the customer profile. */
export function createRfmStore(models: Models) {
  async function currentModel(): Promise<RfmModel | undefined> {
    const row = await models.RfmModel.findOne({ modelId: MODEL_ID }).lean();
    return row ? { recencyDays: row.recencyDays, frequency: row.frequency, monetary: row.monetary, customers: row.customers, scoredAt: row.scoredAt.getTime() } : undefined;
  }

  return {
    currentModel,

    /**
     * After a purchase: the aggregate is recomputed from the customer's purchase events rather than
     * incremented, so concurrent or repeated purchases cannot lose or double an update, and the
     * customer is scored against the last rescoring's quintiles.
     */
    async refreshCustomer(customerId: string, now = Date.now()): Promise<SegmentMove | undefined> {
      const purchases = await models.BehaviourEvent.find({ customerId, type: 'purchase' }, { occurredAt: 1, properties: 1 }).lean();
      const aggregate = aggregatePurchases(purchases.map((p) => ({ amount: Number((p.properties as { amount?: number }).amount ?? 0), at: p.occurredAt.getTime() })));
      if (!aggregate) return undefined;
      const customer = await models.Customer.findOne({ customerId }, { rfm: 1 }).lean();
      if (!customer) return undefined;
      const model = await currentModel();
      const score = model ? scoreCustomer(aggregate, model, now) : undefined;
      await models.Customer.updateOne({ customerId }, { $set: rfmFields(aggregate, score, customer.rfm, now) });
      return score && customer.rfm?.segment !== score.segment ? { customerId, from: customer.rfm?.segment ?? undefined, to: score.segment } : undefined;
    },

    /**
     * Full recompute of every customer's aggregate from the purchase events, streamed with a cursor:
     * memory grows with customers, not events. For a rebuild after an import or a data repair.
     */
    async rebuildAggregates(heartbeat: () => void = () => undefined): Promise<{ events: number; customers: number }> {
      const totals = new Map<string, RfmAggregate>();
      let events = 0;
      const cursor = models.BehaviourEvent.find({ type: 'purchase' }, { customerId: 1, occurredAt: 1, 'properties.amount': 1, _id: 0 }).lean().cursor({ batchSize: 5_000 });
      for await (const e of cursor) {
        if (++events % 50_000 === 0) heartbeat();
        const amount = Number((e.properties as { amount?: number }).amount ?? 0);
        const at = e.occurredAt.getTime();
        const a = totals.get(e.customerId);
        if (!a) totals.set(e.customerId, { frequency: 1, monetary: amount, firstPurchaseAt: at, lastPurchaseAt: at });
        else {
          a.frequency++;
          a.monetary += amount;
          if (at < a.firstPurchaseAt) a.firstPurchaseAt = at;
          if (at > a.lastPurchaseAt) a.lastPurchaseAt = at;
        }
      }
      // Written by _id: FerretDB finds a document by _id through its primary key but scans for any other field.
      const idOf = new Map<string, unknown>();
      for await (const c of models.Customer.find({}, { customerId: 1 }).lean().cursor({ batchSize: 10_000 })) idOf.set(c.customerId, c._id);
      let batch: Parameters<typeof models.Customer.bulkWrite>[0] = [];
      for (const [customerId, a] of totals) {
        a.monetary = Math.round(a.monetary * 100) / 100;
        const _id = idOf.get(customerId);
        if (_id === undefined) continue;
        batch.push({ updateOne: { filter: { _id }, update: { $set: rfmFields(a, undefined, undefined, 0) } } });
        if (batch.length >= WRITE_BATCH) {
          await models.Customer.bulkWrite(batch, { ordered: false });
          batch = [];
          heartbeat();
        }
      }
      if (batch.length) await models.Customer.bulkWrite(batch, { ordered: false });
      return { events, customers: totals.size };
    },

    /** Quintiles over everyone who has bought, then each customer's score and segment; returns who moved. */
    async rescore(now = Date.now(), heartbeat: () => void = () => undefined): Promise<{ customers: number; moves: SegmentMove[]; model: RfmModel }> {
      const rows: Array<{ _id: unknown; customerId: string; aggregate: RfmAggregate; previous: StoredRfm }> = [];
      const hasPurchased = trustedQuery({ 'rfm.frequency': { $gte: 1 } });
      for await (const c of models.Customer.find(hasPurchased, { customerId: 1, rfm: 1 }).lean().cursor({ batchSize: 5_000 })) {
        const aggregate = aggregateOf(c.rfm);
        if (aggregate) rows.push({ _id: c._id, customerId: c.customerId, aggregate, previous: c.rfm! });
      }
      const model = buildModel(rows.map((r) => r.aggregate), now);
      await models.RfmModel.updateOne(
        { modelId: MODEL_ID },
        { $set: { recencyDays: model.recencyDays, frequency: model.frequency, monetary: model.monetary, customers: model.customers, scoredAt: new Date(now) } },
        { upsert: true },
      );
      const moves: SegmentMove[] = [];
      let batch: Parameters<typeof models.Customer.bulkWrite>[0] = [];
      for (const row of rows) {
        const score = scoreCustomer(row.aggregate, model, now);
        if (row.previous.segment !== score.segment) moves.push({ customerId: row.customerId, from: row.previous.segment ?? undefined, to: score.segment });
        batch.push({ updateOne: { filter: { _id: row._id }, update: { $set: rfmFields(row.aggregate, score, row.previous, now) } } });
        if (batch.length >= WRITE_BATCH) {
          await models.Customer.bulkWrite(batch, { ordered: false });
          batch = [];
          heartbeat();
        }
      }
      if (batch.length) await models.Customer.bulkWrite(batch, { ordered: false });
      return { customers: rows.length, moves, model };
    },
  };
}

export type RfmStore = ReturnType<typeof createRfmStore>;
