import type { Lang } from '../language';
import { foldText } from '../nlu/text';
import { conceptTerms } from './concepts';
import { stem } from './stemming';

const wordSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const ENGLISH_STOPWORDS = new Set(
  'a an the is are was were be been am do does did i im ive you we they he she it its my your our their me us to of in on at for with and or but if can could would should will how what when where which who why this that these those there here have has had get got any some please hi hello about from by as not no so just also than then into d s t ll m re ve'.split(
    ' ',
  ),
);

const CHINESE_STOPWORDS = new Set(
  '的 了 吗 呢 吧 啊 呀 哦 嘛 我 你 您 他 她 它 是 在 有 和 就 都 也 要 会 可以 怎么 怎么办 怎样 如何 什么 哪些 哪个 为什么 一下 请问 请 这个 那个 这 那 多久 几 多少 我的 你们 我们 能不能 可不可以 是不是 有没有 还 被 把 给'.split(
    ' ',
  ),
);

/** Characters that glue a Chinese sentence together; a bigram holding one names no topic ("的账", "了怎"). */
const CHINESE_FUNCTION_CHARS = /[的了吗呢吧啊呀哦嘛么我你您是这那怎哪]/u;

const HAN_RUN = /\p{Script=Han}+/gu;

function hanBigrams(text: string): string[] {
  const bigrams: string[] = [];
  for (const run of text.match(HAN_RUN) ?? []) {
    for (let i = 0; i + 1 < run.length; i++) {
      const bigram = run.slice(i, i + 2);
      if (!CHINESE_FUNCTION_CHARS.test(bigram) && !CHINESE_STOPWORDS.has(bigram)) bigrams.push(bigram);
    }
  }
  return bigrams;
}

/**
 * Search terms of a text: Chinese words from the ICU dictionary segmenter plus Han character
 * bigrams (robust to segmentation differences), English stems, numbers and model codes as they
 * stand, and the language-neutral concepts the text names ("@refund" for both 退款 and refund),
 * which is what lets a question find an article written in the other language.
 */
export function searchTerms(text: string, _lang?: Lang): string[] {
  const folded = foldText(text);
  const terms: string[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(folded)) {
    if (!isWordLike) continue;
    if (/\p{Script=Han}/u.test(segment)) {
      if (segment.length > 1 && !CHINESE_STOPWORDS.has(segment)) terms.push(segment);
    } else if (/^[a-z]+$/.test(segment)) {
      if (!ENGLISH_STOPWORDS.has(segment)) terms.push(stem(segment));
    } else if (/\d/.test(segment)) {
      terms.push(segment);
    }
  }
  terms.push(...hanBigrams(folded), ...conceptTerms(folded));
  return terms;
}

/** Terms that read the same in Chinese and English text: concepts, numbers and model codes such as "p3". */
export function isLanguageNeutral(term: string): boolean {
  return term.startsWith('@') || /\d/.test(term);
}
