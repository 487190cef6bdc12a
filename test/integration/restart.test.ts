import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, login, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let ops: string;

beforeAll(async () => {
  system = await startTestSystem('restart');
  ops = await system.token('ops');
});

afterAll(async () => {
  await system?.stop();
});

const say = (conversationId: string, text: string) =>
  http(system.api.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: ops, body: { channel: 'web', customerId: 'c-1006', text } });

describe('a worker restart in the middle of a conversation', () => {
  it('loses no message and duplicates no reply', async () => {
    const first = await say('restart-1', '几天内可以无理由退货?');
    expect(first.status).toBe(200);

    await system.worker.stop();
    // The customer writes while no worker is running: the message waits in Temporal, not in memory.
    const pending = say('restart-1', '退款到信用卡要多久?');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    system.worker = await system.startWorker();
    const second = await pending;
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ turn: 2, citations: ['kb-refund'] });

    await system.worker.stop();
    system.worker = await system.startWorker();
    const third = await say('restart-1', 'How long does delivery to Tibet take?');
    expect(third.json).toMatchObject({ turn: 3, citations: ['kb-shipping-en'] });

    const view = await http(system.api.url, 'GET', '/api/conversations/restart-1', { token: await login(system.api.url, 'agent') });
    const transcript = view.json.transcript as Array<{ seq: number; role: string; text: string }>;
    expect(transcript.map((t) => t.role)).toEqual(['customer', 'bot', 'customer', 'bot', 'customer', 'bot']);
    expect(transcript.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(transcript.filter((t) => t.role === 'customer').map((t) => t.text)).toEqual([
      '几天内可以无理由退货?',
      '退款到信用卡要多久?',
      'How long does delivery to Tibet take?',
    ]);
  });
});
