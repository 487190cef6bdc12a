import type { Lang } from '../language';
import type { KnowledgeIndex, ScoredArticle } from './retrieval';
import { searchTerms } from './tokenize';

export interface GroundedAnswer {
  text: string;
  citations: string[];
  grounded: boolean;
}

/** Below this BM25 score a match is too thin to answer from. */
const MIN_SCORE = 1.5;
const MAX_SENTENCES = 2;

const NO_ANSWER: Record<Lang, string> = {
  zh: '抱歉,我在帮助文档里没有找到相关内容。需要我为您转接人工客服吗?',
  en: "Sorry, I couldn't find that in our help articles. Would you like me to connect you with a human agent?",
};

function sentencesOf(body: string): string[] {
  return body
    .split(/(?<=[。!?;!?;])|(?<=\.)\s+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The sentences of an article that share the most terms with the question, in their original order. */
function bestSentences(question: string, hit: ScoredArticle): string[] {
  const wanted = new Set(searchTerms(question));
  const ranked = sentencesOf(hit.article.body).map((sentence, index) => {
    const overlap = searchTerms(sentence).filter((t) => wanted.has(t)).length;
    return { sentence, index, overlap };
  });
  const chosen = [...ranked].sort((a, b) => b.overlap - a.overlap || a.index - b.index).slice(0, MAX_SENTENCES);
  return chosen.sort((a, b) => a.index - b.index).map((c) => c.sentence);
}

/** Answers only with sentences from the best article, citing it; never composes facts of its own. */
export function answerFromKnowledgeBase(index: KnowledgeIndex, question: string, lang: Lang): GroundedAnswer {
  const [best] = index.search(question, { lang, limit: 1 });
  if (!best || best.score < MIN_SCORE) return { text: NO_ANSWER[lang], citations: [], grounded: false };
  const body = bestSentences(question, best).join(lang === 'zh' ? '' : ' ');
  const source = lang === 'zh' ? `(参考:${best.article.title})` : ` (Source: ${best.article.title})`;
  return { text: `${body}${source}`, citations: [best.article.id], grounded: true };
}
