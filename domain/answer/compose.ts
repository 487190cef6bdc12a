import type { Product } from '../catalog';
import { NO_ANSWER, quoteKnowledge } from '../kb/embedded-answerer';
import type { KnowledgeIndex } from '../kb/retrieval';
import type { Lang } from '../language';
import { figuresOf } from './figures';
import type { Grounding, ProductFacts } from './grounding';
import type { DraftAnswer } from './guardrails';
import { describeFacets, describeProduct, notListed } from './product-facts';

export interface CompositionContext {
  question: string;
  lang: Lang;
  index: KnowledgeIndex;
  catalog: Product[];
}

export const CATALOG_SOURCE: Record<Lang, string> = { zh: '商品资料', en: 'product catalog' };

export function productCitation(product: Product): string {
  return `product:${product.sku}`;
}

function nothingFound(lang: Lang): DraftAnswer {
  return { body: NO_ANSWER[lang], sources: [], citations: [], grounded: false };
}

function catalogDraft(grounding: Extract<Grounding, { source: 'catalog' }>, ctx: CompositionContext): DraftAnswer {
  const { product, facets, unlisted } = grounding;
  if (unlisted) return { body: notListed(product, ctx.lang), sources: [], citations: [], grounded: false };
  const describeContext = { question: ctx.question, catalog: ctx.catalog };
  const body = facets.length > 0 ? describeFacets(product, facets, ctx.lang, describeContext) : describeProduct(product, ctx.lang, describeContext);
  return { body, sources: [CATALOG_SOURCE[ctx.lang]], citations: [productCitation(product)], grounded: true };
}

/**
 * An article about a product may not give the figure asked for ("稳盈R2收益多少": the article
 * warns, the catalog has the benchmark yield): the catalog's sentence follows, cited too.
 */
function withProductFigures(draft: DraftAnswer, facts: ProductFacts, ctx: CompositionContext): DraftAnswer {
  const sentence = describeFacets(facts.product, facts.facets, ctx.lang, { question: ctx.question, catalog: ctx.catalog });
  const quoted = figuresOf(draft.body);
  const addsFigures = [...figuresOf(sentence)].some((figure) => !quoted.has(figure));
  if (!addsFigures) return draft;
  return {
    body: `${draft.body}${ctx.lang === 'zh' ? '' : ' '}${sentence}`,
    sources: [...draft.sources, CATALOG_SOURCE[ctx.lang]],
    citations: [...draft.citations, productCitation(facts.product)],
    grounded: true,
  };
}

/**
 * The embedded answerer: quotes the best article or states the product's listed facts, in the
 * customer's language, citing what it used; it composes no facts of its own.
 */
export function embeddedDraft(grounding: Grounding, ctx: CompositionContext): DraftAnswer {
  switch (grounding.source) {
    case 'knowledge': {
      const quote = quoteKnowledge(ctx.index, ctx.question, ctx.lang, grounding.retrieval);
      if (!quote) return nothingFound(ctx.lang);
      const draft = { ...quote, grounded: true };
      return grounding.supplement ? withProductFigures(draft, grounding.supplement, ctx) : draft;
    }
    case 'catalog':
      return catalogDraft(grounding, ctx);
    case 'none':
      return nothingFound(ctx.lang);
  }
}
