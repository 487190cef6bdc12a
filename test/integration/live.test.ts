import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express from 'express';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveFeed, createLiveHub, liveStreams, type LiveEvent, type LiveFeed } from '../../activities/live';
import { createApiKeyService, createTokenService } from '../../api/auth';
import { errorHandler } from '../../api/errors';
import { createRouteTable } from '../../api/route';
import { liveRoutes } from '../../api/routes/live';
import { http, silentLog, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let base: string;
let feed: LiveFeed;

beforeAll(async () => {
  system = await startTestSystem('live');
  base = system.api.url;
  feed = createLiveFeed(system.db.models);
});

afterAll(async () => {
  await system?.stop();
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
  receivedAt: number;
}

/** Parses one SSE block (the lines between blank lines) the way EventSource does. */
function parseSseBlock(block: string): SseMessage {
  const message: SseMessage = { comments: [], receivedAt: Date.now() };
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line.startsWith(':')) {
      message.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
    else if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
  }
  return message;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An SSE client on fetch, reading the body as it arrives; `events` are the messages that carry data. */
async function connect(path: string, opts: { token?: string; lastEventId?: string; accept?: string; at?: string } = {}) {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: opts.accept ?? 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  const response = await fetch(`${opts.at ?? base}${path}`, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  let ended = false;

  async function pump(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          messages.push(parseSseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
    }
  }
  if (response.ok && response.body) void pump(response.body);

  const client = {
    status: response.status,
    headers: response.headers,
    messages,
    get ended() {
      return ended;
    },
    events: () => messages.filter((m) => m.data !== undefined),
    /** The id EventSource would send as Last-Event-ID after these messages. */
    lastEventId: () => messages.filter((m) => m.id !== undefined).at(-1)?.id,
    json: async () => (await response.json()) as { error?: { code: string } },
    waitForLive: () => until(() => messages.some((m) => m.comments.includes('live')), 'the stream to go live'),
    waitForEvents: (count: number, timeoutMs?: number) => until(() => client.events().length >= count, `${count} events`, timeoutMs),
    close: () => controller.abort(),
  };
  return client;
}

const conversationPath = (id: string) => `/api/conversations/${id}/events`;
const event = (type: string, data: Record<string, unknown> = {}) => ({ type, data });
const payloads = (messages: SseMessage[]) => messages.map((m) => JSON.parse(m.data ?? 'null') as { seq: number; type: string; at: string; data: Record<string, unknown> });

describe('publishing', () => {
  it('gives 50 concurrent publishes 50 distinct seqs, without holes', async () => {
    const stream = liveStreams.conversation(`burst-${randomUUID()}`);
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => feed.publish([stream], event('message.created', { i }), `burst-${randomUUID()}-${i}`)));
    expect(new Set(seqs).size).toBe(50);
    const sorted = [...seqs].sort((a, b) => a - b);
    expect((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)).toBe(49);
    const stored = await feed.read([stream], 0, 100);
    expect(stored.map((e) => e.seq)).toEqual(sorted);
    expect(stored.map((e) => e.data.i)).toEqual(sorted.map((seq) => seqs.indexOf(seq)));
  });

  it('keeps seqs distinct and without holes when several processes publish at once', async () => {
    const stream = liveStreams.conversation(`processes-${randomUUID()}`);
    const processes = Array.from({ length: 5 }, () => createLiveFeed(system.db.models));
    const seqs = await Promise.all(processes.flatMap((process) => Array.from({ length: 10 }, () => process.publish([stream], event('message.created'), randomUUID()))));
    const sorted = [...new Set(seqs)].sort((a, b) => a - b);
    expect(sorted).toHaveLength(50);
    expect((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)).toBe(49);
  });

  it('stores one event for an idempotency key published twice, in turn or at once', async () => {
    const stream = liveStreams.conversation(`idem-${randomUUID()}`);
    const first = await feed.publish([stream], event('message.created', { text: 'hi' }), 'idem-key-1');
    expect(await feed.publish([stream], event('message.created', { text: 'hi' }), 'idem-key-1')).toBe(first);
    const racing = await Promise.all(Array.from({ length: 5 }, () => feed.publish([stream], event('message.created'), 'idem-key-2')));
    expect(new Set(racing).size).toBe(1);
    expect(await system.db.models.LiveEvent.countDocuments({ idempotencyKey: mongoose.trusted({ $in: ['idem-key-1', 'idem-key-2'] }) })).toBe(2);
    expect((await feed.read([stream], 0, 10)).map((e) => e.seq)).toEqual([first, racing[0]]);
  });

  it('refuses an event it could not stream, without retrying', async () => {
    await expect(feed.publish([], event('message.created'), 'no-streams')).rejects.toMatchObject({ type: 'InvalidLiveEvent', nonRetryable: true });
    await expect(feed.publish(['supervisors'], event('bad\ntype'), 'bad-type')).rejects.toMatchObject({ type: 'InvalidLiveEvent' });
  });
});

describe('GET /api/conversations/:id/events', () => {
  it('streams events to a connected client as they are published, in order', async () => {
    const conversationId = `live-${randomUUID()}`;
    const client = await connect(conversationPath(conversationId), { token: await system.token('agent') });
    try {
      expect(client.status).toBe(200);
      expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(client.headers.get('cache-control')).toBe('no-cache');
      expect(client.headers.get('x-accel-buffering')).toBe('no');
      await client.waitForLive();

      const published: Array<{ seq: number; at: number }> = [];
      for (let i = 0; i < 10; i++) {
        published.push({ seq: await feed.publish([liveStreams.conversation(conversationId)], event('message.created', { text: `m${i}` }), randomUUID()), at: Date.now() });
        await feed.publish([liveStreams.conversation('someone-else')], event('message.created', { text: 'not yours' }), randomUUID());
        await sleep(30);
      }
      await client.waitForEvents(10);
      await sleep(400);
      const events = client.events();
      expect(events.map((m) => Number(m.id))).toEqual(published.map((p) => p.seq));
      expect(events.every((m) => m.event === 'message.created')).toBe(true);
      expect(payloads(events).map((p) => p.data.text)).toEqual(published.map((_, i) => `m${i}`));
      expect(payloads(events)[0]).toMatchObject({ seq: published[0]?.seq, type: 'message.created', at: expect.any(String) as unknown });
      const latencies = events.map((m, i) => m.receivedAt - (published[i]?.at ?? 0)).sort((a, b) => a - b);
      expect(latencies.at(-1)).toBeLessThan(1_500);
    } finally {
      client.close();
    }
  });

  it('after a reconnect with Last-Event-ID sends exactly the events missed, then carries on live', async () => {
    const conversationId = `resume-${randomUUID()}`;
    const stream = liveStreams.conversation(conversationId);
    const token = await system.token('ops');
    const first = await connect(conversationPath(conversationId), { token });
    await first.waitForLive();
    const before = [await feed.publish([stream], event('message.created', { n: 1 }), randomUUID()), await feed.publish([stream], event('message.created', { n: 2 }), randomUUID())];
    await first.waitForEvents(2);
    first.close();
    await until(() => first.ended, 'the first connection to end');

    const missed = [];
    for (let n = 3; n <= 5; n++) missed.push(await feed.publish([stream, liveStreams.supervisors], event('message.created', { n }), randomUUID()));
    const second = await connect(conversationPath(conversationId), { token, lastEventId: first.lastEventId() });
    try {
      await second.waitForEvents(3);
      await second.waitForLive();
      const after = await feed.publish([stream], event('conversation.closed', { n: 6 }), randomUUID());
      await second.waitForEvents(4);
      await sleep(700);
      expect(first.events().map((m) => Number(m.id))).toEqual(before);
      expect(second.events().map((m) => Number(m.id))).toEqual([...missed, after]);
      expect(second.events().at(-1)?.event).toBe('conversation.closed');
    } finally {
      second.close();
    }
  });

  it('replays from ?after= for a customer holding the conversation token in ?access_token= (as EventSource must)', async () => {
    const session = await http(base, 'POST', '/api/widget/sessions', { body: {} });
    const { conversationId, token } = session.json as { conversationId: string; token: string };
    const stream = liveStreams.conversation(conversationId);
    const seqs = [await feed.publish([stream], event('message.created', { text: 'hello' }), randomUUID()), await feed.publish([stream], event('message.created', { text: 'again' }), randomUUID())];
    const client = await connect(`${conversationPath(conversationId)}?after=0&access_token=${encodeURIComponent(token)}`);
    try {
      expect(client.status).toBe(200);
      await client.waitForEvents(2);
      expect(client.events().map((m) => Number(m.id))).toEqual(seqs);
    } finally {
      client.close();
    }
  });

  it('refuses a customer token for another conversation (403), no token (401), a bad token (401) and a plain request (406)', async () => {
    const session = await http(base, 'POST', '/api/widget/sessions', { body: {} });
    const { token } = session.json as { token: string };
    const other = await connect(conversationPath('someone-else'), { token });
    expect(other.status).toBe(403);
    const otherByQuery = await connect(`${conversationPath('someone-else')}?access_token=${encodeURIComponent(token)}`);
    expect(otherByQuery.status).toBe(403);
    const anonymous = await connect(conversationPath('someone-else'));
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error?.code).toBe('unauthenticated');
    expect((await connect(`${conversationPath('someone-else')}?access_token=not-a-token`)).status).toBe(401);
    expect((await connect(`${conversationPath('someone-else')}?access_token=ldk_0000000000000000_${'x'.repeat(43)}`)).status).toBe(401);
    expect((await connect('/api/agents/me/events', { token })).status).toBe(403);
    expect((await connect(conversationPath('someone-else'), { token: await system.token('marketer') })).status).toBe(403);
    const plain = await connect(conversationPath('someone-else'), { token: await system.token('ops'), accept: 'application/json' });
    expect(plain.status).toBe(406);
    expect((await connect(conversationPath('someone-else'), { token: await system.token('ops'), lastEventId: 'yesterday' })).status).toBe(400);
  });
});

