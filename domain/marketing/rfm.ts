/**
 * RFM: recency (days since the last purchase), frequency (purchases) and monetary value (spend),
 * each scored 1–5 by quintile against the whole customer base, then named segments.
 */

export const RFM_SEGMENTS = ['champions', 'loyal', 'potential', 'new', 'at_risk', 'hibernating', 'lost'] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export interface PurchaseFact {
  amount: number;
  at: number;
}

export interface RfmAggregate {
  frequency: number;
  monetary: number;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
}

/** Quintile cut points of one measure: four ascending values; a score is 1 + how many cuts a value passes. */
export interface RfmModel {
  recencyDays: number[];
  frequency: number[];
  monetary: number[];
  scoredAt: number;
  customers: number;
}

export interface RfmScore {
  r: number;
  f: number;
  m: number;
  segment: RfmSegment;
}

const DAY = 86_400_000;

/** Folds purchases into the running aggregate; order does not matter. */
export function aggregatePurchases(purchases: readonly PurchaseFact[]): RfmAggregate | undefined {
  if (purchases.length === 0) return undefined;
  let monetary = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const p of purchases) {
    monetary += p.amount;
    first = Math.min(first, p.at);
    last = Math.max(last, p.at);
  }
  return { frequency: purchases.length, monetary: Math.round(monetary * 100) / 100, firstPurchaseAt: first, lastPurchaseAt: last };
}

export function addPurchase(aggregate: RfmAggregate | undefined, purchase: PurchaseFact): RfmAggregate {
  if (!aggregate) return { frequency: 1, monetary: purchase.amount, firstPurchaseAt: purchase.at, lastPurchaseAt: purchase.at };
  return {
    frequency: aggregate.frequency + 1,
    monetary: Math.round((aggregate.monetary + purchase.amount) * 100) / 100,
    firstPurchaseAt: Math.min(aggregate.firstPurchaseAt, purchase.at),
    lastPurchaseAt: Math.max(aggregate.lastPurchaseAt, purchase.at),
  };
}

export function recencyDays(aggregate: RfmAggregate, now: number): number {
  return Math.max(0, Math.floor((now - aggregate.lastPurchaseAt) / DAY));
}

/** The 20th, 40th, 60th and 80th percentile values of a measure (nearest rank). */
export function quintileCuts(values: readonly number[]): number[] {
  if (values.length === 0) return [0, 0, 0, 0];
  const sorted = Float64Array.from(values).sort();
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}

/**
 * 1 + the number of cuts the value lies strictly above; ties stay together, so a base where most
 * customers bought once scores them all alike rather than splitting them arbitrarily.
 */
export function scoreAgainst(value: number, cuts: readonly number[]): number {
  let score = 1;
  for (const cut of cuts) if (value > cut) score++;
  return score;
}

export function buildModel(aggregates: Iterable<RfmAggregate>, now: number): RfmModel {
  const recency: number[] = [];
  const frequency: number[] = [];
  const monetary: number[] = [];
  for (const a of aggregates) {
    recency.push(recencyDays(a, now));
    frequency.push(a.frequency);
    monetary.push(a.monetary);
  }
  return { recencyDays: quintileCuts(recency), frequency: quintileCuts(frequency), monetary: quintileCuts(monetary), scoredAt: now, customers: recency.length };
}

/** The usual RFM grid, first match wins. */
export function segmentOf(r: number, f: number, frequency: number): RfmSegment {
  if (r >= 4 && f >= 4) return 'champions';
  if (r >= 3 && f >= 3) return 'loyal';
  if (r >= 4 && frequency <= 1) return 'new';
  if (r >= 3) return 'potential';
  if (f >= 3) return 'at_risk';
  if (r === 2) return 'hibernating';
  return 'lost';
}

export function scoreCustomer(aggregate: RfmAggregate, model: RfmModel, now: number): RfmScore {
  // Recent is good, so recency scores the other way round: 6 - its quintile.
  const r = 6 - scoreAgainst(recencyDays(aggregate, now), model.recencyDays);
  const f = scoreAgainst(aggregate.frequency, model.frequency);
  const m = scoreAgainst(aggregate.monetary, model.monetary);
  return { r, f, m, segment: segmentOf(r, f, aggregate.frequency) };
}
