import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Product } from '../catalog';
import { detectLanguage, type Lang } from '../language';
import { analyze } from '../nlu';
import { Dialogue } from './dialogue';
import type { CustomerSummary, Effect, EffectResult, OrderSummary, ReplyPart, Step } from './types';

const catalog = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', 'catalog.json'), 'utf8')) as Product[];
const NOW = new Date('2026-11-24T10:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

const ORDERS: Record<string, OrderSummary> = {
  LD20261001: { orderId: 'LD20261001', status: 'delivered', placedAt: daysAgo(5), deliveredAt: daysAgo(2), total: 3078, items: [{ sku: 'PH-X5-128', name: '星河 X5 手机 128GB', category: 'phone', quantity: 1 }] },
  LD20261002: { orderId: 'LD20261002', status: 'delivered', placedAt: daysAgo(40), deliveredAt: daysAgo(37), total: 499, items: [{ sku: 'AC-EARBUD-2', name: '星河无线耳机 2', category: 'audio', quantity: 1 }] },
  LD20261004: { orderId: 'LD20261004', status: 'shipped', placedAt: daysAgo(2), total: 3548, carrier: 'SF Express', trackingNumber: 'SF20261004', items: [{ sku: 'PH-X5-256', name: '星河 X5 手机 256GB', category: 'phone', quantity: 1 }] },
};

/** Runs effects against in-memory data, the way the workflow runs them against activities. */
class Harness {
  readonly dialogue = new Dialogue();
  readonly effects: Effect[] = [];
  private code = '123456';
  private lang?: Lang;
  private attemptsLeft = 3;

  constructor(private readonly customer: CustomerSummary = { customerId: 'c-1', tier: 'standard', lang: 'zh', phoneMasked: '138****8001' }) {}

  say(message: string): string[] {
    const nlu = analyze(message, { catalog, now: NOW });
    this.lang = detectLanguage(message, this.lang);
    let step: Step = this.dialogue.onMessage(message, nlu, { lang: this.lang, customer: this.customer, now: NOW });
    while (step.kind === 'effect') {
      this.effects.push(step.effect);
      step = this.dialogue.onEffectResult(this.run(step.effect));
    }
    return step.parts.map((p: ReplyPart) => ('answer' in p ? '<answer>' : p.text));
  }

  private run(effect: Effect): EffectResult {
    switch (effect.kind) {
      case 'lookup_order':
        return { kind: 'lookup_order', order: effect.orderId ? ORDERS[effect.orderId] : undefined };
      case 'send_code':
        return this.customer.phoneMasked ? { kind: 'send_code', challengeId: 'ch-1', destination: this.customer.phoneMasked } : { kind: 'send_code' };
      case 'check_code':
        if (effect.code === this.code) return { kind: 'check_code', outcome: 'ok', attemptsLeft: this.attemptsLeft };
        this.attemptsLeft -= 1;
        return { kind: 'check_code', outcome: this.attemptsLeft > 0 ? 'wrong' : 'locked', attemptsLeft: this.attemptsLeft };
      case 'record_return':
        return { kind: 'record_return', requestId: 'RMA-1' };
      case 'open_complaint':
        return { kind: 'open_complaint', caseId: 'CMP-1' };
      case 'hand_off':
        return { kind: 'hand_off', handoffId: 'H-1' };
    }
  }

  effectKinds(): string[] {
    return this.effects.map((e) => e.kind);
  }
}

describe('order status', () => {
  it('asks for the order, looks it up and reports carrier and tracking', () => {
    const chat = new Harness();
    expect(chat.say('我的快递到哪了?')[0]).toContain('订单号');
    const [status] = chat.say('订单号是LD20261004');
    expect(status).toContain('已发货');
    expect(status).toContain('SF20261004');
    expect(chat.effectKinds()).toEqual(['lookup_order']);
  });

  it('goes straight to the lookup when the first message names the order, in English too', () => {
    const chat = new Harness({ customerId: 'c-2', tier: 'standard', lang: 'en' });
    const [status] = chat.say('Where is my order LD20261004?');
    expect(status).toContain('shipped');
  });

  it('asks again when the order is unknown and hands over after three misses', () => {
    const chat = new Harness();
    chat.say('查一下订单状态');
    expect(chat.say('LD29999999')[0]).toContain('没有找到');
    chat.say('LD29999998');
    const last = chat.say('LD29999997');
    expect(last.join('')).toContain('人工客服');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'unresolved' });
  });
});

describe('returns', () => {
  it('walks order → reason → confirmation → recorded request', () => {
    const chat = new Harness();
    expect(chat.say('我想退货')[0]).toContain('订单号');
    expect(chat.say('LD20261001')[0]).toContain('质量问题');
    expect(chat.say('不想要了,无理由退货')[0]).toContain('确认');
    expect(chat.say('是的')[0]).toContain('RMA-1');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'record_return', reason: 'no_reason', request: 'return' });
    expect(chat.dialogue.closingOutcomes(4)).toEqual(['case_opened']);
  });

  it('refuses a no-reason return of opened earbuds but explains the fault route', () => {
    const chat = new Harness();
    chat.say('耳机想退货,订单LD20261002');
    const [answer] = chat.say('不喜欢,不想要了');
    expect(answer).toContain('个人卫生用品');
    expect(chat.effectKinds()).not.toContain('record_return');
  });

  it('refuses after the deadline and says how late it is', () => {
    const chat = new Harness({ customerId: 'c-2', tier: 'standard', lang: 'en' });
    const [answer] = chat.say('The earbuds from order LD20261002 are broken, I want to exchange them');
    expect(answer).toContain('delivered 37 days ago, past the 15-day limit');
    expect(chat.effectKinds()).toEqual(['lookup_order']);
    expect(chat.dialogue.snapshot().flow).toBeUndefined();
  });

  it('answers a question asked mid-flow, then resumes it', () => {
    const chat = new Harness();
    chat.say('我要退货');
    const digression = chat.say('退款到信用卡要多久?');
    expect(digression[0]).toBe('<answer>');
    expect(digression[1]).toContain('回到刚才的问题');
    expect(digression[1]).toContain('订单号');
    expect(chat.say('LD20261001')[0]).toContain('质量问题');
  });

  it('leaves the flow on "算了"', () => {
    const chat = new Harness();
    chat.say('我要退货');
    expect(chat.say('算了')[0]).toContain('已取消');
    expect(chat.dialogue.snapshot().flow).toBeUndefined();
  });
});

