import { parseChineseNumber } from './chinese-numerals';
import type { EntityMention } from './types';

const ZH_DIGIT = '零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖';
const ZH_UNIT = '十拾百佰千仟万萬亿';
const ARABIC = '(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?';
/** "2,000", "1.5万", "2万5", "3千", "二十万", "两千五". */
const NUMERAL = new RegExp(
  `(?<![a-z0-9.,\\uE000])(?:${ARABIC}(?:[${ZH_UNIT}][\\d${ZH_DIGIT}${ZH_UNIT}]*)?(k(?![a-z]))?|[${ZH_DIGIT}${ZH_UNIT}]+)(?![\\d.])`,
  'g',
);

const CURRENCY_AFTER = /^\s*(元|块钱|块|圆|人民币|rmb|yuan|cny|kuai)(?![a-z])/;
const CURRENCY_BEFORE = /(¥|rmb|cny|人民币)\s*$/;
/** Words after which a number is an amount of money ("借 3000", "charged 199"). */
const MONEY_CUE_BEFORE =
  /(借|贷款?|额度|金额|扣了?|扣款|退款|退了|付了|付款|支付|花了|收费|投资?|投入|买入|存入?|充值|转账|还款|月供|价格|价钱|售价|预算|borrow|loan|lend|amount|charged|paid|pay|refund(?:ed)?|invest|deposit|limit|cost|price|budget|transfer(?:red)?|spent|spend)\s*(了|of|is|about|around|约|大概|大约|是|为)?\s*$/;
/** Units that make a number something other than money ("五万步", "3千米", "5k steps", "两千积分"). */
const NOT_MONEY_AFTER =
  /^\s*(步|米|公里|千米|人|次|个|件|台|年|岁|天|日|号|月|周(?!转)|小时|分钟|秒|字|克|千克|公斤|斤|毫安|瓦|积分|分|期|条|份|张|粉|像素|平|倍|%|％|mah|km|kg|g\b|w\b|mb|gb|steps?|points?|miles?|days?|weeks?|years?|months?|hours?|minutes?|mins?|seconds?|people|times|pieces?|units?|items?|pcs|x\b|屏|分辨率|视频|电视|resolution|tv|monitor|screen|video)/;
const MAGNITUDE = /[千仟万萬亿]|k$/;
/** Words made of numeral characters that are not numbers: "千万别", "万一", "一下". */
const NOT_A_NUMBER = /^[百佰千仟万萬亿]/;

function numeralValue(numeral: string): number | undefined {
  const plain = numeral.replace(/,/g, '');
  if (plain.endsWith('k')) {
    const base = Number(plain.slice(0, -1));
    return Number.isFinite(base) ? base * 1000 : undefined;
  }
  return parseChineseNumber(plain);
}

function isMoney(numeral: string, before: string, after: string): boolean {
  if (NOT_A_NUMBER.test(numeral) || NOT_MONEY_AFTER.test(after)) return false;
  if (CURRENCY_AFTER.test(after) || CURRENCY_BEFORE.test(before)) return true;
  // "50,000": thousands separators are how amounts are written, not counts or codes.
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(numeral)) return true;
  const spokenMagnitude = MAGNITUDE.test(numeral);
  const arabicAmount = /^\d[\d,]*(\.\d+)?$/.test(numeral) && numeral.replace(/\D/g, '').length >= 2;
  if (MONEY_CUE_BEFORE.test(before.slice(-12))) return spokenMagnitude || arabicAmount;
  return spokenMagnitude && numeral.length >= 2;
}

/**
 * Amounts of money in yuan: with a currency sign or unit ("¥2,000", "199元", "三百块"), spoken with
 * a magnitude ("五万", "3千", "5k"), or a plain number after a money word ("借 3000"). `masked` has
 * the other entities blanked out, so the digits of an order number are never read as money.
 */
export function findMoney(text: string, masked: string): EntityMention[] {
  const found: EntityMention[] = [];
  for (const match of masked.matchAll(NUMERAL)) {
    const numeral = match[0];
    const start = match.index;
    const end = start + numeral.length;
    if (!isMoney(numeral, masked.slice(0, start), masked.slice(end))) continue;
    const value = numeralValue(numeral);
    if (value === undefined || value <= 0) continue;
    const currencyAfter = CURRENCY_AFTER.exec(masked.slice(end));
    const spanEnd = currencyAfter ? end + currencyAfter[0].length : end;
    found.push({ type: 'money', value, start, end: spanEnd, text: text.slice(start, spanEnd) });
  }
  return found;
}
