import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnswerer, type AnswerInput } from '../../activities/answer';
import { recommendationFor } from '../../domain/answer/recommendation';
import type { Product } from '../../domain/catalog';
import { KnowledgeIndex, type KnowledgeArticle } from '../../domain/kb/retrieval';
import { analyze } from '../../domain/nlu';

const seed = (file: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', file), 'utf8'));
const catalog = seed('catalog.json') as Product[];
const product = (sku: string) => catalog.find((p) => p.sku === sku)!;

describe('recommendation', () => {
  it('suggests the first related item in stock', () => {
    expect(recommendationFor({ intent: 'product_inquiry', product: product('PH-X5-128'), catalog })?.sku).toBe('AC-CASE-X5');
    expect(recommendationFor({ intent: 'product_inquiry', product: product('HM-AIR-P3'), catalog })?.sku).toBe('HM-FILTER-P3');
  });

  it('prefers what is bought together, skipping items out of stock, unknown or the product itself', () => {
    const coPurchases = { 'PH-X5-128': ['PH-X5-128', 'NO-SUCH-SKU', 'AC-CHG-67W', 'AC-EARBUD-2'] };
    expect(recommendationFor({ intent: 'product_inquiry', product: product('PH-X5-128'), catalog, coPurchases })?.sku).toBe('AC-EARBUD-2');
  });

  it('never suggests a wealth product, nor anything for one', () => {
    const coPurchases = { 'PH-L2': ['FN-WM-R2', 'AC-CHG-10W'], 'FN-WM-R2': ['FN-WM-R4'] };
    expect(recommendationFor({ intent: 'product_inquiry', product: product('PH-L2'), catalog, coPurchases })?.sku).toBe('AC-CHG-10W');
    expect(recommendationFor({ intent: 'product_inquiry', product: product('FN-WM-R2'), catalog, coPurchases })).toBeUndefined();
  });

  it('suggests only when the customer asks about a product', () => {
    for (const intent of ['financial_product', 'loan', 'return_exchange', 'complaint']) {
      expect(recommendationFor({ intent, product: product('PH-X5-128'), catalog })).toBeUndefined();
    }
    expect(recommendationFor({ intent: 'product_inquiry', catalog })).toBeUndefined();
  });
});

describe('recommendation in answers', () => {
  const index = new KnowledgeIndex(seed('knowledge-base.json') as KnowledgeArticle[]);
  const answerer = createAnswerer({ knowledge: { index: () => Promise.resolve(index) }, catalog: () => Promise.resolve(catalog) });
  const ask = (text: string, extra: Partial<AnswerInput> = {}) => {
    const nlu = analyze(text, { catalog });
    return answerer.answer({ text, lang: nlu.lang, intent: nlu.intent, entities: { ...nlu.entities }, recommend: true, ...extra });
  };

  it('adds one suggestion, in the customer’s language, after the answer', async () => {
    const chinese = await ask('X5支持双卡吗?');
    expect(chinese.recommendation).toBe('AC-CASE-X5');
    expect(chinese.text).toBe('星河 X5 手机 128GB支持双卡双待。(参考:商品资料)\n您可能还需要:X5 硅胶保护壳,售价79元。');
    const english = await ask('Does the X5 support dual SIM?', { coPurchases: { 'PH-X5-128': ['AC-EARBUD-2'] } });
    expect(english.recommendation).toBe('AC-EARBUD-2');
    expect(english.text.split('\n')[1]).toBe('You might also like the Galaxia Buds 2 (CNY 499).');
  });

  it('stays quiet when the workflow does not ask for one', async () => {
    const result = await ask('X5支持双卡吗?', { recommend: false });
    expect(result.recommendation).toBeUndefined();
    expect(result.text).not.toContain('您可能还需要');
  });
});
