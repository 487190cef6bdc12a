import type { Lang } from '../language';

const wordSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const ENGLISH_STOPWORDS = new Set(
  'a an the is are was were be been am do does did i you we they he she it my your our their me us to of in on at for with and or but if can could would should will how what when where which who why this that these those there here have has had get got any some please hi hello about from by as not no so just'.split(' '),
);

const CHINESE_STOPWORDS = new Set('的 了 吗 呢 吧 啊 我 你 您 是 在 有 和 就 都 也 要 会 可以 怎么 什么 一下 请问 请 这个 那个 多久 几 多少'.split(' '));

/** A light English stemmer: enough to match "returns"/"returned"/"returning" with "return". */
function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

/**
 * Search terms of a text: Chinese words from the ICU dictionary segmenter plus Han character
 * bigrams (robust to segmentation differences), English stems, and numbers as they stand.
 */
export function searchTerms(text: string, _lang?: Lang): string[] {
  const terms: string[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(text.toLowerCase())) {
    if (!isWordLike) continue;
    if (/\p{Script=Han}/u.test(segment)) {
      if (!CHINESE_STOPWORDS.has(segment)) terms.push(segment);
    } else if (/^[a-z]+$/.test(segment)) {
      if (!ENGLISH_STOPWORDS.has(segment)) terms.push(stem(segment));
    } else if (/\d/.test(segment)) {
      terms.push(segment);
    }
  }
  const hanRuns = text.match(/\p{Script=Han}+/gu) ?? [];
  for (const run of hanRuns) {
    for (let i = 0; i + 1 < run.length; i++) terms.push(run.slice(i, i + 2));
  }
  return terms;
}
