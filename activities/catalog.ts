import type { Product } from '../domain/catalog';
import type { Models } from './db/models';

const REFRESH_MS = 60_000;

/** The catalog as the NLU and the answerer read it, reloaded from MongoDB at most once a minute. */
export function createCatalogSource(models: Pick<Models, 'Product'>) {
  let cached: { products: Product[]; loadedAt: number } | undefined;
  let loading: Promise<Product[]> | undefined;

  async function load(): Promise<Product[]> {
    const rows = await models.Product.find({}, { _id: 0, __v: 0, createdAt: 0, updatedAt: 0, position: 0 }).sort({ position: 1, sku: 1 }).lean();
    const products: Product[] = rows.map((r) => ({
      sku: r.sku,
      name: { zh: r.name?.zh ?? r.sku, en: r.name?.en ?? r.sku },
      brand: r.brand,
      category: r.category,
      price: r.price,
      currency: r.currency,
      stock: r.stock ?? null,
      attributes: (r.attributes ?? {}) as Record<string, unknown>,
      related: r.related,
    }));
    cached = { products, loadedAt: Date.now() };
    return products;
  }

  return {
    products(): Promise<Product[]> {
      if (cached && Date.now() - cached.loadedAt < REFRESH_MS) return Promise.resolve(cached.products);
      loading ??= load().finally(() => {
        loading = undefined;
      });
      return loading;
    },
  };
}

export type CatalogSource = ReturnType<typeof createCatalogSource>;

const CO_PURCHASE_REFRESH_MS = 10 * 60_000;
const CO_PURCHASES_PER_SKU = 3;

/** What is bought together, from purchase events: SKU → the SKUs most often in the same basket. */
export function createCoPurchaseSource(models: Pick<Models, 'BehaviourEvent'>) {
  let cached: { map: Record<string, string[]>; loadedAt: number } | undefined;

  async function load(): Promise<Record<string, string[]>> {
    const purchases = await models.BehaviourEvent.find({ type: 'purchase' }, { properties: 1 }).sort({ occurredAt: -1 }).limit(50_000).lean();
    const counts = new Map<string, Map<string, number>>();
    for (const purchase of purchases) {
      const items = (purchase.properties as { items?: unknown }).items;
      const skus = Array.isArray(items) ? [...new Set(items.filter((i): i is string => typeof i === 'string'))] : [];
      for (const a of skus) {
        for (const b of skus) {
          if (a === b) continue;
          const row = counts.get(a) ?? new Map<string, number>();
          row.set(b, (row.get(b) ?? 0) + 1);
          counts.set(a, row);
        }
      }
    }
    const map = Object.fromEntries(
      [...counts.entries()].map(([sku, row]) => [sku, [...row.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, CO_PURCHASES_PER_SKU).map(([other]) => other)]),
    );
    cached = { map, loadedAt: Date.now() };
    return map;
  }

  return {
    coPurchases(): Promise<Record<string, string[]>> {
      if (cached && Date.now() - cached.loadedAt < CO_PURCHASE_REFRESH_MS) return Promise.resolve(cached.map);
      return load();
    },
  };
}