describe('questions about the rules', () => {
  it.each(['几天内可以无理由退货?', 'How long does delivery to Xinjiang take?', 'What is your exchange policy for faulty items?', '退货流程是怎样的?'])('answers "%s" instead of starting a flow', (question) => {
    const chat = new Harness();
    expect(chat.say(question)).toEqual(['<answer>']);
    expect(chat.dialogue.snapshot().flow).toBeUndefined();
  });

  it.each(['我想退货', 'I want to return my phone', '帮我查一下订单'])('starts a flow for "%s"', (request) => {
    const chat = new Harness();
    chat.say(request);
    expect(chat.dialogue.snapshot().flow).toBeDefined();
  });
});

describe('complaints', () => {
  it('opens a case from a detailed complaint', () => {
    const chat = new Harness();
    const [answer] = chat.say('我要投诉,你们的快递员把包裹扔在门口就走了');
    expect(answer).toContain('CMP-1');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'open_complaint', severity: 'normal' });
  });

  it('marks a complaint that mentions 12315 as high severity', () => {
    const chat = new Harness();
    chat.say('我要投诉,再不处理我就打12315投诉你们');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'open_complaint', severity: 'high' });
  });

  it('hands a gold member with a complaint straight to a person', () => {
    const chat = new Harness({ customerId: 'c-1001', tier: 'gold', lang: 'zh', phoneMasked: '138****8001' });
    chat.say('我要投诉你们的售后服务');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'vip_complaint' });
  });
});

describe('identity verification', () => {
  it('sends a code before an account change and hands the verified customer to an agent', () => {
    const chat = new Harness();
    expect(chat.say('我想修改绑定的手机号')[0]).toContain('138****8001');
    expect(chat.say('123456')[0]).toContain('身份验证通过');
    expect(chat.effectKinds()).toEqual(['send_code', 'check_code', 'hand_off']);
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'verified_request', packet: { verified: true } });
  });

  it('allows three attempts, then hands over', () => {
    const chat = new Harness();
    chat.say('I want to change my account password');
    expect(chat.say('111111')[0]).toContain('2 attempt');
    chat.say('222222');
    chat.say('333333');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'verification_failed' });
  });

  it('hands over when there is no phone to send a code to', () => {
    const chat = new Harness({ customerId: 'v-1', tier: 'standard', lang: 'zh' });
    chat.say('我要赎回稳盈R2');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'verification_failed' });
  });
});

describe('hand-off triggers', () => {
  it('hands over on request, with a packet that carries the history', () => {
    const chat = new Harness();
    chat.say('X5有蓝色的吗?');
    chat.say('转人工');
    const handoff = chat.effects.at(-1);
    expect(handoff).toMatchObject({ kind: 'hand_off', reason: 'requested', packet: { lastProduct: 'PH-X5-128' } });
    expect(handoff?.kind === 'hand_off' && handoff.packet.recentTurns.map((t) => t.text)).toContain('X5有蓝色的吗?');
    expect(chat.say('还在吗')[0]).toContain('人工客服接入');
  });

  it('hands over after two negative turns in a row', () => {
    const chat = new Harness();
    chat.say('这个手机太差了,很失望');
    chat.say('垃圾服务,气死我了');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'negative_sentiment' });
  });

  it('hands over after two turns it did not understand', () => {
    const chat = new Harness();
    chat.say('qwpoeiru zxmcnv');
    chat.say('asdkjh qwelkj zzz');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'low_confidence' });
  });

  it('answers a loan question and hands over to a credit adviser', () => {
    const chat = new Harness();
    const parts = chat.say('我想申请个人消费贷款');
    expect(parts[0]).toBe('<answer>');
    expect(chat.effects.at(-1)).toMatchObject({ kind: 'hand_off', reason: 'loan' });
  });
});

describe('context', () => {
  it('remembers the last product for "这款"', () => {
    const chat = new Harness();
    chat.say('星河X5多少钱?');
    chat.say('这款有蓝色吗?');
    expect(chat.dialogue.lastProduct).toBe('PH-X5-128');
    expect(chat.dialogue.closingOutcomes(2)).toEqual(['purchase_intent', 'resolved_by_bot']);
  });
});

describe('language', () => {
  it('keeps the conversation language for a bare order number or code', () => {
    expect(detectLanguage('LD20261001', 'zh')).toBe('zh');
    expect(detectLanguage('123456', 'zh')).toBe('zh');
    expect(detectLanguage('LD20261001')).toBe('en');
    expect(detectLanguage('Where is my parcel?', 'zh')).toBe('en');
  });
});
