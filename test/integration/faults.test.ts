import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../../activities/db/models';
import { startApi, type RunningApi } from '../../api/server';
import type { BotReply } from '../../domain/conversation';
import { freePort, startProcess, waitFor, type ManagedProcess } from '../../scripts/dev/processes';
import { projectRoot, provisionMongo, type MongoTool } from '../../scripts/dev/provision';
import { startWorker, type RunningWorker } from '../../workers/run';
import { http, isolatedMongoUri, login, silentLog, startTestSystem, testConfig, workflowBundle, type TestSystem } from '../helpers/stack';
import { killWorkerProcesses, startWorkerProcess, workerEnvironment, writeWorkflowBundle, type WorkerProcess } from '../helpers/worker-process';

/**
 * Faults a customer would otherwise notice: a worker that dies in the middle of a turn, a database
 * that goes away for a while, a client that sends the same message several times at once. Each
 * time every request must get its reply, and the transcript must hold every message and every
 * reply exactly once, numbered without gaps.
 */

const scratchDir = path.join(projectRoot, '.data', `faults-${process.pid}`);
const CATCH_TIMEOUT_MS = 30_000;

type Response = Awaited<ReturnType<typeof http>>;
interface TranscriptEntry {
  seq: number;
  role: string;
  text: string;
}

/** A customer message; a network failure comes back as status 0 so that a request left in the background can never reject unobserved. */
function say(base: string, token: string, conversationId: string, messageId: string, text: string): Promise<Response> {
  return http(base, 'POST', `/api/conversations/${conversationId}/messages`, {
    token,
    body: { channel: 'web', customerId: 'c-1007', text, messageId },
  }).catch((error: unknown) => ({ status: 0, json: {}, text: String(error) }));
}

async function transcriptOf(base: string, token: string, conversationId: string): Promise<TranscriptEntry[]> {
  const view = await http(base, 'GET', `/api/conversations/${conversationId}`, { token });
  expect(view.status, view.text).toBe(200);
  return view.json.transcript as TranscriptEntry[];
}

/**
 * Each message is in the transcript once, each reply the customer got is in it once, right after
 * its message at the place its turn number says, and seq runs 1…n with no gap or repeat.
 */
function expectEachTurnOnce(transcript: TranscriptEntry[], turns: Array<{ text: string; response: Response }>): void {
  for (const { response } of turns) expect(response.status, response.text).toBe(200);
  const replies = turns.map(({ text, response }) => ({ text, reply: response.json as unknown as BotReply }));
  expect(replies.map((r) => r.reply.turn).sort((a, b) => a - b)).toEqual(replies.map((_, i) => i + 1));
  expect(transcript.map((t) => t.seq)).toEqual(transcript.map((_, i) => i + 1));
  expect(transcript).toHaveLength(2 * turns.length);
  for (const { text, reply } of replies) {
    expect(transcript[2 * reply.turn - 2]).toMatchObject({ role: 'customer', text });
    expect(transcript[2 * reply.turn - 1]).toMatchObject({ role: 'bot', text: reply.reply });
  }
}

