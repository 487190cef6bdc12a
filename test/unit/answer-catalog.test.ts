import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnswerer, type AnswerInput } from '../../activities/answer';
import type { Product } from '../../domain/catalog';
import { KnowledgeIndex, type KnowledgeArticle } from '../../domain/kb/retrieval';
import { analyze } from '../../domain/nlu';

const seed = (file: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', file), 'utf8'));
const catalog = seed('catalog.json') as Product[];
const index = new KnowledgeIndex(seed('knowledge-base.json') as KnowledgeArticle[]);
const answerer = createAnswerer({ knowledge: { index: () => Promise.resolve(index) }, catalog: () => Promise.resolve(catalog) });

function ask(text: string, extra: Partial<AnswerInput> = {}) {
  const nlu = analyze(text, { catalog });
  return answerer.answer({ text, lang: nlu.lang, intent: nlu.intent, entities: { ...nlu.entities }, recommend: false, ...extra });
}

describe('catalog answers', () => {
  it('answers "这款手机支持5G吗" from the product the conversation is about', async () => {
    const senior = await ask('这款手机支持5G吗?', { lastProduct: 'PH-L2' });
    expect(senior).toMatchObject({ product: 'PH-L2', source: 'catalog', citations: ['product:PH-L2'], grounded: true });
    expect(senior.text).toContain('不支持5G,支持4G网络');

    const flagship = await ask('这款手机支持5G吗?', { lastProduct: 'PH-X5-256' });
    expect(flagship.product).toBe('PH-X5-256');
    expect(flagship.text).toContain('支持5G网络');
  });

  it('keeps to the kind of product named when it is not the last product’s kind', async () => {
    const result = await ask('手机壳多少钱?', { lastProduct: 'PH-X5-128' });
    expect(result).toMatchObject({ product: 'AC-CASE-X5', citations: ['product:AC-CASE-X5'] });
    expect(result.text).toContain('售价79元');
  });

  it('reads "it" as the last product and answers in English', async () => {
    const result = await ask('Does it take two SIM cards?', { lastProduct: 'PH-X5-256' });
    expect(result).toMatchObject({ product: 'PH-X5-256', citations: ['product:PH-X5-256'] });
    expect(result.text).toBe('The Galaxia X5 Phone 256GB supports dual SIM. (Source: product catalog)');
  });

  it('states battery, water resistance, colours and fast charging as listed', async () => {
    expect((await ask('星河X5的电池容量是多少?')).text).toContain('电池容量5000mAh');
    expect((await ask('Is the X5 waterproof?')).text).toContain('IP68');
    expect((await ask('它有哪些颜色?', { lastProduct: 'KB-BAG-01' })).text).toContain('蓝色、粉色、黄色');
    expect((await ask('Does the X5 support fast charging?')).text).toContain('67 W fast charging');
    expect((await ask('L2老人机防水吗?')).text).toContain('不防水');
  });

  it('gives prices from the catalog', async () => {
    expect((await ask('How much is the Bookworm school bag?')).text).toContain('CNY 199');
    expect((await ask('X5 256GB多少钱?')).text).toContain('售价3399元');
  });

  it('tells when an item out of stock is due back', async () => {
    const chinese = await ask('这个什么时候有货?', { lastProduct: 'AC-CHG-67W' });
    expect(chinese.text).toContain('目前缺货,预计2026-12-10到货');
    expect(chinese.citations).toEqual(['product:AC-CHG-67W']);
    const english = await ask('When will the 67W charger be back in stock?');
    expect(english.text).toContain('out of stock and expected back in stock on 2026-12-10');
    expect((await ask('P3空气净化器有现货吗?')).text).toContain('目前有现货');
  });

  it('describes a product asked about in general', async () => {
    const result = await ask('介绍一下清风P3空气净化器');
    expect(result).toMatchObject({ source: 'catalog', citations: ['product:HM-AIR-P3'] });
    expect(result.text).toContain('售价1299元');
    expect(result.text).toContain('H13 HEPA');
  });

  it('admits what the listing does not say and offers a human', async () => {
    const result = await ask('L2老人机支持快充吗?');
    expect(result).toMatchObject({ grounded: false, citations: [], source: 'none', product: 'PH-L2' });
    expect(result.text).toContain('人工客服');
  });

  it('sends policy questions about a product to the knowledge base', async () => {
    const result = await ask('这款手机保修多久?', { lastProduct: 'PH-X5-128' });
    expect(result.citations).toEqual(['kb-warranty']);
    expect(result.text).toContain('1年');
  });

  it('answers a wealth product’s terms from the catalog with the risk disclosure', async () => {
    const result = await ask('稳盈R2期限多久?');
    expect(result.citations).toEqual(['product:FN-WM-R2']);
    expect(result.text).toContain('期限180天');
    expect(result.disclosures).toEqual(['理财非存款,产品有风险,投资须谨慎。']);
  });

  it('lets the reviewed article lead on a wealth product and adds the listed figure it lacks', async () => {
    const result = await ask('稳盈R2的收益是多少?');
    expect(result.citations).toEqual(['kb-wealth-risk', 'product:FN-WM-R2']);
    expect(result.text).toContain('2.8%-3.4%,不代表实际收益');
    expect(result.text).toContain('理财非存款,产品有风险,投资须谨慎。');
  });
});
