import { describe, expect, it } from 'vitest';
import { evaluateNlu, normaliseEntityValue, type NluExample } from './evaluation';
import type { NluResult } from './types';

const now = new Date(2026, 10, 24);

function result(partial: Partial<NluResult>): NluResult {
  return { lang: 'en', intent: 'greeting', intentConfidence: 0.9, entities: {}, mentions: [], sentiment: 'neutral', sentimentScore: 0, ...partial };
}

describe('NLU evaluation', () => {
  it('compares gold values written as words with normalised predictions', () => {
    expect(normaliseEntityValue('date', 'yesterday', now)).toBe('2026-11-23');
    expect(normaliseEntityValue('date', '2026-11-23', now)).toBe('2026-11-23');
    expect(normaliseEntityValue('money', '50000', now)).toBe(normaliseEntityValue('money', 50_000, now));
    expect(normaliseEntityValue('phone', '+86 138 1234 5678', now)).toBe('13812345678');
  });

  it('scores intents, sentiment and entity pairs', () => {
    const examples: NluExample[] = [
      { text: 'a', intent: 'greeting', sentiment: 'neutral', entities: { date: 'yesterday' } },
      { text: 'b', intent: 'loan', sentiment: 'negative', entities: { money: '50000', order_id: '1' } },
    ];
    const predictions: Record<string, NluResult> = {
      a: result({ entities: { date: '2026-11-23' } }),
      b: result({ intent: 'payment', entities: { money: 50_000, phone: '13812345678' } }),
    };
    const report = evaluateNlu(examples, (text) => predictions[text] ?? result({}), now);
    expect(report).toMatchObject({ intentAccuracy: 0.5, sentimentAccuracy: 0.5, n: 2 });
    // 2 of 3 predicted pairs right, 2 of 3 gold pairs found.
    expect(report.entityF1).toBeCloseTo(0.6667, 4);
    expect(report.perIntent.find((row) => row.intent === 'loan')).toEqual({ intent: 'loan', precision: 0, recall: 0, support: 1 });
  });
});
