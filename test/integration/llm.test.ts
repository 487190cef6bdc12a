import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAnswerer, type AnswerInput, type LlmSettings } from '../../activities/answer';
import type { Product } from '../../domain/catalog';
import { KnowledgeIndex, type KnowledgeArticle } from '../../domain/kb/retrieval';
import { analyze } from '../../domain/nlu';
import { answer, fail, hang, startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai';

const seed = (file: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', file), 'utf8'));
const catalog = seed('catalog.json') as Product[];
const articles = seed('knowledge-base.json') as KnowledgeArticle[];
const index = new KnowledgeIndex(articles);
const body = (id: string) => articles.find((a) => a.id === id)!.body;

const PHONE = '13812345678';
const ID_CARD = '11010519491231002X';
const EMAIL = 'li.na@example.cn';

let provider: FakeOpenAi;

beforeAll(async () => {
  provider = await startFakeOpenAi();
});

afterAll(async () => {
  await provider.close();
});

beforeEach(() => {
  provider.requests.length = 0;
});

function answererWith(settings: Partial<LlmSettings> = {}) {
  return createAnswerer({
    knowledge: { index: () => Promise.resolve(index) },
    catalog: () => Promise.resolve(catalog),
    llm: { apiKey: 'test-key', baseUrl: provider.baseUrl, model: 'loopdesk-test-model', timeoutMs: 5_000, ...settings },
  });
}

function turn(text: string, extra: Partial<AnswerInput> = {}): AnswerInput {
  const nlu = analyze(text, { catalog });
  return { text, lang: nlu.lang, intent: nlu.intent, entities: { ...nlu.entities }, recommend: false, ...extra };
}

describe('answering with an OpenAI-compatible LLM', () => {
  it('sends the configured model a grounded prompt holding the retrieved article, and returns its cited answer', async () => {
    provider.respond(answer('信用卡退款最长7个工作日到账。[kb-refund]'));
    const result = await answererWith().answer(turn('退款到信用卡要多久?'));

    expect(provider.requests).toHaveLength(1);
    const [request] = provider.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.authorization).toBe('Bearer test-key');
    expect(request?.body.model).toBe('loopdesk-test-model');
    const messages = request?.body.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toMatch(/ONLY the sources below/);
    expect(messages[0]?.content).toContain('Simplified Chinese');
    expect(messages[1]?.content).toContain('[kb-refund] 退款时效');
    expect(messages[1]?.content).toContain(body('kb-refund'));
    expect(messages[1]?.content).toContain('退款到信用卡要多久?');

    expect(result).toMatchObject({ usedLlm: true, grounded: true, source: 'knowledge', citations: ['kb-refund'] });
    expect(result.text).toBe('信用卡退款最长7个工作日到账。(参考:退款时效)');
  });

  it('grounds product questions on the catalog entry and nothing else', async () => {
    provider.respond(answer('Yes, the Galaxia X5 Phone 128GB supports 5G. [product:PH-X5-128]'));
    const result = await answererWith().answer(turn('Does the X5 support 5G?'));

    const prompt = provider.requests[0]?.body.messages?.[1]?.content ?? '';
    expect(prompt).toContain('[product:PH-X5-128] Galaxia X5 Phone 128GB');
    expect(prompt).toContain('supports 5G');
    expect(prompt).not.toContain('[kb-');
    expect(result).toMatchObject({ usedLlm: true, source: 'catalog', citations: ['product:PH-X5-128'], product: 'PH-X5-128' });
    expect(result.text).toBe('Yes, the Galaxia X5 Phone 128GB supports 5G. (Source: product catalog)');
  });

  it('sends placeholders instead of phone, ID-card and e-mail, and puts them back into the answer', async () => {
    provider.respond(answer('退款通过后银行卡1-3个工作日到账,结果会短信通知[PHONE_1],并发送到[EMAIL_1]。[kb-refund]'));
    const question = `我的手机${PHONE},身份证${ID_CARD},邮箱${EMAIL},退款到银行卡要多久?`;
    const result = await answererWith().answer(turn(question));

    const raw = provider.requests.map((r) => r.raw).join('\n');
    expect(raw).not.toContain(PHONE);
    expect(raw).not.toContain(ID_CARD);
    expect(raw).not.toContain(EMAIL);
    expect(raw).toContain('[PHONE_1]');
    expect(raw).toContain('[ID_CARD_1]');
    expect(raw).toContain('[EMAIL_1]');
    expect(result.usedLlm).toBe(true);
    expect(result.text).toContain(`短信通知${PHONE}`);
    expect(result.text).toContain(`发送到${EMAIL}`);
    expect(result.text).not.toMatch(/\[(PHONE|EMAIL)_1\]/);
  });

  it('gives the embedded answer when the provider is slower than LLM_TIMEOUT', async () => {
    provider.respond(hang());
    const started = Date.now();
    const result = await answererWith({ timeoutMs: 400 }).answer(turn('退款到信用卡要多久?'));

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(provider.requests.length).toBeGreaterThanOrEqual(1);
    expect(result).toMatchObject({ usedLlm: false, grounded: true, source: 'knowledge', citations: ['kb-refund'] });
    expect(result.text).toContain('信用卡最长7个工作日');
  });

  it('retries a failing provider once, then gives the embedded answer', async () => {
    provider.respond(fail(500));
    const result = await answererWith().answer(turn('Can I use two coupons on one order?'));

    expect(provider.requests).toHaveLength(2);
    expect(result).toMatchObject({ usedLlm: false, grounded: true, citations: ['kb-coupon-en'] });
    expect(result.text).toContain('one per order');
  });

  it('recovers when the retry succeeds', async () => {
    provider.respond(fail(500), answer('One coupon per order. [kb-coupon-en]'));
    const result = await answererWith().answer(turn('Can I use two coupons on one order?'));

    expect(provider.requests).toHaveLength(2);
    expect(result).toMatchObject({ usedLlm: true, citations: ['kb-coupon-en'] });
  });

  it('does not trust an answer that cites an article it was not given, or none at all', async () => {
    for (const reply of ['Coupons can be stacked freely. [kb-secret-deals]', 'Coupons can be stacked freely.']) {
      provider.respond(answer(reply));
      const result = await answererWith().answer(turn('Can I use two coupons on one order?'));
      expect(result).toMatchObject({ usedLlm: false, citations: ['kb-coupon-en'] });
      expect(result.text).not.toContain('stacked');
    }
  });

  it('does not trust an answer stating a figure its sources do not hold', async () => {
    provider.respond(answer('Alipay refunds arrive within 2 hours. [kb-refund-en]'));
    const result = await answererWith().answer(turn('When do Alipay refunds arrive?'));
    expect(result.usedLlm).toBe(false);
    expect(result.text).toContain('within 1 business day');
  });

  it('holds the model to the finance rules: promises removed, risk disclosure added', async () => {
    provider.respond(answer('稳盈R2保本保息,稳赚不赔。[kb-wealth-risk] 稳盈R2为中低风险。[kb-wealth-risk]'));
    const result = await answererWith().answer(turn('稳盈R2风险高吗?'));

    expect(result.usedLlm).toBe(true);
    expect(result.text).not.toMatch(/保本保息|稳赚/);
    expect(result.text).toContain('稳盈R2为中低风险');
    expect(result.text).toContain('理财非存款,产品有风险,投资须谨慎。');
    expect(result.disclosures).toEqual(['理财非存款,产品有风险,投资须谨慎。']);
  });

  it('never sends loan questions to the model', async () => {
    const result = await answererWith().answer(turn('贷款申请需要什么材料?'));
    expect(provider.requests).toHaveLength(0);
    expect(result.text).toContain('人工信贷顾问');
  });
});
