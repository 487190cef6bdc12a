export type Lang = 'zh' | 'en';

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/**
 * Chinese when Han characters carry the text; a few Latin brand names inside Chinese stay Chinese.
 * A message with no language in it (an order number, a code, "ok") keeps the conversation's language.
 */
export function detectLanguage(text: string, previous?: Lang): Lang {
  const han = text.match(HAN)?.length ?? 0;
  const latinWords = (text.match(LATIN_WORD) ?? []).filter((w) => !/^(?:LD|SF|ok|OK|Ok)$/.test(w)).length;
  if (previous && han === 0 && latinWords <= 1) return previous;
  if (han === 0) return 'en';
  return han >= latinWords ? 'zh' : 'en';
}
