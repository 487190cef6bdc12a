import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadCodecFor } from '../../activities/security/payload-codec';
import { createApp } from '../../api/app';
import { STAFF_ROLES, type StaffRole } from '../../api/auth';
import type { RegisteredRoute } from '../../api/route';
import { widgetIdentitySignature } from '../../api/routes/conversations';
import { http, silentLog, startTestSystem, type TestSystem } from '../helpers/stack';

let system: TestSystem;
let base: string;

beforeAll(async () => {
  system = await startTestSystem('security');
  base = system.api.url;
});

afterAll(async () => {
  await system?.stop();
});

/** Path parameters that pass validation but name nothing, so no call changes real data. */
const PROBE_PARAMS: Record<string, string> = { id: 'authz-probe', customerId: 'c-authz-nobody', keyId: '0000000000000000', agentId: 'authz-probe', code: 'LDAUTHZPROBE' };

function probePath(route: RegisteredRoute): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => PROBE_PARAMS[name] ?? 'x');
}

const DEMO_USER_FOR_ROLE: Record<StaffRole, 'admin' | 'ops' | 'supervisor' | 'agent' | 'marketer'> = {
  admin: 'admin', ops: 'ops', supervisor: 'supervisor', agent: 'agent', marketer: 'marketer',
};

// First in the file: the role matrix's admitted calls start background work (an RFM rescore and the
// journeys it triggers) that could write about this customer while the erasure is being checked.
describe('data-subject requests', () => {
  it('exports a customer and then erases their personal data, auditing both', async () => {
    const admin = await system.token('admin');
    await http(base, 'POST', '/api/conversations/dsr-1/messages', { token: await system.token('ops'), body: { channel: 'web', customerId: 'c-1011', text: 'my email is daniel.zhou@example.com' } });
    // A case the message opened hands its text to the desk a moment later; erase once that is written.
    // (Erasure cannot reach into a workflow still running: see the Security section of the README.)
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
      const cases = await system.db.models.Case.find({ customerId: 'c-1011' }, { caseId: 1 }).lean();
      const handed = await system.db.models.Escalation.countDocuments({ customerId: 'c-1011' });
      if (handed >= cases.length) break;
    }
    await system.db.models.Delivery.create({ idempotencyKey: 'dsr-1:notice', channel: 'sms', customerId: 'c-1011', to: '13100131011', text: 'Daniel Zhou, your parcel is on its way', purpose: 'service', notBefore: new Date(Date.now() + 3_600_000) });
    await system.db.models.CouponSettlement.create({ code: 'DSR-COUPON-1', outcome: 'redeemed', customerId: 'c-1011', orderId: 'LD-DSR-1', orderAmount: 300, at: new Date() });
    const exported = await http(base, 'GET', '/api/customers/c-1011/export', { token: admin });
    expect(exported.status).toBe(200);
    expect((exported.json.CouponSettlement as Array<{ code: string }>).map((c) => c.code)).toEqual(['DSR-COUPON-1']);
    expect((exported.json.Delivery as Array<{ to: string }>).map((d) => d.to)).toContain('13100131011');
    expect(JSON.stringify(exported.json)).toContain('daniel.zhou@example.com');
    expect((exported.json.orders as unknown[]).length).toBeGreaterThan(0);

    const erased = await http(base, 'DELETE', '/api/customers/c-1011', { token: admin });
    expect(erased.status).toBe(200);
    const after = await http(base, 'GET', '/api/customers/c-1011/export', { token: admin });
    const text = JSON.stringify(after.json);
    expect(text).not.toContain('daniel.zhou@example.com');
    expect(text).not.toContain('13100131011');
    expect(text).not.toContain('Daniel Zhou');
    expect((after.json.orders as Array<{ total: number }>)[0]?.total).toBeGreaterThan(0);
    // The queued notice is never sent now.
    expect((after.json.Delivery as Array<{ idempotencyKey: string; status: string; failureReason?: string }>).find((d) => d.idempotencyKey === 'dsr-1:notice')).toMatchObject({ status: 'failed', failureReason: 'customer data erased' });

    const audit = await http(base, 'GET', '/api/audit?target=c-1011', { token: admin });
    const actions = (audit.json.entries as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(['customer.export', 'customer.erase', 'customer.export']);
  });
});

