import type { Product } from '../catalog';
import type { Lang } from '../language';
import { formatPrice, isFinanceProduct } from './product-facts';

export interface RecommendationRequest {
  intent: string;
  product?: Product;
  catalog: Product[];
  /** SKU → SKUs often bought with it, best first; ahead of the catalog's own related list. */
  coPurchases?: Record<string, string[]>;
}

/**
 * At most one item to suggest to a customer who is asking about a product: bought together with
 * it or listed as related, in stock, and never a wealth product, nor for one.
 */
export function recommendationFor(request: RecommendationRequest): Product | undefined {
  const { intent, product, catalog, coPurchases } = request;
  if (intent !== 'product_inquiry' || !product || isFinanceProduct(product)) return undefined;
  const candidates = [...(coPurchases?.[product.sku] ?? []), ...product.related];
  return candidates
    .map((sku) => catalog.find((p) => p.sku === sku))
    .find((p) => p !== undefined && p.sku !== product.sku && !isFinanceProduct(p) && (p.stock ?? 0) > 0);
}

export function recommendationLine(product: Product, lang: Lang): string {
  return lang === 'zh'
    ? `您可能还需要:${product.name.zh},售价${formatPrice(product, lang)}。`
    : `You might also like the ${product.name.en} (${formatPrice(product, lang)}).`;
}
