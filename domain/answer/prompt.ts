import type { Product } from '../catalog';
import { MIN_SCORE } from '../kb/embedded-answerer';
import type { Lang } from '../language';
import { CATALOG_SOURCE, productCitation, type CompositionContext } from './compose';
import { figuresOf } from './figures';
import type { Grounding } from './grounding';
import { describeProduct } from './product-facts';

/** One source the model may answer from, cited by its id. */
export interface Passage {
  id: string;
  title: string;
  text: string;
}

const MAX_PASSAGES = 3;

function productPassage(product: Product, ctx: CompositionContext): Passage {
  const facts = describeProduct(product, ctx.lang, { question: ctx.question, catalog: ctx.catalog });
  return { id: productCitation(product), title: product.name[ctx.lang], text: facts };
}

/** The articles or the product facts an answer may rest on; nothing else is shown to the model. */
export function passagesFor(grounding: Grounding, ctx: CompositionContext): Passage[] {
  switch (grounding.source) {
    case 'knowledge': {
      const articles = grounding.retrieval.hits
        .filter((hit) => hit.score >= MIN_SCORE)
        .slice(0, MAX_PASSAGES)
        .map(({ article }) => ({ id: article.id, title: article.title, text: article.body }));
      return grounding.supplement ? [...articles, productPassage(grounding.supplement.product, ctx)] : articles;
    }
    case 'catalog':
      return [productPassage(grounding.product, ctx)];
    case 'none':
      return [];
  }
}

const LANGUAGE_NAME: Record<Lang, string> = { zh: 'Simplified Chinese', en: 'English' };

export interface GroundedPrompt {
  system: string;
  user: string;
}

/** A prompt that shows the model only the retrieved passages and asks it to cite them by id. */
export function groundedPrompt(question: string, lang: Lang, passages: Passage[]): GroundedPrompt {
  const system = [
    "You are Loopdesk's customer-service assistant for a retailer and bank.",
    'Answer the customer using ONLY the sources below; never add facts, figures, dates or promises that are not in them.',
    `Reply in ${LANGUAGE_NAME[lang]}, in two or three short sentences. A source may be in another language: translate what it says faithfully.`,
    'After each statement, cite the source it came from by its id in square brackets, for example [kb-refund] or [product:PH-X5-128].',
    'If the sources do not answer the question, say so and offer to connect the customer with a human agent.',
    'Never promise investment returns or loan approval.',
    'Keep placeholders such as [PHONE_1] or [EMAIL_1] exactly as written.',
  ].join('\n');
  const sources = passages.map((p) => `[${p.id}] ${p.title}\n${p.text}`).join('\n\n');
  const user = `Sources:\n${sources}\n\nCustomer question:\n${question}`;
  return { system, user };
}

const PII_PLACEHOLDER = /^(PHONE|ID_CARD|BANK_CARD|EMAIL)_\d+$/;
const BRACKETED = /\[([^[\]\s]{1,80})\]/g;

export type ModelAnswer = { body: string; sources: string[]; citations: string[] } | { rejected: string };

/**
 * Reads the model's reply: it must cite at least one passage it was given, nothing else, and
 * state no figure that is in neither the passages nor the question; the citation marks give
 * way to a source note like the embedded answerer's.
 */
export function readModelAnswer(reply: string, passages: Passage[], question: string, lang: Lang): ModelAnswer {
  const cited = [...reply.matchAll(BRACKETED)].map(([, id = '']) => id).filter((id) => !PII_PLACEHOLDER.test(id));
  const citations = [...new Set(cited)];
  if (citations.length === 0) return { rejected: 'the answer cites no source' };
  const unknown = citations.filter((id) => !passages.some((p) => p.id === id));
  if (unknown.length > 0) return { rejected: `the answer cites sources it was not given: ${unknown.join(', ')}` };
  const body = reply
    .replace(BRACKETED, (mark: string, id: string) => (PII_PLACEHOLDER.test(id) ? mark : ''))
    .replace(/[ \t]+([,.;:!?。,;:!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  const known = figuresOf(`${passages.map((p) => p.text).join('\n')}\n${question}`);
  // What is still bracketed is a placeholder, whose number is no figure.
  const invented = [...figuresOf(body.replace(BRACKETED, ''))].filter((figure) => !known.has(figure));
  if (invented.length > 0) return { rejected: `the answer states figures that are not in its sources: ${invented.join(', ')}` };
  const titles = citations.map((id) => (id.startsWith('product:') ? CATALOG_SOURCE[lang] : (passages.find((p) => p.id === id)?.title ?? id)));
  return { body, sources: [...new Set(titles)], citations };
}
