import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnswerer, type AnswerInput } from '../../activities/answer';
import type { Product } from '../../domain/catalog';
import { figuresInEnglish } from '../../domain/kb/embedded-answerer';
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

/** Paraphrases the way customers write, none of them worded like an article. */
const PARAPHRASES: Array<[question: string, article: string, mention: string]> = [
  ['收到货不满意能退吗?', 'kb-return-policy', '7天'],
  ['拆封的耳机还能退吗?', 'kb-return-policy', '耳机'],
  ['退货的话要怎么操作?', 'kb-return-policy', '订单号'],
  ['Can I send back something I don’t like?', 'kb-return-policy-en', '7 days'],
  ['My phone broke after 10 days, can I swap it?', 'kb-return-policy-en', '15 days'],
  ['寄到新疆要几天?', 'kb-shipping', '5-7天'],
  ['上海第二天能到吗?', 'kb-shipping', '次日'],
  ['How many days does shipping to Guangdong take?', 'kb-shipping-en', '2-4 days'],
  ['How can I track my parcel?', 'kb-shipping-en', 'order number'],
  ['微信退款要多久?', 'kb-refund', '1个工作日'],
  ['退款一直没到怎么办?', 'kb-refund', '订单号'],
  ['My refund still hasn’t arrived, what now?', 'kb-refund-en', 'order number'],
  ['优惠券能和会员折扣一起用吗?', 'kb-coupon', '不可与会员折扣叠加'],
  ['优惠券过期了能补吗?', 'kb-coupon', '不补发'],
  ['Is the welcome coupon valid on a second order?', 'kb-coupon-en', 'first order'],
  ['手机进水了保修吗?', 'kb-warranty', '付费'],
  ['I dropped my phone and the screen cracked, is that covered?', 'kb-warranty-en', 'fee'],
  ['开专票需要提供什么?', 'kb-invoice', '税号'],
  ['支付失败但是钱被扣了怎么办?', 'kb-payment', '24小时'],
  ['I was charged twice for my order', 'kb-payment-en', 'screenshot'],
  ['我的账号被别人登录了怎么办?', 'kb-account-security', '冻结'],
  ['Someone logged into my account, what should I do?', 'kb-account-security-en', 'freeze'],
  ['黑金会员有什么权益?', 'kb-membership', '生日礼'],
  ['买理财前需要做什么?', 'kb-wealth-risk', '风险承受能力评估'],
  ['Who can buy the Growth R4 fund?', 'kb-wealth-risk-en', 'C4'],
  ['申请贷款要准备哪些资料?', 'kb-loan', '银行流水'],
  ['怎么退订营销短信?', 'kb-privacy', '退订'],
  ['Is my ID number stored in plain text?', 'kb-privacy-en', 'masked'],
  ['换完滤芯要怎么复位?', 'kb-purifier-filter', '3秒'],
];

describe('knowledge answers', () => {
  it.each(PARAPHRASES)('%s → %s', async (question, article, mention) => {
    const result = await ask(question);
    expect(result.citations[0]).toBe(article);
    expect(result.text.toLowerCase()).toContain(mention.toLowerCase());
    expect(result).toMatchObject({ grounded: true, source: 'knowledge', usedLlm: false });
  });

  it('answers in English from the English article when both languages have one', async () => {
    const result = await ask('When do Alipay refunds arrive?');
    expect(result.citations).toEqual(['kb-refund-en']);
    expect(result.text).toContain('within 1 business day');
    expect(result.text).toMatch(/\(Source: Refund times\)$/);
  });
});

describe('cross-lingual retrieval', () => {
  it('finds the Chinese-only article for an English question, quotes it as written and says it is in Chinese', async () => {
    const result = await ask('When will the app remind me to swap the purifier filter?');
    expect(result.citations).toEqual(['kb-purifier-filter']);
    expect(result.text).toContain('only available in Chinese');
    expect(result.text).toContain('App会在滤芯寿命低于10%时提醒');
    expect(result.text).toContain('(Source: 净化器滤芯更换, in Chinese)');
  });

  it('passes on the figures of a Chinese article with English units', async () => {
    const result = await ask('How much must I spend in a year to become a gold member?');
    expect(result.citations).toEqual(['kb-membership']);
    expect(result.text).toContain('满8000元金卡');
    expect(result.text).toMatch(/Key figures: .*CNY 8000/);
    expect(figuresInEnglish('建议每6个月更换一次,1-3个工作日到账,金卡享受95折,长按3秒')).toEqual(['6 months', '1-3 business days', '5% off', '3 seconds']);
  });

  it('bridges invoice and loan vocabulary to the Chinese articles', async () => {
    expect((await ask('Where will my electronic invoice be sent?')).citations).toEqual(['kb-invoice']);
    expect((await ask('Can the chatbot approve my loan?', { intent: 'loan' })).citations).toEqual(['kb-loan']);
  });

  it('keeps a same-language article when it covers the question about as well', () => {
    const retrieval = index.retrieve('Someone logged into my account, what should I do?', 'en');
    expect(retrieval.crossLingual).toBe(false);
    expect(retrieval.hits[0]?.article.id).toBe('kb-account-security-en');
    const membership = index.retrieve('What are the membership levels?', 'en');
    expect(membership.crossLingual).toBe(true);
    expect(membership.hits[0]?.article.id).toBe('kb-membership');
  });
});

describe('questions the knowledge base cannot answer', () => {
  it('says so and offers a human instead of guessing', async () => {
    const english = await ask('How tall is Mount Everest?', { intent: 'human_agent' });
    expect(english).toMatchObject({ grounded: false, citations: [], source: 'none' });
    expect(english.text).toContain('human agent');
    const chinese = await ask('你们老板是谁?', { intent: 'human_agent' });
    expect(chinese.text).toContain('人工客服');
  });

  it('declines out-of-scope questions politely, even when a word happens to match an article', async () => {
    for (const question of ['明天股市会涨吗?', 'Is it going to rain tomorrow?', '我想买房,有什么建议?']) {
      const result = await ask(question, { intent: 'out_of_scope' });
      expect(result).toMatchObject({ grounded: false, citations: [], source: 'none' });
      expect(result.text).toMatch(/超出了我能帮忙的范围|outside what I can help with/);
    }
  });

  it('still answers a real question the NLU called out of scope', async () => {
    const result = await ask('Can I ask you to delete my personal data?', { intent: 'out_of_scope' });
    expect(result.citations).toEqual(['kb-privacy-en']);
  });
});
