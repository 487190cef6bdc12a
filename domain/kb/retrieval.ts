import type { Lang } from '../language';
import { searchTerms } from './tokenize';

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

  search(query: string, opts: { lang?: Lang; limit?: number } = {}): ScoredArticle[] {
    const queryTerms = [...new Set(searchTerms(query, opts.lang))];
    const n = this.docs.length;
    const results: ScoredArticle[] = [];
    for (const doc of this.docs) {
      if (opts.lang && doc.article.lang !== opts.lang) continue;
      let score = 0;
      for (const term of queryTerms) {
        const tf = doc.termCounts.get(term);
        if (!tf) continue;
        const df = this.documentFrequency.get(term) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / this.averageLength));
      }
      if (score > 0) results.push({ article: doc.article, score });
    }
    results.sort((a, b) => b.score - a.score);
    return results.slice(0, opts.limit ?? 3);
  }
}