function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} (waited ${ms / 1000}s)`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// A TCP proxy between a worker and the database, which lets the test pick the moment a fault
// happens with no hook in production code. It can stop one insert in its tracks, to catch a worker
// inside a turn and kill it there: the worker's recordTurn insert either never reaches the database
// ('before-write'), or the database writes it and its answer never reaches the worker
// ('after-write'). And it can make every insert fail at once for a while, as a failover does.

type InsertStop = 'before-write' | 'after-write';

const OP_MSG = 2013;
const BSON_STRING = 0x02;

/** Splits a byte stream into MongoDB wire-protocol messages (each starts with its int32 length). */
function wireMessages(): (chunk: Buffer) => Buffer[] {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    const messages: Buffer[] = [];
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      messages.push(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
    return messages;
  };
}

/** True for an OP_MSG whose command is `{ insert: <collection>, … }`. */
function insertsInto(message: Buffer, collection: string): boolean {
  if (message.length < 32 || message.readInt32LE(12) !== OP_MSG || message[20] !== 0) return false;
  // OP_MSG: 16-byte header, int32 flags, section kind 0, then the command document, whose first
  // element names the command.
  if (message[25] !== BSON_STRING) return false;
  const keyEnd = message.indexOf(0, 26);
  if (keyEnd < 0 || message.toString('utf8', 26, keyEnd) !== 'insert') return false;
  const valueLength = message.readInt32LE(keyEnd + 1);
  return message.toString('utf8', keyEnd + 5, keyEnd + 4 + valueLength) === collection;
}

interface DatabaseTap {
  /** The database's URI, through the tap. */
  uri: string;
  /** Resolves when the next insert into `collection` has been stopped; that connection stays frozen. */
  stopNextInsert(collection: string, when: InsertStop): Promise<void>;
  /** Until the returned function is called, every insert into `collection` fails at once: its connection is reset, as in a failover. */
  refuseInserts(collection: string): () => void;
  close(): Promise<void>;
}

async function startDatabaseTap(targetUri: string): Promise<DatabaseTap> {
  const target = new URL(targetUri);
  let armed: { collection: string; when: InsertStop; stopped: () => void } | undefined;
  let refused: string | undefined;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((worker) => {
    const database = net.connect(Number(target.port || 27017), target.hostname);
    let frozen = false;
    let heldReply: { requestId: number; stopped: () => void } | undefined;
    const fromWorker = wireMessages();
    const fromDatabase = wireMessages();
    worker.on('data', (chunk) => {
      for (const message of fromWorker(chunk)) {
        if (frozen) return;
        if (refused !== undefined && insertsInto(message, refused)) {
          worker.destroy();
          return;
        }
        const trap = armed;
        if (trap && insertsInto(message, trap.collection)) {
          armed = undefined;
          if (trap.when === 'before-write') {
            frozen = true;
            trap.stopped();
            return;
          }
          heldReply = { requestId: message.readInt32LE(4), stopped: trap.stopped };
        }
        database.write(message);
      }
    });
    database.on('data', (chunk) => {
      for (const message of fromDatabase(chunk)) {
        if (frozen) return;
        if (heldReply && message.readInt32LE(8) === heldReply.requestId) {
          frozen = true;
          heldReply.stopped();
          return;
        }
        worker.write(message);
      }
    });
    for (const socket of [worker, database]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        worker.destroy();
        database.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const uri = new URL(targetUri);
  uri.host = `127.0.0.1:${port}`;
  // Talk to the one server behind the tap; never go looking for other members of a replica set.
  uri.searchParams.set('directConnection', 'true');

  return {
    uri: uri.toString(),
    stopNextInsert(collection, when) {
      return new Promise((resolve) => {
        armed = { collection, when, stopped: resolve };
      });
    },
    refuseInserts(collection) {
      refused = collection;
      return () => {
        refused = undefined;
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------------------------------------------------------------------------------------------

describe('a worker killed (SIGKILL) in the middle of a turn', () => {
  const config = testConfig();
  let endpoints: { temporalAddress: string; mongoUri: string };
  let api: RunningApi;
  let db: Database;
  let tap: DatabaseTap;
  let bundlePath: string;
  let worker: WorkerProcess;
  let ops: string;

  const startChildWorker = () => startWorkerProcess(workerEnvironment(config, { temporalAddress: endpoints.temporalAddress, mongoUri: tap.uri }), { bundlePath });

  /** Kills the worker as soon as the tap has caught it recording a turn. */
  async function killDuringRecordTurn(when: InsertStop, send: () => void): Promise<void> {
    const stopped = tap.stopNextInsert('messages', when);
    send();
    await within(stopped, CATCH_TIMEOUT_MS, () => `the worker never recorded the turn; its output:\n${worker.output()}`);
    await worker.kill();
  }

  beforeAll(async () => {
    endpoints = { temporalAddress: inject('temporalAddress'), mongoUri: isolatedMongoUri('faults-kill') };
    api = await startApi(config, endpoints, { log: silentLog });
    db = await connectDatabase(endpoints.mongoUri);
    tap = await startDatabaseTap(endpoints.mongoUri);
    bundlePath = await writeWorkflowBundle(path.join(scratchDir, 'bundle'));
    worker = await startChildWorker();
    ops = await login(api.url, 'ops');
  });

  afterAll(async () => {
    await killWorkerProcesses();
    await api?.stop();
    await tap?.close();
    await db?.connection.dropDatabase();
    await db?.close();
  });

  it('after it wrote the turn but before Temporal heard: every message of a burst is answered, each recorded once', async () => {
    const conversationId = 'kill-after-write';
    const first = { text: '几天内可以无理由退货?', response: await say(api.url, ops, conversationId, 'kaw-1', '几天内可以无理由退货?') };
    expect(first.response.status, first.response.text).toBe(200);

    const burst = [
      { messageId: 'kaw-2', text: '退款到信用卡要多久?' },
      { messageId: 'kaw-3', text: 'How long does delivery to Tibet take?' },
      { messageId: 'kaw-4', text: '发票怎么开?' },
    ];
    let inFlight: Promise<Response[]> = Promise.resolve([]);
    await killDuringRecordTurn('after-write', () => {
      inFlight = Promise.all(burst.map((m) => say(api.url, ops, conversationId, m.messageId, m.text)));
    });
    // The worker died holding one turn it had written to MongoDB but never reported to Temporal.
    expect(await db.models.Message.countDocuments({ conversationId })).toBe(4);

    worker = await startChildWorker();
    const responses = await inFlight;
    const transcript = await transcriptOf(api.url, ops, conversationId);
    expectEachTurnOnce(transcript, [first, ...burst.map((m, i) => ({ text: m.text, response: responses[i]! }))]);
    expect(responses.map((r) => r.json.messageId)).toEqual(burst.map((m) => m.messageId));
  });

  it('before it wrote the turn: the message is answered once the next worker starts, and recorded once', async () => {
    const conversationId = 'kill-before-write';
    const first = { text: 'How long does delivery to Tibet take?', response: await say(api.url, ops, conversationId, 'kbw-1', 'How long does delivery to Tibet take?') };
    expect(first.response.status, first.response.text).toBe(200);

    let inFlight: Promise<Response> = Promise.resolve({ status: 0, json: {}, text: 'never sent' });
    await killDuringRecordTurn('before-write', () => {
      inFlight = say(api.url, ops, conversationId, 'kbw-2', '退款到信用卡要多久?');
    });
    expect(await db.models.Message.countDocuments({ conversationId })).toBe(2);

    worker = await startChildWorker();
    const second = { text: '退款到信用卡要多久?', response: await inFlight };
    expect(second.response.json).toMatchObject({ messageId: 'kbw-2', turn: 2 });
    expectEachTurnOnce(await transcriptOf(api.url, ops, conversationId), [first, second]);
  });
});

// ---------------------------------------------------------------------------------------------

/** Starts the database the way scripts/dev/stack.ts does, on a given port and data folder, so it can be stopped and started again. */
function launchDatabase(tool: MongoTool, port: number, dataDir: string): ManagedProcess {
  const logDir = path.join(dataDir, 'logs');
  const dataPath = path.join(dataDir, tool.kind);
  mkdirSync(dataPath, { recursive: true });
  switch (tool.kind) {
    case 'mongod':
      return startProcess('mongod', tool.path, ['--dbpath', dataPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], { logDir });
    case 'ferretdb':
      return startProcess('ferretdb', tool.path, ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataPath], { logDir });
    case 'mongo-java-server':
      return startProcess('mongo-java-server', 'java', ['-jar', tool.path, '--port', String(port), '--data-file', path.join(dataPath, 'loopdesk.mv')], { logDir });
  }
}

async function databaseAnswers(uri: string): Promise<boolean> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 1_000 });
  try {
    await connection.asPromise();
    await connection.db?.admin().ping();
    return true;
  } finally {
    await connection.close();
  }
}

describe('the database unavailable for a while', () => {
  const config = testConfig();
  const dataDir = path.join(scratchDir, 'database');
  let tool: MongoTool;
  let port: number;
  let mongoUri: string;
  let database: ManagedProcess | undefined;
  let tap: DatabaseTap;
  let api: RunningApi;
  let worker: RunningWorker;
  let ops: string;

  async function startDatabase(): Promise<void> {
    const started = launchDatabase(tool, port, dataDir);
    database = started;
    await waitFor(`${tool.kind} on port ${port}`, () => databaseAnswers(mongoUri), { timeoutMs: 60_000, process: started });
  }

  beforeAll(async () => {
    tool = await provisionMongo({ cacheDir: process.env.LOOPDESK_CACHE_DIR });
    port = await freePort();
    mongoUri = `mongodb://127.0.0.1:${port}/faults-outage`;
    await startDatabase();
    tap = await startDatabaseTap(mongoUri);
    const temporalAddress = inject('temporalAddress');
    api = await startApi(config, { temporalAddress, mongoUri }, { log: silentLog });
    worker = await startWorker(config, { temporalAddress, mongoUri: tap.uri }, { log: silentLog, workflowBundle: await workflowBundle() });
    ops = await login(api.url, 'ops');
  });

  afterAll(async () => {
    // A worker stops only once its turns are done, and they wait for the database.
    if (tool && !database) await startDatabase();
    await worker?.stop();
    await api?.stop();
    await tap?.close();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the customer waiting instead of failing, then answers and records the turn once when it is back', async () => {
    const conversationId = 'db-outage';
    const first = { text: '几天内可以无理由退货?', response: await say(api.url, ops, conversationId, 'out-1', '几天内可以无理由退货?') };
    expect(first.response.status, first.response.text).toBe(200);
    expect((await http(api.url, 'GET', '/health')).status).toBe(200);

    await database!.stop();
    database = undefined;
    const health = await http(api.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'degraded', temporal: { status: 'up' }, mongodb: { status: 'down' } });

    let answered = false;
    const pending = say(api.url, ops, conversationId, 'out-2', '退款到信用卡要多久?').finally(() => {
      answered = true;
    });
    // The turn cannot be recorded, so there is no reply yet; but the customer gets no error either.
    await sleep(5_000);
    expect(answered).toBe(false);

    await startDatabase();
    const second = { text: '退款到信用卡要多久?', response: await pending };
    expect(second.response.json).toMatchObject({ messageId: 'out-2', turn: 2 });

    await waitFor('GET /health to answer 200', async () => (await http(api.url, 'GET', '/health')).status === 200, { timeoutMs: 30_000 });
    expect((await http(api.url, 'GET', '/health')).json).toMatchObject({ status: 'ok', mongodb: { status: 'up' } });
    expectEachTurnOnce(await transcriptOf(api.url, ops, conversationId), [first, second]);
  });

  it('loses no turn when its transcript write fails for longer than the turn retries it', async () => {
    const conversationId = 'writes-refused';
    const texts = ['几天内可以无理由退货?', '退款到信用卡要多久?', 'How long does delivery to Tibet take?'] as const;
    const first = { text: texts[0], response: await say(api.url, ops, conversationId, 'ref-1', texts[0]) };
    expect(first.response.status, first.response.text).toBe(200);

    const heal = tap.refuseInserts('messages');
    const pending = say(api.url, ops, conversationId, 'ref-2', texts[1]);
    // Refuse the writes for longer than the turn's retries last (ten attempts backing off to 5 s,
    // under 30 s in all when each fails at once), or until the customer has been given an answer.
    await Promise.race([pending, sleep(45_000)]);
    heal();
    const original = await pending;
    // The customer either waited and got the reply, or got an error and sent the message again.
    const second = { text: texts[1], response: original.status === 200 ? original : await say(api.url, ops, conversationId, 'ref-2', texts[1]) };
    const third = { text: texts[2], response: await say(api.url, ops, conversationId, 'ref-3', texts[2]) };

    const transcript = await transcriptOf(api.url, ops, conversationId);
    expect.soft(second.response.status, `answered ${original.status} ${original.text}; sent again: ${second.response.status} ${second.response.text}`).toBe(200);
    expect.soft(transcript.filter((t) => t.role === 'customer').map((t) => t.text), 'each message in the transcript once').toEqual([...texts]);
    expect.soft(transcript.map((t) => t.seq), 'seq numbers without a gap').toEqual(transcript.map((_, i) => i + 1));
    expectEachTurnOnce(transcript, [first, second, third]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the same message delivered several times at once', () => {
  let system: TestSystem;
  let ops: string;

  beforeAll(async () => {
    system = await startTestSystem('faults-dup');
    ops = await system.token('ops');
  });

  afterAll(async () => {
    await system?.stop();
  });

  const sendFiveTimes = (conversationId: string, messageId: string, text: string) =>
    Promise.all(Array.from({ length: 5 }, () => say(system.api.url, ops, conversationId, messageId, text)));

  it('gives all five copies the same reply and records the message once', async () => {
    const conversationId = 'duplicates';
    // The first message races to start the conversation as well as to deliver the message.
    const opening = await sendFiveTimes(conversationId, 'dup-1', '几天内可以无理由退货?');
    const later = await sendFiveTimes(conversationId, 'dup-2', 'How long does delivery to Tibet take?');

    for (const copies of [opening, later]) {
      for (const copy of copies) expect(copy.status, copy.text).toBe(200);
      expect(new Set(copies.map((c) => c.text)).size).toBe(1);
    }
    expect(opening[0]!.json).toMatchObject({ messageId: 'dup-1', turn: 1 });
    expect(later[0]!.json).toMatchObject({ messageId: 'dup-2', turn: 2 });
    expectEachTurnOnce(await transcriptOf(system.api.url, ops, conversationId), [
      { text: '几天内可以无理由退货?', response: opening[0]! },
      { text: 'How long does delivery to Tibet take?', response: later[0]! },
    ]);
  });
});

afterAll(() => {
  rmSync(scratchDir, { recursive: true, force: true });
});
