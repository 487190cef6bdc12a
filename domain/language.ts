export type Lang = 'zh' | 'en';

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/** Chinese when Han characters carry the text; a few Latin brand names inside Chinese stay Chinese. */
export function detectLanguage(text: string): Lang {
  const han = text.match(HAN)?.length ?? 0;
  const latinWords = text.match(LATIN_WORD)?.length ?? 0;
  if (han === 0) return 'en';
  return han >= latinWords ? 'zh' : 'en';
}