describe('role matrix', () => {
  it('every protected route refuses a missing token with 401 and a wrong role with 403, and admits its roles', async () => {
    const protectedRoutes = system.api.routes.filter((r) => !('public' in r.access));
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(8);
    const seen: string[] = [];
    for (const route of protectedRoutes) {
      const path = probePath(route);
      const anonymous = await http(base, route.method.toUpperCase(), path, { body: {} });
      expect(anonymous.status, `${route.method} ${route.path} without a token`).toBe(401);
      for (const role of STAFF_ROLES) {
        const token = await system.token(DEMO_USER_FOR_ROLE[role]);
        const res = await http(base, route.method.toUpperCase(), path, { token, body: {} });
        const allowed = 'roles' in route.access && (role === 'admin' || route.access.roles.includes(role));
        // The supervisor demo user is also an agent, so routes open to agents admit it too.
        const alsoAgent = role === 'supervisor' && 'roles' in route.access && route.access.roles.includes('agent');
        if (allowed || alsoAgent) expect([401, 403], `${route.method} ${route.path} as ${role}`).not.toContain(res.status);
        else expect(res.status, `${route.method} ${route.path} as ${role}`).toBe(403);
        seen.push(`${route.method} ${route.path} ${role} ${res.status}`);
      }
    }
    expect(seen.length).toBe(protectedRoutes.length * STAFF_ROLES.length);
  });

  it('public routes need no token', async () => {
    expect((await http(base, 'GET', '/health')).status).toBe(200);
    expect((await http(base, 'GET', '/openapi.json')).status).toBe(200);
    expect((await http(base, 'POST', '/api/widget/sessions', { body: {} })).status).toBe(201);
    // One-click unsubscribe is public, and the signed token in its link is what it trusts.
    expect((await http(base, 'POST', '/api/unsubscribe?token=v1.Yy0xMDAx.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(403);
  });
});

describe('web-chat customer tokens', () => {
  it('lets an anonymous visitor talk in their own conversation only', async () => {
    const session = await http(base, 'POST', '/api/widget/sessions', { body: {} });
    const { conversationId, customerId, token } = session.json as { conversationId: string; customerId: string; token: string };
    expect(customerId).toMatch(/^v-/);
    const ok = await http(base, 'POST', `/api/conversations/${conversationId}/messages`, { token, body: { channel: 'web', customerId, text: 'How long does delivery to Tibet take?' } });
    expect(ok.status).toBe(200);
    const elsewhere = await http(base, 'POST', '/api/conversations/someone-else/messages', { token, body: { channel: 'web', customerId, text: 'hi' } });
    expect(elsewhere.status).toBe(403);
    const impersonating = await http(base, 'POST', `/api/conversations/${conversationId}/messages`, { token, body: { channel: 'web', customerId: 'c-1001', text: 'hi' } });
    expect(impersonating.status).toBe(403);
    const transcript = await http(base, 'GET', `/api/conversations/${conversationId}`, { token });
    expect(transcript.status).toBe(403);
  });

  it('binds a logged-in customer only with the shop signature', async () => {
    const forged = await http(base, 'POST', '/api/widget/sessions', { body: { customerId: 'c-1001', identitySignature: '0'.repeat(64) } });
    expect(forged.status).toBe(401);
    const signature = widgetIdentitySignature(system.config.widgetIdentitySecret, 'c-1001');
    const signed = await http(base, 'POST', '/api/widget/sessions', { body: { customerId: 'c-1001', identitySignature: signature } });
    expect(signed.status).toBe(201);
    expect(signed.json.customerId).toBe('c-1001');
  });
});

describe('API keys', () => {
  it('are created by admins, work as their roles, and stop working once revoked', async () => {
    const admin = await system.token('admin');
    const created = await http(base, 'POST', '/api/admin/api-keys', { token: admin, body: { name: 'shop backend', roles: ['ops'] } });
    expect(created.status).toBe(201);
    const { apiKey, keyId } = created.json as { apiKey: string; keyId: string };
    const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
    const send = () => fetch(`${base}/api/conversations/key-conv/messages`, { method: 'POST', headers, body: JSON.stringify({ channel: 'app', customerId: 'c-1005', text: 'hello' }) });
    expect((await send()).status).toBe(200);
    const listed = await http(base, 'GET', '/api/admin/api-keys', { token: admin });
    expect(JSON.stringify(listed.json)).not.toContain(apiKey.split('_')[2]);
    expect((await http(base, 'DELETE', `/api/admin/api-keys/${keyId}`, { token: admin })).status).toBe(200);
    expect((await send()).status).toBe(401);
    const badKey = await fetch(`${base}/api/conversations/key-conv`, { headers: { 'x-api-key': 'ldk_nope' } });
    expect(badKey.status).toBe(401);
  });
});

describe('personal data in transcripts', () => {
  it('is masked for agents, revealed to supervisors on request, and every reveal is audited', async () => {
    const text = '我的手机号13812345678,身份证11010519491231002X';
    await http(base, 'POST', '/api/conversations/pii-1/messages', { token: await system.token('ops'), body: { channel: 'web', customerId: 'c-1007', text } });
    const asAgent = await http(base, 'GET', '/api/conversations/pii-1', { token: await system.token('agent') });
    expect(asAgent.text).not.toContain('13812345678');
    expect(asAgent.text).toContain('138****5678');
    expect(asAgent.text).toContain('110105********002X');
    const agentReveal = await http(base, 'GET', '/api/conversations/pii-1?reveal=true', { token: await system.token('agent') });
    expect(agentReveal.status).toBe(403);
    const supervisor = await http(base, 'GET', '/api/conversations/pii-1?reveal=true', { token: await system.token('supervisor') });
    expect(supervisor.text).toContain('13812345678');
    const audit = await http(base, 'GET', '/api/audit?action=pii.reveal&target=pii-1', { token: await system.token('admin') });
    expect(audit.json.entries).toHaveLength(1);
    expect(audit.json.entries).toMatchObject([{ actor: { id: 'supervisor' }, details: { customerId: 'c-1007' } }]);
  });
});

describe('staff users', () => {
  it('lets an admin create a user and change roles, auditing the change, and the new roles apply at the next login', async () => {
    const admin = await system.token('admin');
    const created = await http(base, 'POST', '/api/admin/users', { token: admin, body: { username: 'zhao.agent', displayName: '赵客服', password: 'a-long-password-1', roles: ['agent'] } });
    expect(created.status).toBe(201);
    expect((await http(base, 'POST', '/api/admin/users', { token: admin, body: { username: 'zhao.agent', displayName: 'x', password: 'a-long-password-1', roles: ['agent'] } })).status).toBe(409);
    const changed = await http(base, 'PUT', '/api/admin/users/zhao.agent/roles', { token: admin, body: { roles: ['agent', 'supervisor'] } });
    expect(changed.status).toBe(200);
    const login = await http(base, 'POST', '/api/auth/login', { body: { username: 'zhao.agent', password: 'a-long-password-1' } });
    expect((login.json.user as { roles: string[] }).roles).toEqual(['agent', 'supervisor']);
    const audit = await http(base, 'GET', '/api/audit?target=zhao.agent', { token: admin });
    expect(audit.json.entries).toMatchObject([{ action: 'user.roles_change', details: { from: ['agent'], to: ['agent', 'supervisor'] } }, { action: 'user.create' }]);
    const users = await http(base, 'GET', '/api/admin/users', { token: admin });
    expect(users.text).not.toContain('passwordHash');
  });
});

describe('audit log and data-subject requests', () => {
  it('records logins, including failed ones, with where they came from', async () => {
    await http(base, 'POST', '/api/auth/login', { body: { username: 'ops', password: 'wrong-password' } });
    const admin = await system.token('admin');
    const log = await http(base, 'GET', '/api/audit?action=auth.login&actor=ops', { token: admin });
    const entries = log.json.entries as Array<{ outcome: string; ip: string }>;
    expect(entries.some((e) => e.outcome === 'failure')).toBe(true);
    expect(entries.some((e) => e.outcome === 'success')).toBe(true);
    expect(entries[0]?.ip).toMatch(/127\.0\.0\.1/);
  });

  it('answers 404 for a customer nobody knows', async () => {
    expect((await http(base, 'DELETE', '/api/customers/c-unknown', { token: await system.token('admin') })).status).toBe(404);
  });
});

describe('hardening', () => {
  it('sends security headers', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('limits login attempts per minute', async () => {
    const { app } = createApp({ config: { ...system.config, rateLimits: { loginPerMinute: 3, publicPerMinute: 1000 } }, client: system.client, db: system.db, log: silentLog, codec: payloadCodecFor(system.config.payloadKeys) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const limited = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await http(limited, 'POST', '/api/auth/login', { body: { username: 'ops', password: 'guess-' + i } })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      server.close();
    }
  });
});
