import catalogJson from '../../../seed/catalog.json';
import knowledgeJson from '../../../seed/knowledge-base.json';
import type { Lang } from '../i18n';

/**
 * The demo shop's own data, bundled from the same seed files the API loads: the catalog it sells,
 * and the knowledge-base titles, so a bot answer can name the article it cites.
 */
export interface Product {
  sku: string;
  name: Record<Lang, string>;
  brand: string;
  category: string;
  price: number;
  currency: string;
  /** null for products that are not stocked, such as wealth products. */
  stock: number | null;
}

export const catalog: readonly Product[] = catalogJson;

const titles = new Map((knowledgeJson as Array<{ id: string; title: string }>).map((article) => [article.id, article.title]));

/** A cited article's title, a cited product's name ("product:<sku>"), or else the citation as it came. */
export function citationLabel(citation: string, lang: Lang): string {
  const sku = citation.replace(/^product:/, '');
  return titles.get(citation) ?? catalog.find((p) => p.sku === sku)?.name[lang] ?? citation;
}
