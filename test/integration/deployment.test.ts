import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../activities/audit';
import { connectDatabase } from '../../activities/db/models';
import { startApi } from '../../api/server';
import { bootstrapFirstAdmin, createStaffUser } from '../../api/services/admin-users';
import { http, isolatedMongoUri, login, silentLog, startTestSystem, type TestSystem } from '../helpers/stack';

/** A production-like installation: no demo seed, the first admin from the environment. */
const FIRST_ADMIN = { email: 'first.admin@example.com', password: 'first-admin-password-1' };
const root = path.resolve(import.meta.dirname, '..', '..');

let system: TestSystem;
let admin: string;

beforeAll(async () => {
  system = await startTestSystem('deploy', { LOOPDESK_SEED_DEMO: 'false', LOOPDESK_ADMIN_EMAIL: FIRST_ADMIN.email, LOOPDESK_ADMIN_PASSWORD: FIRST_ADMIN.password });
  admin = await login(system.api.url, FIRST_ADMIN.email, FIRST_ADMIN.password);
});

afterAll(async () => {
  await system?.stop();
});

const api = (method: string, path: string, token: string, body?: unknown) => http(system.api.url, method, path, { token, ...(body === undefined ? {} : { body }) });

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `npm run -s admin -- …` as an operator would, against the test system's database. */
function adminCli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/admin.ts', ...args], { cwd: root, env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: system.endpoints.mongoUri } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('the first admin without the demo seed', () => {
  it('is created from LOOPDESK_ADMIN_EMAIL/PASSWORD, audited, and the demo users do not exist', async () => {
    expect(await system.db.models.User.find({}, { _id: 0, username: 1, roles: 1 }).lean()).toEqual([{ username: FIRST_ADMIN.email, roles: ['admin'] }]);
    expect((await http(system.api.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'loopdesk-demo' } })).status).toBe(401);
    const audit = await api('GET', `/api/audit?action=user.bootstrap_admin`, admin);
    expect(audit.json.entries).toMatchObject([{ actor: { kind: 'system', id: 'bootstrap' }, target: { type: 'user', id: FIRST_ADMIN.email } }]);
  });

  it('is created once when API replicas start at the same time on an empty database, and not again on restart', async () => {
    const db = await connectDatabase(isolatedMongoUri('bootstrap-race'));
    try {
      const deps = { models: db.models, audit: createAuditLog(db.models) };
      // Those that read "no admin yet" all insert; the unique username lets one through.
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => bootstrapFirstAdmin(deps, FIRST_ADMIN)));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'created')).toEqual(['admin_exists', 'admin_exists', 'admin_exists']);
      expect(await bootstrapFirstAdmin(deps, { email: 'someone.else@example.com', password: 'another-password-1' })).toBe('admin_exists');
      expect(await db.models.User.countDocuments({})).toBe(1);
      expect(await db.models.AuditEntry.countDocuments({ action: 'user.bootstrap_admin' })).toBe(1);
      // The insert itself, raced with no read in front: one user, one audit entry.
      const racers = await Promise.all([1, 2, 3, 4].map(() => createStaffUser(deps, { username: 'raced.user', displayName: 'Raced', password: 'a-long-password-9', roles: ['ops'] }, { kind: 'system', id: 'test' })));
      expect(racers.sort()).toEqual(['created', 'exists', 'exists', 'exists']);
      expect(await db.models.AuditEntry.countDocuments({ action: 'user.create', 'target.id': 'raced.user' })).toBe(1);
      // A name already held by someone who is not an admin is left alone.
      await db.models.User.updateOne({ username: FIRST_ADMIN.email }, { $set: { roles: ['ops'] } });
      expect(await bootstrapFirstAdmin(deps, FIRST_ADMIN)).toBe('username_taken');
      expect(await db.models.User.findOne({ username: FIRST_ADMIN.email }, { _id: 0, roles: 1 }).lean()).toEqual({ roles: ['ops'] });
    } finally {
      await db.connection.dropDatabase();
      await db.close();
    }
    // A second API process on the same database (a restart, or a replica) leaves the admin as it is.
    const replica = await startApi(system.config, system.endpoints, { log: silentLog });
    await replica.stop();
    expect(await system.db.models.User.countDocuments({ roles: 'admin' })).toBe(1);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'user.bootstrap_admin' })).toBe(1);
  });
});

