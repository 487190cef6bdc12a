import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../activities/db/models';
import { payloadCodecFor } from '../../activities/security/payload-codec';
import { createApp } from '../../api/app';
import { connectTemporalClient } from '../../api/temporal';
import { http, login, silentLog, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let base: string;
let ops: string;

beforeAll(async () => {
  system = await startTestSystem('api');
  base = system.api.url;
  ops = await system.token('ops');
});

afterAll(async () => {
  await system?.stop();
});

describe('health and documentation', () => {
  it('reports Temporal and MongoDB up', async () => {
    const res = await http(base, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', temporal: { status: 'up' }, mongodb: { status: 'up' } });
  });

  it('answers 503 and says which part is down when the database is unreachable', async () => {
    const deadDb = await connectDatabase(system.endpoints.mongoUri);
    await deadDb.close();
    const { app } = createApp({ config: system.config, client: await connectTemporalClient(system.endpoints.temporalAddress, 'default', payloadCodecFor(system.config.payloadKeys)), db: deadDb, log: silentLog, codec: payloadCodecFor(system.config.payloadKeys) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await http(`http://127.0.0.1:${port}`, 'GET', '/health');
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ status: 'degraded', temporal: { status: 'up' }, mongodb: { status: 'down' } });
    } finally {
      server.close();
    }
  });

  it('documents every route in the OpenAPI document', async () => {
    const res = await http(base, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/conversations/{id}', '/api/conversations/{id}/messages', '/api/widget/sessions', '/health']));
    const documented = Object.entries(paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`)).sort();
    const mounted = system.api.routes.filter((r) => r.path !== '/openapi.json').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort();
    expect(documented).toEqual(mounted);
    expect(Object.keys(paths['/api/conversations/{id}/messages']!)).toEqual(['post']);
  });

  it('answers unknown routes with a 404 that points at the documentation', async () => {
    const res = await http(base, 'GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json.error?.message).toContain('/openapi.json');
  });
});

describe('login', () => {
  it('issues a token to a demo user with the right password', async () => {
    const res = await http(base, 'POST', '/api/auth/login', { body: { username: 'agent', password: 'loopdesk-demo' } });
    expect(res.status).toBe(200);
    expect(res.json.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.json.user).toMatchObject({ username: 'agent', roles: ['agent'] });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await http(base, 'POST', '/api/auth/login', { body: { username: 'agent', password: 'nope-nope' } });
    const unknown = await http(base, 'POST', '/api/auth/login', { body: { username: 'nobody', password: 'loopdesk-demo' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.error?.message).toBe(unknown.json.error?.message);
  });

  it('rejects an operator object in place of a username', async () => {
    const res = await http(base, 'POST', '/api/auth/login', { body: { username: { $ne: null }, password: 'loopdesk-demo' } });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('body.username');
  });
});

describe('conversations through the API', () => {
  it('answers a Chinese question from the knowledge base and keeps the transcript', async () => {
    const sent = await http(base, 'POST', '/api/conversations/api-zh-1/messages', {
      token: ops,
      body: { channel: 'web', customerId: 'c-1001', text: '几天内可以无理由退货?' },
    });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ conversationId: 'api-zh-1', lang: 'zh', turn: 1, citations: ['kb-return-policy'] });
    expect(sent.json.reply).toContain('7天');

    const second = await http(base, 'POST', '/api/conversations/api-zh-1/messages', {
      token: ops,
      body: { channel: 'web', customerId: 'c-1001', text: 'How long does delivery to Tibet take?' },
    });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ turn: 2, citations: ['kb-shipping-en'] });
    expect(second.json.reply).toContain('5-7 days');

    const token = await login(base, 'ops');
    const view = await http(base, 'GET', '/api/conversations/api-zh-1', { token });
    expect(view.status).toBe(200);
    expect(view.json).toMatchObject({ conversationId: 'api-zh-1', customerId: 'c-1001', channel: 'web', status: 'open', turns: 2 });
    const transcript = view.json.transcript as Array<{ seq: number; role: string; text: string }>;
    expect(transcript.map((t) => [t.seq, t.role])).toEqual([[1, 'customer'], [2, 'bot'], [3, 'customer'], [4, 'bot']]);
    expect(transcript[0]?.text).toBe('几天内可以无理由退货?');
  });

  it('politely declines a question outside what the desk handles', async () => {
    const res = await http(base, 'POST', '/api/conversations/api-none/messages', {
      token: ops,
      body: { channel: 'app', customerId: 'c-1005', text: 'What is the airspeed velocity of an unladen swallow?' },
    });
    expect(res.status).toBe(200);
    expect(res.json.citations).toEqual([]);
    expect(res.json.reply).toContain("outside what I can help with");
  });

  it('returns the same reply for a retried messageId and records it once', async () => {
    const body = { channel: 'web', customerId: 'c-1002', text: '退款到信用卡要多久?', messageId: 'retry-me-1' };
    const first = await http(base, 'POST', '/api/conversations/api-retry/messages', { token: ops, body });
    const again = await http(base, 'POST', '/api/conversations/api-retry/messages', { token: ops, body });
    expect(first.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const stored = await system.db.models.Message.countDocuments({ conversationId: 'api-retry' });
    expect(stored).toBe(2);
  });

  it('refuses a message from another customer into an existing conversation', async () => {
    await http(base, 'POST', '/api/conversations/api-owner/messages', { token: ops, body: { channel: 'web', customerId: 'c-1003', text: 'hello' } });
    const res = await http(base, 'POST', '/api/conversations/api-owner/messages', { token: ops, body: { channel: 'web', customerId: 'c-1004', text: 'hello' } });
    expect(res.status).toBe(409);
    expect(res.json.error?.code).toBe('WrongCustomer');
    expect(await system.db.models.Message.countDocuments({ conversationId: 'api-owner', customerId: 'c-1004' })).toBe(0);
  });

  it.each([
    ['an unknown channel', { channel: 'fax', customerId: 'c-1', text: 'hi' }, 'body.channel'],
    ['a missing customer', { channel: 'web', text: 'hi' }, 'body.customerId: is required'],
    ['blank text', { channel: 'web', customerId: 'c-1', text: '   ' }, 'body.text: text must not be empty'],
    ['text of the wrong type', { channel: 'web', customerId: 'c-1', text: 42 }, 'body.text: must be a string'],
    ['an extra operator field', { channel: 'web', customerId: 'c-1', text: 'hi', $where: '1' }, 'unknown field(s): $where'],
    ['overlong text', { channel: 'web', customerId: 'c-1', text: 'x'.repeat(4001) }, 'at most 4000 characters'],
  ])('rejects %s with a 400 naming the field', async (_label, body, expected) => {
    const res = await http(base, 'POST', '/api/conversations/api-bad/messages', { token: ops, body });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain(expected);
    expect(await system.db.models.Message.countDocuments({ conversationId: 'api-bad' })).toBe(0);
  });

  it('rejects a bad conversation id, malformed JSON and an oversized body', async () => {
    const badId = await http(base, 'POST', '/api/conversations/%24bad%20id/messages', { token: ops, body: { channel: 'web', customerId: 'c-1', text: 'hi' } });
    expect(badId.status).toBe(400);
    expect(badId.json.error?.message).toContain('path.id');
    const badJson = await http(base, 'POST', '/api/conversations/api-bad/messages', { token: ops, rawBody: '{"channel": "web",' });
    expect(badJson.status).toBe(400);
    expect(badJson.json.error?.code).toBe('invalid_json');
    const huge = await http(base, 'POST', '/api/conversations/api-bad/messages', { token: ops, rawBody: JSON.stringify({ channel: 'web', customerId: 'c-1', text: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
  });

  it('keeps transcripts behind a staff token with the right role', async () => {
    const anonymous = await http(base, 'GET', '/api/conversations/api-zh-1');
    expect(anonymous.status).toBe(401);
    const marketer = await http(base, 'GET', '/api/conversations/api-zh-1', { token: await login(base, 'marketer') });
    expect(marketer.status).toBe(403);
    const forged = await http(base, 'GET', '/api/conversations/api-zh-1', { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.c2lnbmF0dXJl' });
    expect(forged.status).toBe(401);
  });

  it('answers 404 for a conversation that never existed', async () => {
    const res = await http(base, 'GET', '/api/conversations/never-was', { token: await login(base, 'agent') });
    expect(res.status).toBe(404);
  });
});
