import { describe, expect, it } from 'vitest';
import { parseKbExample, scoreKbAnswers } from '../../domain/answer/evaluation';

describe('knowledge-base QA eval', () => {
  it('reads a line and says what is wrong with a bad one', () => {
    expect(parseKbExample({ question: '发票多久到?', lang: 'zh', articles: ['kb-invoice'], must_mention: ['24小时'] })).toEqual({
      question: '发票多久到?',
      lang: 'zh',
      articles: ['kb-invoice'],
      mustMention: ['24小时'],
    });
    expect(() => parseKbExample({ question: 'x', articles: [] })).toThrow(/"articles"/);
    expect(() => parseKbExample({ question: 'x', articles: ['a'], must_mention: 'b' })).toThrow(/"must_mention"/);
    expect(() => parseKbExample({ question: 'x', lang: 'fr', articles: ['a'] })).toThrow(/"lang"/);
  });

  it('scores hit@1 on the first citation and must-mention on every phrase, ignoring case', () => {
    const report = scoreKbAnswers([
      { example: { question: 'a', articles: ['kb-a'], mustMention: ['coupon', '7'] }, answer: { text: 'Coupons last 7 days.', citations: ['kb-a', 'kb-b'] } },
      { example: { question: 'b', articles: ['kb-b'], mustMention: ['fee'] }, answer: { text: 'Free repair.', citations: ['kb-c', 'kb-b'] } },
      { example: { question: 'c', articles: ['kb-c'], mustMention: [] }, answer: { text: 'Sorry.', citations: [] } },
    ]);
    expect(report).toMatchObject({ hitAt1: 0.3333, mustMention: 0.6667, n: 3 });
    expect(report.misses).toEqual([
      { question: 'b', expected: ['kb-b'], cited: 'kb-c', missing: ['fee'], hit: false },
      { question: 'c', expected: ['kb-c'], cited: '', missing: [], hit: false },
    ]);
  });
});
