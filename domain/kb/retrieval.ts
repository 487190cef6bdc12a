import type { Lang } from '../language';
import { isLanguageNeutral, searchTerms } from './tokenize';

export interface KnowledgeArticle {
  id: string;
  lang: Lang;
  title: string;
  tags: string[];
  body: string;
}

export interface ScoredArticle {
  article: KnowledgeArticle;
  score: number;
}

interface IndexedArticle {
  article: KnowledgeArticle;
  termCounts: Map<string, number>;
  length: number;
}

const K1 = 1.2;
const B = 0.75;
const TITLE_AND_TAG_WEIGHT = 3;
/** How much better an article in the other language must cover a question's concepts to be preferred. */
const CROSS_LINGUAL_MARGIN = 1.7;

export interface Retrieval {
  /** Best first, all in one language. */
  hits: ScoredArticle[];
  /** True when the hits are in the other language than the question's. */
  crossLingual: boolean;
}

/** BM25 over title, tags and body; the title and tags count several times, as they name the topic. */
export class KnowledgeIndex {
  private readonly docs: IndexedArticle[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(articles: KnowledgeArticle[]) {
    this.docs = articles.map((article) => {
      const heading = searchTerms(`${article.title} ${article.tags.join(' ')}`, article.lang);
      const terms = [...searchTerms(article.body, article.lang)];
      for (let i = 0; i < TITLE_AND_TAG_WEIGHT; i++) terms.push(...heading);
      const termCounts = new Map<string, number>();
      for (const term of terms) termCounts.set(term, (termCounts.get(term) ?? 0) + 1);
      return { article, termCounts, length: terms.length };
    });
    for (const doc of this.docs) {
      for (const term of doc.termCounts.keys()) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
    this.averageLength = this.docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, this.docs.length);
  }

  get size(): number {
    return this.docs.length;
  }

  article(id: string): KnowledgeArticle | undefined {
    return this.docs.find((doc) => doc.article.id === id)?.article;
  }

  /** How much finding a term says about a topic: rare terms say more. */
  termWeight(term: string): number {
    const df = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (this.docs.length - df + 0.5) / (df + 0.5));
  }

  /**
   * The best articles for a question, in the customer's language unless an article in the other
   * language covers the question clearly better. Only language-neutral terms (concepts, numbers,
   * model codes) can match across languages, so the languages are compared on those alone; the
   * margin keeps a same-language article whenever it is about as good.
   */
  retrieve(question: string, lang: Lang, limit = 3): Retrieval {
    const terms = [...new Set(searchTerms(question, lang))];
    const neutralTerms = terms.filter(isLanguageNeutral);
    const other: Lang = lang === 'zh' ? 'en' : 'zh';
    const bestNeutral = (l: Lang) => Math.max(0, ...this.docs.filter((d) => d.article.lang === l).map((d) => this.score(d, neutralTerms)));
    const crossLingual = bestNeutral(other) > CROSS_LINGUAL_MARGIN * bestNeutral(lang);
    const chosen = crossLingual ? other : lang;
    const hits = this.docs
      .filter((doc) => doc.article.lang === chosen)
      .map((doc) => ({ article: doc.article, score: this.score(doc, terms) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return { hits, crossLingual };
  }

  private score(doc: IndexedArticle, queryTerms: string[]): number {
    let score = 0;
    for (const term of queryTerms) {
      const tf = doc.termCounts.get(term);
      if (!tf) continue;
      score += (this.termWeight(term) * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / this.averageLength));
    }
    return score;
  }
}
