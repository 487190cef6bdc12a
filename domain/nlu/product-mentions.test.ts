import { describe, expect, it } from 'vitest';
import seedCatalog from '../../seed/catalog.json';
import { findProductMentions, type Product } from '../catalog';

const catalog: Product[] = seedCatalog;
const skusIn = (text: string) => findProductMentions(text, catalog).map((m) => m.sku);

describe('product mentions', () => {
  it('recognises full names in either language', () => {
    expect(skusIn('星河 X5 手机 256GB 有货吗')).toEqual(['PH-X5-256']);
    expect(skusIn('Tell me about the Bookworm Stationery Set')).toEqual(['KB-STAT-SET']);
  });

  it('takes a bare model to the catalog default, and a variant to its own SKU', () => {
    expect(skusIn('X5有蓝色吗')).toEqual(['PH-X5-128']);
    expect(skusIn('x5 256g还有吗')).toEqual(['PH-X5-256']);
  });

  it('lets the kind of product decide between products sharing a model', () => {
    expect(skusIn('X5的手机壳有粉色吗')).toEqual(['AC-CASE-X5']);
    expect(skusIn('P3 滤芯多少钱')).toEqual(['HM-FILTER-P3']);
    expect(skusIn('Breeze P3 purifier')).toEqual(['HM-AIR-P3']);
  });

  it('understands partial mentions by kind and by product line', () => {
    expect(skusIn('儿童书包多大')).toEqual(['KB-BAG-01']);
    expect(skusIn('老年手机字大吗')).toEqual(['PH-L2']);
    expect(skusIn('the earbuds stopped working')).toEqual(['AC-EARBUD-2']);
    expect(skusIn('SteadyGain 收益怎么样')).toEqual(['FN-WM-R2']);
  });

  it('does not repeat a product named and then referred to by its kind', () => {
    expect(skusIn('R4那个理财风险高吗')).toEqual(['FN-WM-R4']);
  });

  it('finds two products in one message', () => {
    expect(skusIn('X5和耳机一起买有优惠吗')).toEqual(['PH-X5-128', 'AC-EARBUD-2']);
  });

  it('does not mistake phone numbers, phone calls or complaint cases for products', () => {
    expect(skusIn('我的手机号是13812345678')).toEqual([]);
    expect(skusIn('your agent was rude to me on the phone')).toEqual([]);
    expect(skusIn('what is my case number?')).toEqual([]);
    expect(skusIn('Galaxia')).toEqual([]);
    expect(skusIn('my funds were taken twice')).toEqual([]);
    expect(skusIn('Change my login phone to 15012345678')).toEqual([]);
  });

  it('reports where the mention is in the text as typed', () => {
    const [mention] = findProductMentions('请问ＸＸ星河Ｘ５有货吗', catalog);
    expect(mention).toMatchObject({ sku: 'PH-X5-128', text: '星河Ｘ５', specific: true });
  });
});
