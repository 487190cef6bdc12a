/**
 * RFM over BENCH_RFM_EVENTS behaviour events (default 1 000 000, half of them purchases) from
 * BENCH_RFM_CUSTOMERS customers (default 20 000): the nightly rebuild of every aggregate from the
 * event history (one streamed cursor), the quintile rescoring, and the running update a single
 * purchase triggers. Reports each one's time and the process's memory.
 */
import { createRfmStore } from '../activities/marketing/rfm';
import { database, machine, round, startBenchStack } from './harness';

const EVENTS = Number(process.env.BENCH_RFM_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_RFM_CUSTOMERS ?? 20_000);
const PURCHASE_SHARE = 0.5;
const BATCH = 10_000;
const DAY = 86_400_000;
const OTHER_TYPES = ['page_view', 'product_view', 'add_to_cart', 'consult'] as const;
const SKUS = ['PH-X5-128', 'AC-CASE-X5', 'HM-FILTER-P3', 'KB-BOTTLE', 'AC-EARBUD-2'];

/** A small deterministic generator, so every run measures the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

function memorySampler(intervalMs = 200) {
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return { peakRssMiB: round(peakRss / 2 ** 20), peakHeapMiB: round(peakHeap / 2 ** 20) };
    },
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; memory: { peakRssMiB: number; peakHeapMiB: number } }> {
  global.gc?.();
  const memory = memorySampler();
  const started = performance.now();
  const result = await work();
  return { result, seconds: round((performance.now() - started) / 1000, 2), memory: memory.stop() };
}

export default async function run() {
  const stack = await startBenchStack('rfm');
  try {
    const db = await database(stack);
    const { models } = db;
    const next = random(42);
    const now = Date.now();
    const seedStarted = performance.now();
    for (let from = 0; from < CUSTOMERS; from += BATCH) {
      await models.Customer.insertMany(
        Array.from({ length: Math.min(BATCH, CUSTOMERS - from) }, (_, k) => ({ customerId: `r-${String(from + k).padStart(7, '0')}`, name: `Customer ${from + k}` })),
        { ordered: false, lean: true },
      );
    }
    for (let from = 0; from < EVENTS; from += BATCH) {
      await models.BehaviourEvent.insertMany(
        Array.from({ length: Math.min(BATCH, EVENTS - from) }, (_, k) => {
          // Skewed towards a core of frequent buyers, spread over two years.
          const customer = Math.floor(CUSTOMERS * next() ** 2);
          const purchase = next() < PURCHASE_SHARE;
          return {
            eventId: `e-${from + k}`,
            customerId: `r-${String(customer).padStart(7, '0')}`,
            type: purchase ? 'purchase' : OTHER_TYPES[Math.floor(next() * OTHER_TYPES.length)]!,
            occurredAt: new Date(now - Math.floor(next() * 730) * DAY),
            properties: purchase ? { amount: Math.round(20 + next() * 2_000), items: [SKUS[Math.floor(next() * SKUS.length)]!] } : { sku: SKUS[Math.floor(next() * SKUS.length)]! },
          };
        }),
        { ordered: false, lean: true },
      );
    }
    const seedSeconds = round((performance.now() - seedStarted) / 1000);

    const rfm = createRfmStore(models);
    const rebuild = await timed(() => rfm.rebuildAggregates());
    const rescore = await timed(() => rfm.rescore(now));
    const segments: Record<string, number> = {};
    for (const move of rescore.result.moves) segments[move.to] = (segments[move.to] ?? 0) + 1;

    // The running update after one purchase: that customer's aggregate recomputed from their events.
    const samples = 50;
    const single = await timed(async () => {
      for (let i = 0; i < samples; i++) await rfm.refreshCustomer(`r-${String(i * 7).padStart(7, '0')}`, now);
    });
    await db.close();

    const figures = {
      benchmark: 'rfm',
      events: EVENTS,
      purchaseEvents: rebuild.result.events,
      customers: CUSTOMERS,
      customersWithPurchases: rebuild.result.customers,
      seedSeconds,
      rebuildSeconds: rebuild.seconds,
      rebuildEventsPerSecond: round(rebuild.result.events / rebuild.seconds),
      rebuildPeakRssMiB: rebuild.memory.peakRssMiB,
      rebuildPeakHeapMiB: rebuild.memory.peakHeapMiB,
      rescoreSeconds: rescore.seconds,
      rescorePeakRssMiB: rescore.memory.peakRssMiB,
      rescorePeakHeapMiB: rescore.memory.peakHeapMiB,
      recomputeSeconds: round(rebuild.seconds + rescore.seconds, 2),
      perPurchaseUpdateMs: round((single.seconds * 1000) / samples, 1),
      segments,
      quintiles: { recencyDays: rescore.result.model.recencyDays, frequency: rescore.result.model.frequency, monetary: rescore.result.model.monetary },
      mongo: stack.routes.mongo,
      machine: machine(),
    };
    const summary = [
      `RFM over ${EVENTS} events (${rebuild.result.events} purchases) from ${CUSTOMERS} customers, seeded in ${seedSeconds}s`,
      `rebuild of every aggregate: ${rebuild.seconds}s (${figures.rebuildEventsPerSecond} purchase events/s), peak RSS ${rebuild.memory.peakRssMiB} MiB, heap ${rebuild.memory.peakHeapMiB} MiB`,
      `quintile rescoring of ${rescore.result.customers} customers: ${rescore.seconds}s, peak RSS ${rescore.memory.peakRssMiB} MiB`,
      `running update after one purchase: ${figures.perPurchaseUpdateMs} ms; segments ${JSON.stringify(segments)}`,
    ].join('\n');
    return { summary, figures };
  } finally {
    await stack.stop();
  }
}
