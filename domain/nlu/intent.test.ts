import { describe, expect, it } from 'vitest';
import { extractEntities } from './entities';
import { classifyIntent, trainingExamples, trainIntentModel } from './intent';
import type { Intent } from './types';

const intentOf = (text: string) => classifyIntent(text, extractEntities(text));

/** Written for these tests: in neither the training data nor the eval sets. */
const EXAMPLES: Array<[Intent, string]> = [
  ['greeting', '哈喽,客服在不?'],
  ['greeting', 'Hey, good morning!'],
  ['product_inquiry', '净化器适合四十平的客厅吗'],
  ['product_inquiry', 'Does the kids bottle come in yellow?'],
  ['order_status', '包裹到哪儿了,单号202611210456'],
  ['order_status', 'Has LD20261003 been delivered?'],
  ['return_exchange', '净化器用了三天就不转了,给我换一台'],
  ['return_exchange', 'How do I return the stationery set?'],
  ['refund_status', '退货签收好几天了还没退款'],
  ['refund_status', 'refund still not showing on my card'],
  ['complaint', '你们效率太低了,我要投诉客服'],
  ['complaint', "Honestly the worst support I've ever dealt with"],
  ['human_agent', '机器人别回了,我要真人客服'],
  ['human_agent', 'I need to speak to a human being'],
  ['promotion', '积分快到期了怎么用'],
  ['promotion', 'Do you have any coupons for the purifier?'],
  ['account', '验证码一直收不到,登录不了'],
  ['account', 'How can I change the phone number linked to my account?'],
  ['payment', '发票怎么开成公司的'],
  ['payment', 'the same order was charged to my card two times'],
  ['financial_product', '理财产品可以提前取出来吗'],
  ['financial_product', "What's the risk rating of SteadyGain?"],
  ['loan', '想贷二十万买车,怎么办理'],
  ['loan', 'How long is the repayment period for a personal loan?'],
  ['goodbye', '好嘞,谢谢,拜拜'],
  ['goodbye', 'Perfect, thanks so much for the help!'],
  ['out_of_scope', '帮我推荐个附近的餐厅'],
  ['out_of_scope', 'Write a limerick about a dog'],
];

describe('intent classification', () => {
  it.each(EXAMPLES)('reads %s in "%s"', (intent, text) => {
    expect(intentOf(text).intent).toBe(intent);
  });

  it('is confident on plain requests', () => {
    expect(intentOf('转人工客服').confidence).toBeGreaterThan(0.7);
    expect(intentOf('Where is my refund?').confidence).toBeGreaterThan(0.7);
  });

  it('has low confidence on gibberish, so the dialogue policy can hand off', () => {
    for (const text of ['asdkjh qwe', 'blorp fizzle wug', '???', 'the']) {
      const prediction = intentOf(text);
      expect(prediction.intent).toBe('out_of_scope');
      expect(prediction.confidence).toBeLessThan(0.3);
    }
  });

  it('ranks every intent with probabilities that sum to one', () => {
    const { ranking } = intentOf('我要退货');
    expect(ranking).toHaveLength(14);
    expect(ranking.reduce((sum, r) => sum + r.probability, 0)).toBeCloseTo(1, 6);
  });
});

describe('the training data', () => {
  it('generalises: each fifth of it is classified well by a model trained on the other four', () => {
    const examples = trainingExamples();
    const folds = 5;
    let correct = 0;
    for (let fold = 0; fold < folds; fold++) {
      const model = trainIntentModel(examples.filter((_, i) => i % folds !== fold));
      const heldOut = examples.filter((_, i) => i % folds === fold);
      correct += heldOut.filter((example) => model.predict(example.features)[0]?.label === example.label).length;
    }
    expect(correct / examples.length).toBeGreaterThan(0.85);
  });
});
