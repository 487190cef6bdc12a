import type { Lang } from '../language';
import type { KnowledgeIndex, Retrieval, ScoredArticle } from './retrieval';
import { searchTerms } from './tokenize';

export interface GroundedAnswer {
  text: string;
  citations: string[];
  grounded: boolean;
}

/** Below this BM25 score a match is too thin to answer from. */
export const MIN_SCORE = 1.5;
const MAX_SENTENCES = 2;

export const NO_ANSWER: Record<Lang, string> = {
  zh: '抱歉,我在帮助文档里没有找到相关内容。需要我为您转接人工客服吗?',
  en: "Sorry, I couldn't find that in our help articles. Would you like me to connect you with a human agent?",
};

interface AnswerKind {
  asked: RegExp;
  /** What a sentence that answers that kind of question carries. */
  answered: RegExp;
}

/** "How long", "how much" and "how do I" questions want the sentence with the duration, the figure or the step. */
const ANSWER_KINDS: AnswerKind[] = [
  {
    asked: /多久|多长时间|几天|几个月|什么时候|多快|何时|来得及|期限|how long|how soon|how quickly|how many (days|hours|months)|how often|when\b|in time|too late|deadline|time limit/i,
    answered: /\d+\s*(个?工作日|个月|天|小时|分钟|秒|年|business days?|days?|hours?|months?|years?|seconds?|minutes?)/i,
  },
  { asked: /多少|几张|几级|how much|how many|what amount/i, answered: /\d/ },
  {
    asked: /怎么(办|操作|申请|弄|做|处理|退|换)|如何|流程|步骤|how (do|can|should) i|how to\b|what should i do|steps?\b/i,
    answered: /(?<!申)请|提供|说明|联系|路径|步骤|点击|打开|give|provide|contact|to start|to claim|ask an? agent|go to|tap|open/i,
  },
];

/** Worth about one well-chosen term: enough to break a tie towards the sentence that answers the kind of question asked. */
const ANSWER_KIND_BONUS = 2;

