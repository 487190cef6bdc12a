import { isBankCardNumber, isChineseMobile, isValidChineseIdCard } from './nlu/identifiers';
import { foldText } from './nlu/text';

export type PiiKind = 'phone' | 'id_card' | 'bank_card' | 'email';

export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
  /** The value as written. */
  text: string;
}

const EMAIL = /[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g;
/** Digit groups that may be separated by spaces or dashes, as people write phone and card numbers. */
const DIGIT_RUN = /(?<![\da-z])(?:\+?86[\s-]?)?\d(?:[\s-]?\d){10,22}x?(?![\da-z])/g;

function classify(digits: string): PiiKind | undefined {
  const local = digits.startsWith('86') && digits.length === 13 ? digits.slice(2) : digits;
  if (isChineseMobile(local)) return 'phone';
  if (isValidChineseIdCard(digits)) return 'id_card';
  if (isBankCardNumber(digits)) return 'bank_card';
  return undefined;
}

/**
 * Personal data in free text: Chinese mobile numbers, resident ID cards (checksum), bank cards
 * (Luhn) and e-mail addresses. Errs towards finding too much: an order number that happens to
 * pass Luhn is masked too, which costs a reader little.
 */
export function findPii(text: string): PiiSpan[] {
  const folded = foldText(text);
  const spans: PiiSpan[] = [];
  for (const match of folded.matchAll(EMAIL)) {
    spans.push({ kind: 'email', start: match.index, end: match.index + match[0].length, text: text.slice(match.index, match.index + match[0].length) });
  }
  for (const match of folded.matchAll(DIGIT_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    if (spans.some((s) => start < s.end && s.start < end)) continue;
    const kind = classify(match[0].replace(/[^\dx]/g, '').toUpperCase());
    if (kind) spans.push({ kind, start, end, text: text.slice(start, end) });
  }
  return spans.sort((a, b) => a.start - b.start);
}

function replaceSpans(text: string, spans: PiiSpan[], replacement: (span: PiiSpan) => string): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + replacement(span);
    at = span.end;
  }
  return out + text.slice(at);
}

/** What a reader without the right to see personal data is shown: enough to recognise, not to use. */
export function maskForDisplay(span: PiiSpan): string {
  const digits = span.text.replace(/[^\dxX]/g, '');
  switch (span.kind) {
    case 'phone':
      return `${digits.slice(-11, -8)}****${digits.slice(-4)}`;
    case 'id_card':
      return `${digits.slice(0, 6)}********${digits.slice(-4)}`;
    case 'bank_card':
      return `**** **** **** ${digits.slice(-4)}`;
    case 'email': {
      const [local = '', domain = ''] = span.text.split('@');
      return `${local.slice(0, 1)}***@${domain}`;
    }
  }
}

export function maskPii(text: string): string {
  return replaceSpans(text, findPii(text), maskForDisplay);
}

export interface Pseudonymised {
  text: string;
  /** Placeholder → original, kept in the process and never sent anywhere. */
  vault: Record<string, string>;
}

/**
 * Replaces personal data with numbered placeholders (`[PHONE_1]`) before text leaves the process,
 * e.g. to an LLM, so the answer can be re-filled with `restorePii`.
 */
export function pseudonymise(text: string): Pseudonymised {
  const vault: Record<string, string> = {};
  const counters: Partial<Record<PiiKind, number>> = {};
  const seen = new Map<string, string>();
  const masked = replaceSpans(text, findPii(text), (span) => {
    const known = seen.get(span.text);
    if (known) return known;
    counters[span.kind] = (counters[span.kind] ?? 0) + 1;
    const placeholder = `[${span.kind.toUpperCase()}_${counters[span.kind]}]`;
    vault[placeholder] = span.text;
    seen.set(span.text, placeholder);
    return placeholder;
  });
  return { text: masked, vault };
}

export function restorePii(text: string, vault: Record<string, string>): string {
  return text.replace(/\[(?:PHONE|ID_CARD|BANK_CARD|EMAIL)_\d+\]/g, (placeholder) => vault[placeholder] ?? placeholder);
}
