import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, fail, startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

let provider: FakeOpenAi;
let system: TestSystem;
let ops: string;

beforeAll(async () => {
  provider = await startFakeOpenAi();
  system = await startTestSystem('llm-e2e', { OPENAI_API_KEY: 'e2e-key', OPENAI_BASE_URL: provider.baseUrl, OPENAI_MODEL: 'loopdesk-e2e', LLM_TIMEOUT: '3s' });
  ops = await system.token('ops');
});

afterAll(async () => {
  await system?.stop();
  await provider?.close();
});

const say = (conversationId: string, customerId: string, text: string) =>
  http(system.api.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: ops, body: { channel: 'web', customerId, text } });

describe('a customer message answered by the configured LLM, through the API and the worker', () => {
  it('sends the grounded prompt without personal data and returns the cited answer with it restored', async () => {
    provider.requests.length = 0;
    provider.respond(answer((request) => {
      const question = request.body.messages?.at(-1)?.content ?? '';
      const placeholder = /\[PHONE_\d\]/.exec(question)?.[0] ?? '';
      return `Credit card refunds take up to 7 business days; we will text ${placeholder} when it is done. [kb-refund-en]`;
    }));
    const res = await say('llm-e2e-1', 'c-1003', 'How long does a credit card refund take? My phone is 13712345678.');
    expect(res.status).toBe(200);
    expect(res.json.citations).toEqual(['kb-refund-en']);
    expect(res.json.reply).toContain('7 business days');
    expect(res.json.reply).toContain('13712345678');
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]!.raw).not.toContain('13712345678');
    expect(provider.requests[0]!.body.model).toBe('loopdesk-e2e');
  });

  it('falls back to the embedded answer when the provider fails', async () => {
    provider.requests.length = 0;
    provider.respond(fail(500), fail(500));
    const res = await say('llm-e2e-2', 'c-1003', 'How long does delivery to Tibet take?');
    expect(res.status).toBe(200);
    expect(res.json.citations).toEqual(['kb-shipping-en']);
    expect(res.json.reply).toContain('5-7 days');
    expect(provider.requests.length).toBeGreaterThanOrEqual(1);
  });
});
