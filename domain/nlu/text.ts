const CURLY_QUOTES = /[\u2018\u2019]/g;

/**
 * Full-width forms to ASCII, curly to straight apostrophes and upper to lower case, one code unit
 * for one, so that an offset into the folded text is the same offset into the original and spans
 * can be reported on what the customer typed.
 */
export function foldText(text: string): string {
  let folded = '';
  for (const char of text.replace(CURLY_QUOTES, "'")) {
    const simple = char.normalize('NFKC').toLowerCase();
    folded += simple.length === char.length ? simple : char;
  }
  return folded;
}

export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const HAN = /\p{Script=Han}/u;

/** "can't" → "can not", "I'd" → "I d", "that's" → "that": negations become words of their own. */
export function expandContractions(text: string): string {
  return text
    .replace(/\b(can)'t\b/g, '$1 not')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/n't\b/g, ' not')
    .replace(/'s\b/g, '')
    .replace(/'(m|re|ve|ll|d)\b/g, ' $1');
}
