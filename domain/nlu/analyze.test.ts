import { describe, expect, it } from 'vitest';
import seedCatalog from '../../seed/catalog.json';
import type { Product } from '../catalog';
import { analyze } from '.';

const catalog: Product[] = seedCatalog;
const now = new Date(2026, 10, 24, 9, 0);

describe('analyze', () => {
  it('reads a Chinese return request with its order, product and date', () => {
    const result = analyze('订单202611160033的书包前天到的,拉链坏了,想换一个', { catalog, now });
    expect(result).toMatchObject({
      lang: 'zh',
      intent: 'return_exchange',
      entities: { order_id: '202611160033', product: 'KB-BAG-01', date: '2026-11-22' },
      sentiment: 'negative',
    });
    expect(result.mentions.map((m) => m.type)).toEqual(['order_id', 'product', 'date']);
  });

  it('reads an English loan question with an amount', () => {
    const result = analyze('Could I borrow 50k for a year? What would the rate be?', { catalog, now });
    expect(result).toMatchObject({ lang: 'en', intent: 'loan', entities: { money: 50_000 }, sentiment: 'neutral' });
  });

  it('finds no products without a catalog, and everything else still works', () => {
    const result = analyze('My email is amy@example.org, the X5 will not turn on', { catalog: [], now });
    expect(result.entities).toEqual({ email: 'amy@example.org' });
    expect(result.sentiment).toBe('negative');
  });

  it('keeps confidence and sentiment score in range', () => {
    const result = analyze('谢谢,问题解决了', { catalog, now });
    expect(result.intent).toBe('goodbye');
    expect(result.intentConfidence).toBeGreaterThan(0.5);
    expect(result.intentConfidence).toBeLessThanOrEqual(1);
    expect(result.sentimentScore).toBeGreaterThan(0);
  });
});
