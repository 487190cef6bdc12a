import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let ops: string;

beforeAll(async () => {
  system = await startTestSystem('dialogue');
  ops = await system.token('ops');
});

afterAll(async () => {
  await system?.stop();
});

/** A customer on one channel, talking in one conversation through the HTTP API. */
function chat(conversationId: string, customerId: string, channel = 'web') {
  return async (text: string) => {
    const res = await http(system.api.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: ops, body: { channel, customerId, text } });
    expect(res.status, res.text).toBe(200);
    return res.json as { reply: string; handedOff: boolean; intent: string; citations: string[] };
  };
}

async function view(conversationId: string) {
  return (await http(system.api.url, 'GET', `/api/conversations/${conversationId}`, { token: ops })).json;
}

describe('order status', () => {
  it('zh: asks for the order number, then reports the status', async () => {
    const say = chat('dlg-order-zh', 'c-1001');
    expect((await say('我买的东西到哪了?')).reply).toContain('订单号');
    const status = await say('LD20261001');
    expect(status.reply).toContain('已签收');
    expect(status.reply).toContain('星河 X5 手机 128GB');
  });

  it('en: looks the order up at once and gives the tracking number', async () => {
    const status = await chat('dlg-order-en', 'c-1003')('Where is my order LD20261004?');
    expect(status.reply).toContain('shipped');
    expect(status.reply).toContain('SF20261004');
  });

  it("never reveals someone else's order", async () => {
    const reply = await chat('dlg-order-other', 'c-1002')('查一下订单 LD20261001 的物流');
    expect(reply.reply).toContain('没有找到');
    expect(reply.reply).not.toContain('星河');
  });
});

describe('returns', () => {
  it('zh: order → reason → confirmation opens a return request exactly once', async () => {
    const say = chat('dlg-return-zh', 'c-1001');
    expect((await say('我要退货')).reply).toContain('订单号');
    expect((await say('LD20261001')).reply).toContain('质量问题');
    expect((await say('不想要了')).reply).toContain('确认');
    const done = await say('是的');
    const requestId = /RMA-[0-9A-F]+/.exec(done.reply)?.[0];
    expect(requestId).toBeDefined();
    const cases = await system.db.models.Case.find({ conversationId: 'dlg-return-zh' }).lean();
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ caseId: requestId, type: 'return', reason: 'no_reason', orderId: 'LD20261001', customerId: 'c-1001' });
    // The return case workflow has taken it from there.
    expect(['requested', 'checking', 'awaiting_pickup']).toContain(cases[0]!.status);
  });

  it('en: a question mid-flow is answered and the flow resumes; "never mind" leaves it', async () => {
    const say = chat('dlg-return-en', 'c-1005', 'app');
    expect((await say('I want to return my earbuds')).reply).toContain('order number');
    const digression = await say('How long do credit card refunds take?');
    expect(digression.citations).toContain('kb-refund-en');
    expect(digression.reply).toContain('Back to where we were');
    expect((await view('dlg-return-en')).flow).toBe('return');
    expect((await say('never mind')).reply).toContain('cancelled');
    expect((await view('dlg-return-en')).flow).toBeUndefined();
  });

  it('explains why an item cannot be returned', async () => {
    const reply = await chat('dlg-return-late', 'c-1001')('订单LD20261002的耳机不想要了,想退货');
    expect(reply.reply).toContain('个人卫生用品');
    expect(await system.db.models.Case.countDocuments({ conversationId: 'dlg-return-late' })).toBe(0);
  });
});

describe('complaints', () => {
  it('en: a detailed complaint opens a case', async () => {
    const reply = await chat('dlg-complaint-en', 'c-1005', 'app')('I want to complain: the courier threw my parcel over the fence and the box was crushed');
    expect(reply.reply).toMatch(/CMP-[0-9A-F]+/);
    expect(await system.db.models.Case.countDocuments({ conversationId: 'dlg-complaint-en', type: 'complaint' })).toBe(1);
  });

  it('zh: a complaint from a platinum member goes to a person, with the hand-off packet', async () => {
    const reply = await chat('dlg-complaint-vip', 'c-1010')('我要投诉你们的售后');
    expect(reply.handedOff).toBe(true);
    const escalation = await system.db.models.Escalation.findOne({ conversationId: 'dlg-complaint-vip' }).lean();
    expect(escalation).toMatchObject({ reason: 'vip_complaint', status: 'queued', customerId: 'c-1010' });
    expect((escalation?.packet as { summary: string }).summary).toContain('platinum');
  });
});

