import type { EntityMention } from './types';

const ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CARD_CHECK_CODES = '10X98765432';

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A resident identity card number (GB 11643): 17 digits, a real birth date, and the ISO 7064 MOD 11-2 check character. */
export function isValidChineseIdCard(candidate: string): boolean {
  const id = candidate.toUpperCase();
  if (!/^[1-9]\d{16}[\dX]$/.test(id)) return false;
  const year = Number(id.slice(6, 10));
  if (year < 1900 || !isRealDate(year, Number(id.slice(10, 12)), Number(id.slice(12, 14)))) return false;
  const sum = ID_CARD_WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(id[i]), 0);
  return ID_CARD_CHECK_CODES[sum % 11] === id[17];
}

/** The Luhn check that bank card numbers carry in their last digit. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function isBankCardNumber(digits: string): boolean {
  return /^\d{16,19}$/.test(digits) && passesLuhn(digits) && !isValidChineseIdCard(digits);
}

export function isChineseMobile(digits: string): boolean {
  return /^1[3-9]\d{9}$/.test(digits);
}

type Cue = 'order' | 'tracking' | 'card' | 'phone' | 'id_card';

/** Words that say what the number after them is; the nearest one wins, the more specific listed first. */
const CUES: Array<{ cue: Cue; pattern: RegExp }> = [
  { cue: 'tracking', pattern: /快递单号|运单号?|物流单号|tracking|waybill|顺丰/g },
  { cue: 'order', pattern: /订单|单号|order|#/g },
  { cue: 'card', pattern: /银行卡|卡号|信用卡|储蓄卡|借记卡|card/g },
  { cue: 'phone', pattern: /手机|电话|号码|phone|mobile|tel/g },
  { cue: 'id_card', pattern: /身份证|证件号|id\s*card|identity|id\s*number/g },
];

const CUE_WINDOW = 16;

function nearestCue(before: string): Cue | undefined {
  const window = before.slice(-CUE_WINDOW);
  let best: { cue: Cue; at: number } | undefined;
  for (const { cue, pattern } of CUES) {
    for (const match of window.matchAll(pattern)) {
      const at = match.index + match[0].length;
      // On a tie the cue listed first wins: "快递单号" is a tracking number, not an order's "单号".
      if (!best || at > best.at) best = { cue, at };
    }
  }
  return best?.cue;
}

/** Order numbers here start with the date they were placed: 202611180042. */
const DATED_ORDER_NUMBER = /^20\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{4,8}$/;

/** A mobile number, with or without the +86 country code, as its 11 digits. */
function mobileDigits(digits: string): string | undefined {
  if (isChineseMobile(digits)) return digits;
  if (digits.startsWith('86') && isChineseMobile(digits.slice(2))) return digits.slice(2);
  return undefined;
}

function classifyDigits(digits: string, cue: Cue | undefined): EntityMention['type'] | undefined {
  if (mobileDigits(digits) && cue !== 'order' && cue !== 'tracking') return 'phone';
  if (isValidChineseIdCard(digits)) return 'id_card';
  if (DATED_ORDER_NUMBER.test(digits)) return 'order_id';
  if (cue === 'tracking') return undefined;
  if (cue === 'order' && digits.length >= 6) return 'order_id';
  if (isBankCardNumber(digits)) return 'bank_card';
  return undefined;
}

function mention(type: EntityMention['type'], value: string, text: string, start: number, end: number): EntityMention {
  return { type, value, start, end, text: text.slice(start, end) };
}

const EMAIL = /[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g;
const SPACED_MOBILE = /(?<![\d])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-](\d{4})[\s-](\d{4})(?!\d)/g;
const SPACED_CARD = /(?<![\d])\d{4}(?:[\s-]\d{4}){3}(?:[\s-]?\d{1,3})?(?!\d)/g;
/** A run of digits, maybe after a letter prefix (LD20261001), maybe ending in the ID card's X. */
const NUMBER_TOKEN = /(?<![a-z0-9])([a-z]{1,4}-?)?(\d{6,20}x?)(?![a-z0-9])/g;

/**
 * E-mail addresses, Chinese mobile numbers, resident ID cards, bank cards and order numbers.
 * `folded` is the width- and case-folded text; offsets are shared with `text`.
 */
export function findIdentifiers(text: string, folded: string): EntityMention[] {
  const found: EntityMention[] = [];
  const taken = (start: number, end: number) => found.some((m) => start < m.end && m.start < end);

  for (const match of folded.matchAll(EMAIL)) {
    found.push(mention('email', match[0], text, match.index, match.index + match[0].length));
  }
  for (const match of folded.matchAll(SPACED_MOBILE)) {
    const end = match.index + match[0].length;
    if (!taken(match.index, end)) found.push(mention('phone', `${match[1]}${match[2]}${match[3]}`, text, match.index, end));
  }
  for (const match of folded.matchAll(SPACED_CARD)) {
    const end = match.index + match[0].length;
    const digits = match[0].replace(/\D/g, '');
    if (!taken(match.index, end) && isBankCardNumber(digits)) found.push(mention('bank_card', digits, text, match.index, end));
  }
  for (const match of folded.matchAll(NUMBER_TOKEN)) {
    const end = match.index + match[0].length;
    if (taken(match.index, end)) continue;
    const [, letterPrefix, body = ''] = match;
    const cue = nearestCue(folded.slice(0, match.index));
    if (letterPrefix) {
      const isOrderCode = cue !== 'tracking' && body.length >= 8 && /^\d+$/.test(body);
      if (isOrderCode) found.push(mention('order_id', text.slice(match.index, end).toUpperCase().replace(/-/g, ''), text, match.index, end));
      continue;
    }
    const type = classifyDigits(body, cue);
    if (type) found.push(mention(type, type === 'phone' ? (mobileDigits(body) ?? body) : body.toUpperCase(), text, match.index, end));
  }
  return found.sort((a, b) => a.start - b.start);
}
