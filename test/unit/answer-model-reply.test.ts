import { describe, expect, it } from 'vitest';
import { groundedPrompt, readModelAnswer, type Passage } from '../../domain/answer/prompt';

const passages: Passage[] = [
  { id: 'kb-refund-en', title: 'Refund times', text: 'Alipay and WeChat Pay refunds arrive within 1 business day, credit cards within 7 business days.' },
  { id: 'product:PH-X5-128', title: 'Galaxia X5 Phone 128GB', text: 'The Galaxia X5 Phone 128GB costs CNY 2999.' },
];

describe('the grounded prompt', () => {
  it('shows only the passages, by id, and asks for the customer’s language', () => {
    const prompt = groundedPrompt('退款多久到?', 'zh', passages);
    expect(prompt.system).toContain('Reply in Simplified Chinese');
    expect(prompt.user).toBe(
      'Sources:\n[kb-refund-en] Refund times\nAlipay and WeChat Pay refunds arrive within 1 business day, credit cards within 7 business days.\n\n' +
        '[product:PH-X5-128] Galaxia X5 Phone 128GB\nThe Galaxia X5 Phone 128GB costs CNY 2999.\n\nCustomer question:\n退款多久到?',
    );
  });
});

describe('reading the model’s reply', () => {
  it('turns citation marks into a source note and keeps personal-data placeholders', () => {
    expect(readModelAnswer('Credit card refunds take up to 7 business days [kb-refund-en]; we will text [PHONE_1].', passages, 'q', 'en')).toEqual({
      body: 'Credit card refunds take up to 7 business days; we will text [PHONE_1].',
      sources: ['Refund times'],
      citations: ['kb-refund-en'],
    });
    expect(readModelAnswer('X5 售价2,999元。[product:PH-X5-128]', passages, 'X5多少钱', 'zh')).toMatchObject({ sources: ['商品资料'], citations: ['product:PH-X5-128'] });
  });

  it('rejects replies that cite nothing, cite what they were not given, or state figures of their own', () => {
    expect(readModelAnswer('Refunds are fast.', passages, 'q', 'en')).toEqual({ rejected: 'the answer cites no source' });
    expect(readModelAnswer('Refunds are fast. [kb-other]', passages, 'q', 'en')).toMatchObject({ rejected: expect.stringContaining('kb-other') as string });
    expect(readModelAnswer('Refunds take 3 days. [kb-refund-en]', passages, 'q', 'en')).toMatchObject({ rejected: expect.stringContaining('3') as string });
  });
});