describe('identity verification', () => {
  it('sends a one-time code by SMS, allows a wrong try, and hands the verified customer over', async () => {
    const say = chat('dlg-verify', 'c-1002');
    const asked = await say('我想修改绑定的手机号');
    expect(asked.reply).toContain('139****9002');
    const sms = await system.db.models.Delivery.findOne({ customerId: 'c-1002', purpose: 'one_time_code' }).lean();
    const code = /\d{6}/.exec(sms!.text)![0];
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await say(wrong)).reply).toContain('还可以再试 2 次');
    const verified = await say(code);
    expect(verified.reply).toContain('身份验证通过');
    expect(verified.handedOff).toBe(true);
    const escalation = await system.db.models.Escalation.findOne({ conversationId: 'dlg-verify' }).lean();
    expect(escalation).toMatchObject({ reason: 'verified_request', packet: { verified: true } });
    expect(await system.db.models.Delivery.countDocuments({ customerId: 'c-1002', purpose: 'one_time_code' })).toBe(1);
  });
});

describe('hand-off triggers', () => {
  it('en: on request; afterwards messages wait for the agent', async () => {
    const say = chat('dlg-human', 'c-1008');
    const handed = await say('Can I talk to a real person please?');
    expect(handed.handedOff).toBe(true);
    expect((await say('hello?')).reply).toContain('agent will reply');
  });

  it('zh: after two angry messages in a row', async () => {
    const say = chat('dlg-angry', 'c-1004');
    expect((await say('你们这个手机质量太差了,很失望')).handedOff).toBe(false);
    expect((await say('垃圾服务,气死我了')).handedOff).toBe(true);
  });

  it('after two messages it could not understand', async () => {
    const say = chat('dlg-gibberish', 'c-1011');
    await say('qwpoeiru zxmcnv');
    expect((await say('asdkjh qwelkj zzz')).handedOff).toBe(true);
  });

  it('zh: a loan request is answered and handed to a credit adviser', async () => {
    const reply = await chat('dlg-loan', 'c-1010')('我想申请个人消费贷款');
    expect(reply.handedOff).toBe(true);
    expect(await system.db.models.Escalation.countDocuments({ conversationId: 'dlg-loan', reason: 'loan' })).toBe(1);
  });
});

describe('grounded answers', () => {
  it('answers stock questions from the catalog with the restock date', async () => {
    const reply = await chat('dlg-stock', 'c-1005', 'app')('When will the 67W fast charger be back in stock?');
    expect(reply.reply).toContain('2026-12-10');
    expect(reply.citations).toContain('product:AC-CHG-67W');
  });

  it('adds the risk disclosure to a wealth-product answer', async () => {
    const reply = await chat('dlg-wealth', 'c-1010')('稳盈R2保本吗?');
    expect(reply.reply).toContain('理财非存款,产品有风险,投资须谨慎');
    expect(reply.reply).not.toMatch(/(?<!不)保本(?!吗)/);
  });

  it('suggests one related item when a customer looks at a product', async () => {
    const reply = await chat('dlg-recommend', 'c-1004')('Can the Galaxia X5 take two SIM cards?');
    expect(reply.citations).toContain('product:PH-X5-128');
    expect(reply.reply.split('\n').length).toBeGreaterThanOrEqual(2);
  });
});

describe('outcome events', () => {
  it('records purchase intent and bot resolution when the conversation closes', async () => {
    const say = chat('dlg-outcome', 'c-1012');
    const price = await say('星河X5多少钱?');
    expect(price.reply).toContain('2999');
    const colour = await say('这款有蓝色的吗?');
    expect(colour.citations).toContain('product:PH-X5-128');
    expect((await view('dlg-outcome')).lastProduct).toBe('PH-X5-128');
    const closing = await http(system.api.url, 'POST', '/api/conversations/dlg-outcome/close', { token: ops });
    expect(closing.status).toBe(202);
    await system.client.workflow.getHandle('conversation-dlg-outcome').result();
    const events = await system.db.models.BehaviourEvent.find({ customerId: 'c-1012', 'properties.conversationId': 'dlg-outcome' }).lean();
    expect(events.map((e) => e.type).sort()).toEqual(['conversation_closed', 'purchase_intent', 'resolved_by_bot']);
    expect(events.find((e) => e.type === 'purchase_intent')?.properties).toMatchObject({ product: 'PH-X5-128' });
    expect((await http(system.api.url, 'POST', '/api/conversations/dlg-outcome/close', { token: ops })).status).toBe(409);
  });
});
