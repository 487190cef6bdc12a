import type { Lang } from '../language';

export const INTENTS = [
  'greeting',
  'product_inquiry',
  'order_status',
  'return_exchange',
  'refund_status',
  'complaint',
  'human_agent',
  'promotion',
  'account',
  'payment',
  'financial_product',
  'loan',
  'goodbye',
  'out_of_scope',
] as const;

export type Intent = (typeof INTENTS)[number];

export type Sentiment = 'negative' | 'neutral' | 'positive';

export type EntityType = 'order_id' | 'phone' | 'email' | 'product' | 'money' | 'date' | 'id_card' | 'bank_card';

/** One entity as found in the text: its normalised value and where it was written. */
export interface EntityMention {
  type: EntityType;
  /** Money is a number of yuan; a date is an ISO date (YYYY-MM-DD); a product is a catalog SKU; the rest are strings. */
  value: string | number;
  start: number;
  end: number;
  text: string;
  /** For a product: its catalog category ("phone", "finance"). */
  category?: string;
}

/** The first mention of each entity type: what a dialogue policy fills its slots from. */
export interface Entities {
  order_id?: string;
  phone?: string;
  email?: string;
  product?: string;
  money?: number;
  date?: string;
  id_card?: string;
  bank_card?: string;
}

export interface NluResult {
  lang: Lang;
  intent: Intent;
  /** Probability-like, 0..1; low for gibberish and for text unlike anything the model was trained on. */
  intentConfidence: number;
  entities: Entities;
  /** Every entity mention with its span, in text order. */
  mentions: EntityMention[];
  sentiment: Sentiment;
  /** -1 (very negative) .. 1 (very positive). */
  sentimentScore: number;
}

export interface Span {
  start: number;
  end: number;
}

export function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/** A private-use character: never typed by a customer, matched by no extractor. */
export const MASK = '\uE000';

/** Blanks the given spans out so later extractors do not read the digits of an order id as money. */
export function maskSpans(text: string, spans: Span[]): string {
  let masked = text;
  for (const { start, end } of spans) masked = masked.slice(0, start) + MASK.repeat(end - start) + masked.slice(end);
  return masked;
}
