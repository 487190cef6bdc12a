import { findProductMentions, type Product } from '../catalog';
import { findDates } from './dates';
import { findIdentifiers } from './identifiers';
import { findMoney } from './money';
import { foldText } from './text';
import { maskSpans, overlaps, type Entities, type EntityMention } from './types';

export interface EntityContext {
  catalog?: Product[];
  /** What "yesterday" is relative to; defaults to the current time. */
  now?: Date;
}

function productMentions(text: string, catalog: Product[], taken: EntityMention[]): EntityMention[] {
  const categories = new Map(catalog.map((product) => [product.sku, product.category]));
  return findProductMentions(text, catalog)
    .filter((product) => !taken.some((m) => overlaps(m, product)))
    .map(({ sku, start, end }) => ({ type: 'product', value: sku, start, end, text: text.slice(start, end), category: categories.get(sku) ?? 'unknown' }));
}

/** The first mention of each type, as the simple map a dialogue policy fills slots from. */
export function firstOfEachType(mentions: EntityMention[]): Entities {
  const entities: Entities = {};
  for (const { type, value } of mentions) {
    if (entities[type] !== undefined) continue;
    if (type === 'money') {
      if (typeof value === 'number') entities.money = value;
    } else {
      entities[type] = String(value);
    }
  }
  return entities;
}

/**
 * Every entity in the text, in text order. Extractors run from the most to the least constrained
 * (identifiers with checksums, dates, products, then money), each on the text with what the
 * earlier ones found blanked out.
 */
export function extractEntities(text: string, context: EntityContext = {}): EntityMention[] {
  const folded = foldText(text);
  const identifiers = findIdentifiers(text, folded);
  const dates = findDates(text, maskSpans(folded, identifiers), context.now ?? new Date());
  const products = productMentions(text, context.catalog ?? [], [...identifiers, ...dates]);
  const taken = [...identifiers, ...dates, ...products];
  const money = findMoney(text, maskSpans(folded, taken));
  return [...taken, ...money].sort((a, b) => a.start - b.start);
}