describe('agents set up by an admin', () => {
  it('refuses bad input with messages that say what to fix', async () => {
    expect((await api('POST', '/api/admin/users', admin, { username: 'mei.marketing', displayName: 'Mei', password: 'a-long-password-2', roles: ['marketer'] })).status).toBe(201);
    const notAgent = await api('POST', '/api/agents', admin, { agentId: 'mei.marketing', skills: ['general'], capacity: 2 });
    expect(notAgent.status).toBe(409);
    expect(notAgent.json.error?.message).toMatch(/give them the agent or supervisor role/);
    const unknown = await api('POST', '/api/agents', admin, { agentId: 'nobody.here', skills: ['general'], capacity: 2 });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.message).toMatch(/create the user first/);
    const bad = await api('POST', '/api/agents', admin, { agentId: 'mei.marketing', skills: ['sales'], capacity: 21 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error)).toMatch(/one of general, returns, complaints, finance/);
    expect(JSON.stringify(bad.json.error)).toMatch(/at most 20/);
    const empty = await api('PATCH', '/api/agents/nobody.here', admin, {});
    expect(empty.status).toBe(400);
    expect((await api('PATCH', '/api/agents/nobody.here', admin, { capacity: 2 })).status).toBe(404);
  });

  it('creates an agent through the API who goes online and, once given the skill, is assigned the waiting hand-off', async () => {
    expect((await api('POST', '/api/admin/users', admin, { username: 'wang.agent', displayName: '王客服', password: 'a-long-password-3', roles: ['agent'] })).status).toBe(201);
    const created = await api('POST', '/api/agents', admin, { agentId: 'wang.agent', skills: ['finance'], capacity: 2, team: 'north' });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ agentId: 'wang.agent', displayName: '王客服', skills: ['finance'], capacity: 2, team: 'north', status: 'offline' });
    expect((await api('POST', '/api/agents', admin, { agentId: 'wang.agent', skills: ['general'], capacity: 1 })).status).toBe(409);

    const wang = await login(system.api.url, 'wang.agent', 'a-long-password-3');
    expect((await api('PUT', '/api/agents/me/status', wang, { status: 'online' })).status).toBe(200);
    const handed = await api('POST', '/api/conversations/deploy-1/messages', admin, { channel: 'web', customerId: 'c-deploy-1', text: '转人工' });
    expect(handed.json.handedOff).toBe(true);
    const queued = await eventually(async () => (await system.db.models.Escalation.findOne({ conversationId: 'deploy-1', status: 'queued' }).lean()) ?? undefined, 'the hand-off in its queue');
    // The only agent online lacks the queue's skill, so the work waits until the supervisor adds it.
    expect(queued.queue).not.toBe('finance');

    const updated = await api('PATCH', '/api/agents/wang.agent', admin, { skills: ['finance', queued.queue], capacity: 3 });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toMatchObject({ skills: ['finance', queued.queue], capacity: 3, status: 'online' });
    const assigned = await eventually(async () => {
      const view = (await api('GET', `/api/escalations/${queued.escalationId}`, admin)).json as { agentId?: string; status: string };
      return view.agentId === 'wang.agent' ? view : undefined;
    }, 'the assignment to the new agent');
    expect(assigned.status).toBe('assigned');
    const listed = await api('GET', '/api/agents', admin);
    expect((listed.json.agents as Array<{ agentId: string; load: number; team: string }>).find((a) => a.agentId === 'wang.agent')).toMatchObject({ team: 'north', load: 1 });

    const audit = await api('GET', '/api/audit?target=wang.agent', admin);
    const entries = audit.json.entries as Array<{ action: string; actor: { id: string }; details: Record<string, unknown> }>;
    expect(entries.map((e) => e.action).sort()).toEqual(['agent.create', 'agent.update', 'user.create']);
    expect(entries.find((e) => e.action === 'agent.update')).toMatchObject({ actor: { id: FIRST_ADMIN.email }, details: { from: { skills: ['finance'], capacity: 2 }, to: { skills: ['finance', queued.queue], capacity: 3 } } });
  });
});

describe('npm run admin -- create-user', () => {
  it('creates a user with an agent profile from the command line, reading the password from stdin, once', async () => {
    const args = ['create-user', '--email', 'Zhou.Ops@Example.com', '--role', 'agent', '--skills', 'general,returns', '--capacity', '2', '--password-stdin'];
    const created = await adminCli(args, 'cli-password-123\n');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created agent user "zhou.ops@example.com" with an agent profile/);
    const token = await login(system.api.url, 'zhou.ops@example.com', 'cli-password-123');
    expect((await api('PUT', '/api/agents/me/status', token, { status: 'online' })).status).toBe(200);

    const again = await adminCli(args, 'cli-password-123\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; nothing changed/);
    const weak = await adminCli(['create-user', '--username', 'short.pw', '--role', 'ops', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/password: at least 12 characters/);
    expect(await system.db.models.User.countDocuments({ username: 'short.pw' })).toBe(0);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'user.create', 'target.id': 'zhou.ops@example.com', 'actor.kind': 'system' })).toBe(1);
  });
});