describe('documentation', () => {
  it('documents both streams, the cursor and the EventSource token parameter in the OpenAPI document', async () => {
    const paths = (await http(base, 'GET', '/openapi.json')).json.paths as Record<string, { get?: { parameters?: Array<{ name: string; in: string }> } }>;
    for (const path of ['/api/conversations/{id}/events', '/api/agents/me/events']) {
      const names = (paths[path]?.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(names, path).toEqual(expect.arrayContaining(['after', 'access_token']));
    }
  });
});

describe('GET /api/agents/me/events', () => {
  it("streams the caller's own events, and the supervisors' stream to supervisors only", async () => {
    const agent = await connect('/api/agents/me/events', { token: await system.token('agent') });
    const supervisor = await connect(`/api/agents/me/events?access_token=${encodeURIComponent(await system.token('supervisor'))}`);
    try {
      await Promise.all([agent.waitForLive(), supervisor.waitForLive()]);
      const toAgent = await feed.publish([liveStreams.agent('agent'), liveStreams.queue('returns')], event('escalation.assigned', { escalationId: 'e-1' }), randomUUID());
      const toSupervisors = await feed.publish([liveStreams.supervisors], event('sla.breached', { escalationId: 'e-1' }), randomUUID());
      const toSupervisorUser = await feed.publish([liveStreams.agent('supervisor')], event('escalation.assigned', { escalationId: 'e-2' }), randomUUID());
      await Promise.all([agent.waitForEvents(1), supervisor.waitForEvents(2)]);
      await sleep(700);
      expect(agent.events().map((m) => Number(m.id))).toEqual([toAgent]);
      expect(supervisor.events().map((m) => Number(m.id))).toEqual([toSupervisors, toSupervisorUser]);
      expect(supervisor.events().map((m) => m.event)).toEqual(['sla.breached', 'escalation.assigned']);
    } finally {
      agent.close();
      supervisor.close();
    }
  });
});

describe('the poller', () => {
  /** The live routes on an app of their own, so the test can watch their poller. */
  async function liveApp() {
    const app = express();
    const router = express.Router();
    const table = createRouteTable(router, new OpenAPIRegistry(), {
      tokens: createTokenService({ secret: system.config.auth.jwtSecret, ttlMs: system.config.auth.jwtTtlMs }),
      apiKeys: createApiKeyService(system.db.models),
    });
    const hub = liveRoutes(table, { models: system.db.models, router, log: silentLog });
    app.use(router);
    app.use(errorHandler(silentLog));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      hub,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  it('polls only while someone is connected', async () => {
    const live = await liveApp();
    try {
      expect(live.hub.stats()).toMatchObject({ subscribers: 0, polling: false });
      const token = await system.token('agent');
      const clients = await Promise.all([1, 2].map(() => connect(conversationPath(`poll-${randomUUID()}`), { token, at: live.url })));
      await Promise.all(clients.map((c) => c.waitForLive()));
      expect(live.hub.stats()).toMatchObject({ subscribers: 2, polling: true });
      clients[0]?.close();
      await until(() => live.hub.stats().subscribers === 1, 'the server to notice the disconnect');
      expect(live.hub.stats().polling).toBe(true);
      clients[1]?.close();
      await until(() => live.hub.stats().subscribers === 0, 'the server to notice the last disconnect');
      expect(live.hub.stats().polling).toBe(false);
    } finally {
      await live.stop();
    }
  });

  it('moves past a seq that stays missing (an event deleted before anyone read it) after reading twice', async () => {
    const live = await liveApp();
    const conversationId = `hole-${randomUUID()}`;
    const stream = liveStreams.conversation(conversationId);
    const client = await connect(conversationPath(conversationId), { token: await system.token('ops'), at: live.url });
    try {
      await client.waitForLive();
      const beyondHole = (await feed.latestSeq()) + 2;
      await system.db.models.LiveEvent.create({ seq: beyondHole, streams: [stream], type: 'message.created', data: {}, idempotencyKey: randomUUID(), at: new Date() });
      const next = await feed.publish([stream], event('message.created'), randomUUID());
      await client.waitForEvents(2);
      expect(client.events().map((m) => Number(m.id))).toEqual([beyondHole, next]);
      expect(next).toBe(beyondHole + 1);
    } finally {
      client.close();
      await live.stop();
    }
  });

  it('steps over a gap wider than its window (events deleted before anyone read them) with a range read', async () => {
    // Polls far apart, so the events below can be published and deleted between two polls.
    const hub = createLiveHub(feed, { pollIntervalMs: 2_000, rangeReadIntervalMs: 0 });
    const stream = liveStreams.conversation(`gap-${randomUUID()}`);
    const received: number[] = [];
    let joined = false;
    const subscription = hub.subscribe([stream], undefined, { deliver: (events) => received.push(...events.map((e) => e.seq)), live: () => (joined = true), fail: () => undefined });
    try {
      await until(() => joined, 'the subscriber to go live');
      const unread = await Promise.all(Array.from({ length: 40 }, () => feed.publish([liveStreams.conversation(`gone-${randomUUID()}`)], event('message.created'), randomUUID())));
      await system.db.models.LiveEvent.deleteMany({ _id: mongoose.trusted({ $in: unread }) });
      const next = await feed.publish([stream], event('message.created'), randomUUID());
      expect(next).toBe(Math.max(...unread) + 1);
      await until(() => received.length === 1, 'the event beyond the gap', 10_000);
      expect(received).toEqual([next]);
    } finally {
      subscription.close();
    }
  });

  it('deletes events older than the retention and keeps newer ones', async () => {
    const stream = liveStreams.conversation(`prune-${randomUUID()}`);
    const old = await feed.publish([stream], event('message.created'), randomUUID());
    const recent = await feed.publish([stream], event('message.created'), randomUUID());
    await system.db.models.LiveEvent.updateOne({ _id: old }, { $set: { at: new Date(Date.now() - 48 * 3_600_000) } });
    expect(await feed.prune(new Date(Date.now() - 24 * 3_600_000))).toBeGreaterThanOrEqual(1);
    expect(await system.db.models.LiveEvent.exists({ _id: old })).toBeNull();
    expect(await system.db.models.LiveEvent.exists({ _id: recent })).not.toBeNull();
  });

  it('hands every subscriber of a busy feed every event of its streams once, in order', async () => {
    const hub = createLiveHub(feed, { pollIntervalMs: 50 });
    const streams = [0, 1, 2].map((i) => liveStreams.conversation(`busy-${i}-${randomUUID()}`));
    const received = streams.map(() => [] as number[]);
    let joined = 0;
    const sink = (i: number) => ({ deliver: (events: LiveEvent[]) => received[i]?.push(...events.map((e) => e.seq)), live: () => joined++, fail: () => undefined });
    // One subscriber replays from the start, the others join "from now".
    const subscriptions = streams.map((stream, i) => hub.subscribe([stream], i === 0 ? 0 : undefined, sink(i)));
    try {
      await until(() => joined === 3, 'every subscriber to go live');
      const published = await Promise.all(Array.from({ length: 90 }, (_, n) => feed.publish([streams[n % 3] as string], event('message.created', { n }), randomUUID())));
      await until(() => received.every((r) => r.length === 30), 'every event to reach its subscriber');
      await sleep(200);
      streams.forEach((_, i) => expect(received[i]).toEqual(published.filter((_, n) => n % 3 === i).sort((a, b) => a - b)));
    } finally {
      subscriptions.forEach((s) => s.close());
    }
    expect(hub.stats()).toMatchObject({ subscribers: 0, polling: false });
  });
});
