import { describe, expect, it } from 'vitest';
import { analyzeSentiment } from './sentiment';

const sentimentOf = (text: string) => analyzeSentiment(text).sentiment;

describe('sentiment', () => {
  it('hears anger and disappointment in both languages', () => {
    expect(sentimentOf('客服一直推来推去,太失望了')).toBe('negative');
    expect(sentimentOf('The courier was rude and the box was damaged')).toBe('negative');
  });

  it('hears satisfaction in both languages', () => {
    expect(sentimentOf('东西收到了,很满意')).toBe('positive');
    expect(sentimentOf('Lovely, the purifier works great')).toBe('positive');
  });

  it('flips praise that is negated', () => {
    expect(sentimentOf('对这次服务不满意')).toBe('negative');
    expect(sentimentOf('说实话不是很好用')).toBe('negative');
    expect(sentimentOf('the case is not good at all')).toBe('negative');
    expect(sentimentOf("I don't like it")).toBe('negative');
  });

  it('reads negated problems as relief, not complaint', () => {
    expect(sentimentOf('没问题了,谢谢')).toBe('positive');
    expect(sentimentOf('not bad actually')).toBe('positive');
    expect(sentimentOf('no problem, thanks')).toBe('positive');
  });

  it('hears frustration in things that never happened', () => {
    expect(sentimentOf('包裹到现在还没收到')).toBe('negative');
    expect(sentimentOf('the replacement never arrived')).toBe('negative');
    expect(sentimentOf('已经等了五天了')).toBe('negative');
    expect(sentimentOf('I was billed for the same order two times')).toBe('negative');
  });

  it('treats thanks tacked onto a request as courtesy, not praise', () => {
    expect(sentimentOf('请帮我查一下物流,谢谢')).toBe('neutral');
    expect(sentimentOf('Thanks, could you check my order?')).toBe('neutral');
    expect(sentimentOf('thanks for sorting that out')).toBe('positive');
  });

  it('stays neutral on plain questions, even with a positive word in them', () => {
    expect(sentimentOf('退款一般几天到账?')).toBe('neutral');
    expect(sentimentOf('Is the X5 good for gaming?')).toBe('neutral');
    expect(sentimentOf('Good morning')).toBe('neutral');
  });

  it('is not fooled by words that merely contain a negative one', () => {
    expect(sentimentOf('麻烦帮我查一下订单')).toBe('neutral');
    expect(sentimentOf('降价了能退差价吗')).toBe('neutral');
    expect(sentimentOf('贷款怎么还款')).toBe('neutral');
    expect(sentimentOf('Can you issue an invoice?')).toBe('neutral');
    expect(sentimentOf('Tell me a joke')).toBe('neutral');
    expect(sentimentOf('这个还不错')).toBe('positive');
  });

  it('scores within -1..1, stronger for stronger words', () => {
    const mild = analyzeSentiment('有点慢').score;
    const strong = analyzeSentiment('垃圾服务,太恶劣了,我要投诉').score;
    expect(strong).toBeLessThan(mild);
    expect(strong).toBeGreaterThanOrEqual(-1);
  });
});
