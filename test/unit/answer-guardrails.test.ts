import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnswerer } from '../../activities/answer';
import { applyGuardrails, LOAN_HANDOFF, OUT_OF_SCOPE_DECLINE, RISK_DISCLOSURE, withoutPromises, type DraftAnswer } from '../../domain/answer/guardrails';
import type { Product } from '../../domain/catalog';
import { KnowledgeIndex, type KnowledgeArticle } from '../../domain/kb/retrieval';
import { analyze } from '../../domain/nlu';

const seed = (file: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', file), 'utf8'));
const catalog = seed('catalog.json') as Product[];
const articles = seed('knowledge-base.json') as KnowledgeArticle[];
const article = (id: string) => articles.find((a) => a.id === id)!;
const product = (sku: string) => catalog.find((p) => p.sku === sku)!;

function draft(body: string, citations: string[] = ['kb-x']): DraftAnswer {
  return { body, sources: ['某文档'], citations, grounded: true };
}

describe('promises about returns', () => {
  it.each([
    '本产品保本保息,放心购买。',
    '我们保证收益不低于3%。',
    '这款理财零风险。',
    'We guarantee a 4% return on it.',
    'It is completely risk-free.',
    'Returns are guaranteed.',
    'SteadyGain R2 is principal-guaranteed.',
  ])('strips "%s"', (sentence) => {
    const result = withoutPromises(`稳盈R2为中低风险。${sentence}`, 'zh');
    expect(result.removed).toBe(true);
    expect(result.text).toBe('稳盈R2为中低风险。');
  });

  it.each([
    '稳盈R2为中低风险,不保本。',
    '客服不得承诺收益。',
    '理财产品并非无风险。',
    'SteadyGain R2 is not principal-guaranteed.',
    'Agents must never promise returns.',
    'Returns are not guaranteed.',
  ])('keeps the negated "%s"', (sentence) => {
    expect(withoutPromises(sentence, 'zh')).toEqual({ text: sentence, removed: false });
  });

  it('says no return can be promised when nothing else is left', () => {
    expect(withoutPromises('稳赚不赔!', 'zh').text).toBe('理财产品的收益不作任何承诺,以产品说明书为准。');
    expect(withoutPromises('Guaranteed returns of 5%.', 'en').text).toMatch(/cannot promise any return/);
  });
});

describe('compliance guardrails', () => {
  it('adds the risk disclosure to finance answers, in the customer’s language, before the source note', () => {
    const zh = applyGuardrails(draft('稳盈R2为中低风险,不保本。'), { lang: 'zh', intent: 'financial_product', citedArticles: [] });
    expect(zh.body).toBe('稳盈R2为中低风险,不保本。理财非存款,产品有风险,投资须谨慎。');
    expect(zh.disclosures).toEqual([RISK_DISCLOSURE.zh]);
    const en = applyGuardrails(draft('Growth R4 is medium-to-high risk.'), { lang: 'en', intent: 'financial_product', citedArticles: [] });
    expect(en.body).toBe(`Growth R4 is medium-to-high risk. ${RISK_DISCLOSURE.en}`);
  });

  it('does not repeat a disclosure the answer already quotes', () => {
    const quoted = applyGuardrails(draft('理财非存款,产品有风险,投资须谨慎。稳盈R2不保本。'), { lang: 'zh', intent: 'financial_product', citedArticles: [] });
    expect(quoted.body).toBe('理财非存款,产品有风险,投资须谨慎。稳盈R2不保本。');
    expect(quoted.disclosures).toEqual([RISK_DISCLOSURE.zh]);
  });

  it('treats a finance product or a wealth article as finance whatever the intent', () => {
    const byProduct = applyGuardrails(draft('进取R4期限365天。'), { lang: 'zh', intent: 'product_inquiry', product: product('FN-WM-R4'), citedArticles: [] });
    expect(byProduct.disclosures).toEqual([RISK_DISCLOSURE.zh]);
    const byArticle = applyGuardrails(draft('Products are rated R1 to R5.'), { lang: 'en', intent: 'account', citedArticles: [article('kb-wealth-risk-en')] });
    expect(byArticle.disclosures).toEqual([RISK_DISCLOSURE.en]);
  });

  it('strips return promises from finance answers', () => {
    const result = applyGuardrails(draft('稳盈R2保证收益3.4%。期限180天。'), { lang: 'zh', intent: 'financial_product', citedArticles: [] });
    expect(result.body).toBe(`期限180天。${RISK_DISCLOSURE.zh}`);
  });

  it('leaves other answers as they are', () => {
    const plain = draft('江浙沪地区一般次日送达。');
    expect(applyGuardrails(plain, { lang: 'zh', intent: 'order_status', citedArticles: [article('kb-shipping')] })).toEqual({ ...plain, disclosures: [] });
  });

  it('gives loan questions nothing beyond the loan article and the hand-off to a human credit adviser', () => {
    const offTopic = applyGuardrails(draft('手机整机保修1年。', ['kb-warranty']), { lang: 'zh', intent: 'loan', citedArticles: [article('kb-warranty')] });
    expect(offTopic).toMatchObject({ body: LOAN_HANDOFF.zh, citations: [], grounded: false, disclosures: [LOAN_HANDOFF.zh] });
    const materials = applyGuardrails(draft('个人消费贷款申请需提供身份证、收入证明和银行流水。', ['kb-loan']), {
      lang: 'zh',
      intent: 'loan',
      citedArticles: [article('kb-loan')],
    });
    expect(materials.body).toBe(`个人消费贷款申请需提供身份证、收入证明和银行流水。${LOAN_HANDOFF.zh}`);
    expect(materials.citations).toEqual(['kb-loan']);
    expect(LOAN_HANDOFF.en).toContain('a human credit adviser will help');
  });

  it('declines out-of-scope questions it has no grounded answer for', () => {
    const nothing: DraftAnswer = { body: 'Sorry, nothing found.', sources: [], citations: [], grounded: false };
    expect(applyGuardrails(nothing, { lang: 'en', intent: 'out_of_scope', citedArticles: [] })).toMatchObject({ body: OUT_OF_SCOPE_DECLINE.en, citations: [] });
  });
});

describe('guardrails on whole answers', () => {
  const index = new KnowledgeIndex(articles);
  const answerer = createAnswerer({ knowledge: { index: () => Promise.resolve(index) }, catalog: () => Promise.resolve(catalog) });
  const ask = (text: string) => {
    const nlu = analyze(text, { catalog });
    return answerer.answer({ text, lang: nlu.lang, intent: nlu.intent, entities: { ...nlu.entities }, recommend: true });
  };

  it('every finance answer carries the disclosure and no recommendation', async () => {
    for (const question of ['理财产品能保证收益吗?', 'Is SteadyGain R2 principal-guaranteed?', '进取R4起购金额是多少?']) {
      const result = await ask(question);
      expect(result.disclosures).toHaveLength(1);
      expect(result.text).toContain(result.disclosures[0]);
      expect(result.recommendation).toBeUndefined();
      expect(withoutPromises(result.text, 'zh').removed).toBe(false);
    }
  });

  it('a loan request ends with the hand-off to a human credit adviser', async () => {
    const result = await ask('I need a personal loan of 50000, can you approve it?');
    expect(result.text).toContain('a human credit adviser will help');
    expect(result.text).not.toMatch(/approved|guarantee/i);
  });
});
