import { findProductMentions, type Product } from '../catalog';
import { MIN_SCORE } from '../kb/embedded-answerer';
import type { KnowledgeArticle, KnowledgeIndex, Retrieval } from '../kb/retrieval';
import type { Lang } from '../language';
import { askedFacets, facetCue } from './product-facts';

/** What an answer may be built from: knowledge articles, one product's catalog entry, or nothing. */
export type Grounding =
  | { source: 'knowledge'; retrieval: Retrieval; supplement?: ProductFacts }
  | { source: 'catalog'; product: Product; facets: string[]; unlisted: boolean }
  | { source: 'none' };

/** Facts of a product asked for alongside an article about it, in case the article lacks the figure. */
export interface ProductFacts {
  product: Product;
  facets: string[];
}

/**
 * The NLU calls weather and small talk out of scope, but also some real questions it has never
 * seen; a strong match in the knowledge base is trusted over it, a weak one is not.
 */
const OUT_OF_SCOPE_MIN_SCORE = 5;

function bySku(catalog: Product[], sku: unknown): Product | undefined {
  return typeof sku === 'string' ? catalog.find((p) => p.sku === sku) : undefined;
}

export interface ResolvedProduct {
  product: Product;
  /** Only a kind of product was named ("理财", "充电器"), and this is the catalog's first of that kind. */
  byKind: boolean;
}

function resolved(product: Product | undefined, byKind: boolean): ResolvedProduct | undefined {
  return product ? { product, byKind } : undefined;
}

/**
 * The product a question is about: one it names; else the conversation's last product when the
 * question names no product ("does it…", "这个多少钱") or only its kind ("这款手机" after the
 * L2); else the kind of product it names ("充电器"), as the NLU resolved it.
 */
export function resolveProduct(question: string, catalog: Product[], nluProduct?: unknown, lastProduct?: string): ResolvedProduct | undefined {
  const mentions = findProductMentions(question, catalog);
  const named = mentions.find((m) => m.specific);
  if (named) return resolved(bySku(catalog, named.sku), false);
  const last = bySku(catalog, lastProduct);
  const [generic] = mentions;
  if (!generic) return resolved(last, false) ?? resolved(bySku(catalog, nluProduct), false);
  const kindOfLast = last !== undefined && findProductMentions(generic.text, [last]).some((m) => m.end - m.start === generic.text.length);
  if (kindOfLast) return resolved(last, false);
  return resolved(bySku(catalog, nluProduct) ?? bySku(catalog, generic.sku), true);
}

/** An article is about a product when it names it, or names the product it is made for (a filter's purifier). */
function articleConcerns(article: KnowledgeArticle, product: Product, catalog: Product[]): boolean {
  const fits = Array.isArray(product.attributes.fits) ? product.attributes.fits : [];
  return findProductMentions(`${article.title} ${article.body}`, catalog).some(
    (m) => (m.sku === product.sku && (m.specific || fits.length > 0)) || (m.specific && fits.includes(m.sku)),
  );
}

/**
 * The question with the products it names blanked out: what it asks about them. "介绍一下清风P3"
 * then matches no article about the P3 merely for naming it, while "how often should I replace
 * the P3 filter" still finds the filter article by "replace". Kinds of product ("理财", "air
 * purifier") stay: they are often the topic itself.
 */
function withoutProductNames(question: string, catalog: Product[]): string {
  let topic = question;
  for (const mention of findProductMentions(question, catalog).filter((m) => m.specific)) {
    topic = topic.slice(0, mention.start) + ' '.repeat(mention.end - mention.start) + topic.slice(mention.end);
  }
  return topic;
}

const PRODUCT_INTENTS = new Set(['product_inquiry', 'financial_product', 'promotion']);

export interface GroundingRequest {
  question: string;
  lang: Lang;
  intent: string;
  product?: ResolvedProduct;
}

/**
 * Chooses what to answer from. A question about a product's facts ("支持5G吗", "when is it back in
 * stock") is answered from the catalog, unless an article about that very product speaks to the
 * same point (a wealth product's risk, the filter's replacement): reviewed articles lead there.
 * Policy questions ("电池保修多久") go to the knowledge base even when a product is in play.
 */
export function chooseGrounding(request: GroundingRequest, index: KnowledgeIndex, catalog: Product[]): Grounding {
  const { question, lang, intent } = request;
  const product = request.product?.product;
  const retrieval = index.retrieve(withoutProductNames(question, catalog), lang);
  const minScore = intent === 'out_of_scope' ? OUT_OF_SCOPE_MIN_SCORE : MIN_SCORE;
  const best = retrieval.hits[0];
  const knowledge: Grounding | undefined = best && best.score >= minScore ? { source: 'knowledge', retrieval } : undefined;
  if (!product || intent === 'loan' || intent === 'out_of_scope') return knowledge ?? { source: 'none' };

  const facets = askedFacets(question, product);
  if (facets.policy) return knowledge ?? { source: 'none' };
  const aboutProduct = best !== undefined && knowledge !== undefined && articleConcerns(best.article, product, catalog);
  if (facets.answerable.length > 0) {
    const articleSpeaksToIt = aboutProduct && facets.answerable.some((key) => facetCue(key)?.test(best.article.body.toLowerCase()) ?? false);
    // A figure of the catalog's first wealth product would mislead when wealth products in general were asked about.
    if (articleSpeaksToIt && knowledge) return request.product?.byKind ? knowledge : { ...knowledge, supplement: { product, facets: facets.answerable } };
    return { source: 'catalog', product, facets: facets.answerable, unlisted: false };
  }
  if (facets.asked) return aboutProduct && knowledge ? knowledge : { source: 'catalog', product, facets: [], unlisted: true };
  if (knowledge && (aboutProduct || !PRODUCT_INTENTS.has(intent))) return knowledge;
  return PRODUCT_INTENTS.has(intent) ? { source: 'catalog', product, facets: [], unlisted: false } : (knowledge ?? { source: 'none' });
}
