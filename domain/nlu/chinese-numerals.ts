const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 贰: 2, 两: 2, 三: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const SMALL_UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const LARGE_UNITS: Record<string, number> = { 万: 10_000, 萬: 10_000, 亿: 100_000_000 };

/** Characters a Chinese number may be written with, Arabic digits included ("3千", "1.5万"). */
export const CHINESE_NUMBER_CHARS = '零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿0-9.';

interface Reading {
  total: number;
  section: number;
  pending: number | undefined;
  lastUnit: number;
  sawZero: boolean;
}

function readArabic(text: string, at: number): { value: number; length: number } {
  const match = /^\d+(?:\.\d+)?/.exec(text.slice(at));
  const digits = match?.[0] ?? '';
  return { value: Number(digits), length: digits.length };
}

function applySmallUnit(state: Reading, unit: number): void {
  // "十五" is fifteen: a leading ten has an implied one.
  state.section += (state.pending ?? 1) * unit;
  state.pending = undefined;
  state.lastUnit = unit;
  state.sawZero = false;
}

/** 亿 scales everything before it ("一万亿"); 万 only the section since the last 亿 ("一亿五千万"). */
function applyLargeUnit(state: Reading, unit: number): void {
  const spoken = state.section + (state.pending ?? 0);
  const section = spoken === 0 ? 1 : spoken;
  state.total = unit === LARGE_UNITS.亿 ? (state.total + section) * unit : state.total + section * unit;
  state.section = 0;
  state.pending = undefined;
  state.lastUnit = unit;
  state.sawZero = false;
}

/** "两千五" is 2500 and "三万五" is 35000: a lone digit after a unit counts in the next unit down. */
function trailingDigitValue(state: Reading): number {
  if (state.pending === undefined) return 0;
  if (state.sawZero || state.lastUnit < 100 || state.pending >= 10) return state.pending;
  return state.pending * (state.lastUnit / 10);
}

/**
 * The value of a Chinese or mixed numeral ("二十万", "一百零五", "3千", "1.5万", "两千五", "壹仟"),
 * or undefined when the text is not one. A run of bare digits ("一二三") reads positionally.
 */
export function parseChineseNumber(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const hasUnit = [...text].some((char) => char in SMALL_UNITS || char in LARGE_UNITS);
  if (!hasUnit) return readDigitsPositionally(text);
  const state: Reading = { total: 0, section: 0, pending: undefined, lastUnit: 1, sawZero: false };
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (/\d/.test(char)) {
      const { value, length } = readArabic(text, i);
      state.pending = value;
      i += length;
      continue;
    }
    const digit = DIGITS[char];
    const smallUnit = SMALL_UNITS[char];
    const largeUnit = LARGE_UNITS[char];
    if (digit === 0) state.sawZero = true;
    else if (digit !== undefined) state.pending = digit;
    else if (smallUnit !== undefined) applySmallUnit(state, smallUnit);
    else if (largeUnit !== undefined) applyLargeUnit(state, largeUnit);
    else return undefined;
    i += 1;
  }
  const value = state.total + state.section + trailingDigitValue(state);
  return Number.isFinite(value) ? roundToCents(value) : undefined;
}

function readDigitsPositionally(text: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  let value = 0;
  for (const char of text) {
    const digit = DIGITS[char];
    if (digit === undefined) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

function roundToCents(value: number): number {
  return Math.round(value * 100) / 100;
}