/** Sentences, and the clauses a Chinese semicolon closes, trimmed. */
export function sentencesOf(body: string): string[] {
  return body
    .split(/(?<=[。!?;!?;])|(?<=[.!?])\s+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface CandidateSentence {
  sentence: string;
  position: number;
  terms: Set<string>;
  answersKind: boolean;
}

/**
 * The sentences of an article that best answer the question, in their original order. Each pick
 * is the sentence that adds the most question terms not yet covered, so a second sentence brings
 * something new; when none does, the sentence after the first pick follows, as articles explain
 * a point right after making it.
 */
export function bestSentences(index: KnowledgeIndex, question: string, hit: ScoredArticle): string[] {
  const wanted = new Set(searchTerms(question));
  const kinds = ANSWER_KINDS.filter((kind) => kind.asked.test(question));
  const candidates: CandidateSentence[] = sentencesOf(hit.article.body).map((sentence, position) => ({
    sentence,
    position,
    terms: new Set(searchTerms(sentence).filter((term) => wanted.has(term))),
    answersKind: kinds.some((kind) => kind.answered.test(sentence)),
  }));
  const covered = new Set<string>();
  let kindAnswered = kinds.length === 0;
  const chosen: CandidateSentence[] = [];
  while (chosen.length < MAX_SENTENCES) {
    const gain = (c: CandidateSentence) =>
      [...c.terms].filter((t) => !covered.has(t)).reduce((sum, t) => sum + index.termWeight(t), 0) + (!kindAnswered && c.answersKind ? ANSWER_KIND_BONUS : 0);
    const open = candidates.filter((c) => !chosen.includes(c));
    const best = open.reduce<CandidateSentence | undefined>((top, c) => (top === undefined || gain(c) > gain(top) ? c : top), undefined);
    if (!best) break;
    const [first] = chosen;
    const pick = first && gain(best) === 0 ? open.find((c) => c.position === first.position + 1) : best;
    if (!pick) break;
    chosen.push(pick);
    for (const term of pick.terms) covered.add(term);
    kindAnswered ||= pick.answersKind;
  }
  return chosen.sort((a, b) => a.position - b.position).map((c) => closeClause(c.sentence, hit.article.lang));
}

/** A clause quoted on its own ends as a sentence, not with the semicolon that joined it to the next. */
function closeClause(sentence: string, lang: Lang): string {
  return sentence.replace(/[;;]$/, lang === 'zh' ? '。' : '.');
}

const CHINESE_FIGURE = /(\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?)\s*(个工作日|工作日|个月|天|小时|分钟|秒|年|元|%|折)/g;
const FIGURE_UNITS: Record<string, string> = {
  个工作日: 'business days',
  工作日: 'business days',
  个月: 'months',
  天: 'days',
  小时: 'hours',
  分钟: 'minutes',
  秒: 'seconds',
  年: 'years',
};

function englishFigure(amount: string, unit: string): string {
  if (unit === '元') return `CNY ${amount}`;
  if (unit === '%') return `${amount}%`;
  if (unit === '折') {
    // "95折" is 95% of the price, "9折" 90%.
    const percentPaid = Number(amount) < 10 ? Number(amount) * 10 : Number(amount);
    return `${Math.round((100 - percentPaid) * 10) / 10}% off`;
  }
  return `${amount} ${FIGURE_UNITS[unit] ?? unit}`;
}

/** The figures of a Chinese passage with their units in English ("6个月" → "6 months"): what an English reader can take from it without a translation. */
export function figuresInEnglish(chinese: string): string[] {
  return [...new Set([...chinese.matchAll(CHINESE_FIGURE)].map(([, amount = '', unit = '']) => englishFigure(amount, unit)))];
}

/** "(参考:退款时效)" / " (Source: Refund times)": what an answer was taken from. */
export function sourceNote(titles: string[], lang: Lang): string {
  return lang === 'zh' ? `(参考:${titles.join('、')})` : ` (Source: ${titles.join('; ')})`;
}

/** The article is in the other language: quote it as written and say so, and pass on its figures, rather than translate it freely. */
function otherLanguageQuote(quote: string[], lang: Lang): string {
  if (lang === 'zh') return `这部分内容目前只有英文帮助文档,原文如下:“${quote.join(' ')}”`;
  const figures = figuresInEnglish(quote.join(''));
  const figureLine = figures.length > 0 ? ` Key figures: ${figures.join(', ')}.` : '';
  return `Our help article on this is only available in Chinese, so here is the relevant part as written: “${quote.join('')}”${figureLine}`;
}

export interface KnowledgeQuote {
  body: string;
  /** Titles of what the body was taken from, for the source note. */
  sources: string[];
  citations: string[];
}

/** Sentences from the best article, in their own words, with the article cited; never facts of its own. */
export function quoteKnowledge(index: KnowledgeIndex, question: string, lang: Lang, retrieval: Retrieval): KnowledgeQuote | undefined {
  const [best] = retrieval.hits;
  if (!best) return undefined;
  const quote = bestSentences(index, question, best);
  const body = retrieval.crossLingual ? otherLanguageQuote(quote, lang) : quote.join(lang === 'zh' ? '' : ' ');
  const title = retrieval.crossLingual ? `${best.article.title}${lang === 'zh' ? ',英文' : ', in Chinese'}` : best.article.title;
  return { body, sources: [title], citations: [best.article.id] };
}

/** Answers from the best article when it matches well enough, else admits it has nothing and offers a human. */
export function answerFromKnowledgeBase(index: KnowledgeIndex, question: string, lang: Lang): GroundedAnswer {
  const retrieval = index.retrieve(question, lang, 1);
  const quote = (retrieval.hits[0]?.score ?? 0) >= MIN_SCORE ? quoteKnowledge(index, question, lang, retrieval) : undefined;
  if (!quote) return { text: NO_ANSWER[lang], citations: [], grounded: false };
  return { text: `${quote.body}${sourceNote(quote.sources, lang)}`, citations: quote.citations, grounded: true };
}
