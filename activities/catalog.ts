import type { Product } from '../domain/catalog';
import type { Models } from './db/models';

const REFRESH_MS = 60_000;

/** The catalog as the NLU and the answerer read it, reloaded from MongoDB at most once a minute. */
export function createCatalogSource(models: Pick<Models, 'Product'>) {
  let cached: { products: Product[]; loadedAt: number } | undefined;
  let loading: Promise<Product[]> | undefined;

  async function load(): Promise<Product[]> {
    const rows = await models.Product.find({}, { _id: 0, __v: 0, createdAt: 0, updatedAt: 0 }).sort({ sku: 1 }).lean();
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
