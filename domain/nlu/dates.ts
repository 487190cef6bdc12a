import { parseChineseNumber } from './chinese-numerals';
import { foldText } from './text';
import type { EntityMention } from './types';

/** A calendar day, free of time zones: the customer's "tomorrow" is a day, not an instant. */
interface Day {
  year: number;
  month: number;
  day: number;
}

function dayOf(now: Date): Day {
  return { year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() };
}

function toUtc(day: Day): Date {
  return new Date(Date.UTC(day.year, day.month - 1, day.day));
}

function fromUtc(date: Date): Day {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function addDays(day: Day, days: number): Day {
  const date = toUtc(day);
  date.setUTCDate(date.getUTCDate() + days);
  return fromUtc(date);
}

export function isoDate(day: Day): string {
  return `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
}

function isRealDay(day: Day): boolean {
  const round = fromUtc(toUtc(day));
  return round.year === day.year && round.month === day.month && round.day === day.day;
}

/** Monday is 0: Chinese weeks, and most customers', start on Monday. */
function weekdayIndex(day: Day): number {
  return (toUtc(day).getUTCDay() + 6) % 7;
}

type WeekRef = 'last' | 'this' | 'next' | 'after-next' | 'upcoming' | 'latest';

/**
 * "下周一"/"next Monday" is the Monday of next week, "上周五"/"last Friday" the Friday of last week,
 * "这周五"/"this Friday" the Friday of this week, a bare "周五"/"on Friday" the next Friday to come
 * (today included), and "since Friday" the last Friday gone.
 */
function weekdayDate(today: Day, weekday: number, ref: WeekRef): Day {
  const offset = weekday - weekdayIndex(today);
  if (ref === 'upcoming') return addDays(today, offset >= 0 ? offset : offset + 7);
  if (ref === 'latest') return addDays(today, offset < 0 ? offset : offset - 7);
  const weeks = { last: -1, this: 0, next: 1, 'after-next': 2 }[ref];
  return addDays(today, offset + weeks * 7);
}

/** A month and day without a year: the occurrence nearest to today. */
function nearestYear(today: Day, month: number, day: number): Day | undefined {
  const candidates = [today.year - 1, today.year, today.year + 1]
    .map((year) => ({ year, month, day }))
    .filter(isRealDay);
  const distance = (d: Day) => Math.abs(toUtc(d).getTime() - toUtc(today).getTime());
  return candidates.sort((a, b) => distance(a) - distance(b))[0];
}

function explicitDay(today: Day, year: number | undefined, month: number, day: number): Day | undefined {
  if (year === undefined) return nearestYear(today, month, day);
  const result = { year, month, day };
  return isRealDay(result) ? result : undefined;
}

const ZH_WEEKDAYS: Record<string, number> = { 一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 日: 6, 天: 6 };
const EN_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const EN_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const ZH_RELATIVE_DAYS: Record<string, number> = { 大前天: -3, 前天: -2, 昨天: -1, 昨日: -1, 昨儿: -1, 明天: 1, 明日: 1, 明儿: 1, 后天: 2, 大后天: 3 };
const EN_RELATIVE_DAYS: Record<string, number> = { 'the day before yesterday': -2, 'day before yesterday': -2, yesterday: -1, tomorrow: 1, 'the day after tomorrow': 2, 'day after tomorrow': 2 };

const ZH_WEEK_REF: Record<string, WeekRef> = { 上: 'last', 上个: 'last', 这: 'this', 这个: 'this', 本: 'this', 下: 'next', 下个: 'next', 下下: 'after-next', 下下个: 'after-next' };
const EN_WEEK_REF: Record<string, WeekRef> = { last: 'last', this: 'this', next: 'next', coming: 'upcoming', on: 'upcoming', since: 'latest' };

const ZH_NUMBER = '(\\d{1,2}|[一二三四五六七八九十]{1,3})';

interface Rule {
  pattern: RegExp;
  resolve: (match: RegExpMatchArray, today: Day) => Day | undefined;
}

function zhNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseChineseNumber(text);
}

function monthIndex(name: string | undefined): number | undefined {
  const index = EN_MONTHS.indexOf((name ?? '').slice(0, 3));
  return index >= 0 ? index + 1 : undefined;
}

/** `guard` keeps words that merely contain a day word out ("以后天气" is not "后天"). */
function relativeRule(words: Record<string, number>, guard: { before: string; after: string }): Rule {
  const alternatives = Object.keys(words).sort((a, b) => b.length - a.length).join('|');
  const source = `${guard.before}(${alternatives})${guard.after}`;
  return { pattern: new RegExp(source, 'g'), resolve: (match, today) => addDays(today, words[match[1] ?? ''] ?? 0) };
}

/**
 * Rules, most specific first; a later rule never takes text an earlier one matched. "Today"/"今天"
 * is left out on purpose: it is the moment of the message itself, which the conversation already has.
 */
const RULES: Rule[] = [
  {
    pattern: /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g,
    resolve: (m, today) => explicitDay(today, Number(m[1]), Number(m[2]), Number(m[3])),
  },
  {
    pattern: new RegExp(`(?:(\\d{4})\\s*年\\s*)?${ZH_NUMBER}\\s*月\\s*${ZH_NUMBER}\\s*[日号]`, 'g'),
    resolve: (m, today) => {
      const month = zhNumber(m[2]);
      const day = zhNumber(m[3]);
      if (month === undefined || day === undefined) return undefined;
      return explicitDay(today, m[1] === undefined ? undefined : Number(m[1]), month, day);
    },
  },
  {
    pattern: /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?/g,
    resolve: (m, today) => {
      const month = monthIndex(m[1]);
      return month === undefined ? undefined : explicitDay(today, m[3] === undefined ? undefined : Number(m[3]), month, Number(m[2]));
    },
  },
  {
    pattern: /\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b(?:,?\s*(\d{4}))?/g,
    resolve: (m, today) => {
      const month = monthIndex(m[2]);
      return month === undefined ? undefined : explicitDay(today, m[3] === undefined ? undefined : Number(m[3]), month, Number(m[1]));
    },
  },
  {
    // Not "一周一次" (once a week) nor "这个星期一直…" (all this week).
    pattern: /(?<![一两三四五六七八九十几每\d])(上|这|本|下下|下)?(个)?(?:周|星期|礼拜)([一二三四五六日天])(?![直样起共般定些致切])/g,
    resolve: (m, today) => {
      const ref = m[1] === undefined ? 'upcoming' : ZH_WEEK_REF[`${m[1]}${m[2] ?? ''}`];
      const weekday = ZH_WEEKDAYS[m[3] ?? ''];
      return ref === undefined || weekday === undefined ? undefined : weekdayDate(today, weekday, ref);
    },
  },
  {
    pattern: new RegExp(`\\b(?:(last|this|next|coming|on|since)\\s+)?(${EN_WEEKDAYS.join('|')})\\b`, 'g'),
    resolve: (m, today) => weekdayDate(today, EN_WEEKDAYS.indexOf(m[2] ?? ''), m[1] === undefined ? 'upcoming' : (EN_WEEK_REF[m[1]] ?? 'upcoming')),
  },
  relativeRule(EN_RELATIVE_DAYS, { before: '\\b', after: '\\b' }),
  relativeRule(ZH_RELATIVE_DAYS, { before: '(?<![以之然最落先背])', after: '' }),
];

/** Dates the customer names, as ISO dates relative to `now`. `folded` is the width- and case-folded text. */
export function findDates(text: string, folded: string, now: Date): EntityMention[] {
  const today = dayOf(now);
  const found: EntityMention[] = [];
  for (const rule of RULES) {
    for (const match of folded.matchAll(rule.pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (found.some((m) => start < m.end && m.start < end)) continue;
      const day = rule.resolve(match, today);
      if (day) found.push({ type: 'date', value: isoDate(day), start, end, text: text.slice(start, end) });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Resolves one date expression ("yesterday", "11月3日", "2026-11-03") to an ISO date, or undefined. */
export function resolveDate(expression: string, now: Date): string | undefined {
  const value = findDates(expression, foldText(expression), now)[0]?.value;
  return typeof value === 'string' ? value : undefined;
}
