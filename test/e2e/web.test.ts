import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';
import { ensurePagesBuilt, launchBrowser, openWindow, UI_TIMEOUT_MS } from './browser';

/**
 * The pages in a real browser against the real system: a customer chats in the shop's widget, an
 * agent works the hand-off in the workbench, a supervisor watches and reassigns.
 */

let system: TestSystem;
let browser: Browser;
const windows: Array<{ close(): Promise<void> }> = [];
const problems: string[] = [];

beforeAll(async () => {
  await ensurePagesBuilt();
  browser = await launchBrowser();
  // The pages need no inbound e-mail, and its fixed port would clash with another test run on this machine.
  // A complaint nobody can be told misses its acknowledgement within seconds, raising a real alert.
  system = await startTestSystem('web', { SMTP_INBOUND_ENABLED: 'false', COMPLAINT_ACK_SLA: '3s' });
  // The first turn of a fresh worker trains the language model; pay for it here, not inside a page wait.
  const warmUp = await http(system.api.url, 'POST', '/api/conversations/e2e-warm-up/messages', {
    token: await system.token('ops'),
    body: { channel: 'web', customerId: 'c-1012', text: 'hello' },
  });
  expect(warmUp.status, warmUp.text).toBe(200);
}, 240_000);

afterAll(async () => {
  for (const window of windows) await window.close().catch(() => undefined);
  await browser?.close();
  await system?.stop();
});

async function open(path: string, locale: 'zh-CN' | 'en-US'): Promise<Page> {
  const window = await openWindow(browser, system.api.url, locale, problems);
  windows.push(window.context);
  await window.page.goto(path);
  return window.page;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = UI_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The conversation the widget on this page talks in, as the widget keeps it. */
async function widgetConversation(page: Page): Promise<string> {
  const stored = await page.evaluate(() => sessionStorage.getItem('loopdesk.widget'));
  return (JSON.parse(stored ?? '{}') as { session?: { conversationId: string } }).session?.conversationId ?? '';
}

async function escalationFor(conversationId: string): Promise<string> {
  return eventually(async () => (await system.db.models.Escalation.findOne({ conversationId }).lean())?.escalationId, `an escalation for ${conversationId}`);
}

/** Sends one message from the widget and waits for the bot entries to grow. */
async function ask(page: Page, label: string, send: string, text: string): Promise<void> {
  const before = await page.locator('.msg-bot').count();
  await page.getByLabel(label).fill(text);
  await page.getByRole('button', { name: send, exact: true }).click();
  await page.locator('.msg-bot').nth(before).waitFor();
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the web pages', () => {
  it('are served at their paths, while unknown paths keep the JSON 404', async () => {
    for (const path of ['/', '/shop', '/workbench', '/supervisor']) {
      const res = await fetch(`${system.api.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(await res.text()).toContain('<div id="root">');
    }
    const unknown = await http(system.api.url, 'GET', '/no-such-page');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe('not_found');
    expect((await http(system.api.url, 'GET', '/api/shop')).status).toBe(404);
  });

  it('shows a readable error for a bad sign-in', async () => {
    const page = await open('/workbench', 'en-US');
    await signIn(page, 'agent', 'not-the-password');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Sign-in failed: Unknown username or wrong password.');
    await expect(page.getByLabel('Username').isVisible()).resolves.toBe(true);
  });

  it('lets a customer chat in Chinese and English, with cited answers, and switch the language', async () => {
    const page = await open('/shop', 'zh-CN');
    await page.getByRole('heading', { name: 'Loopdesk 演示商店' }).waitFor();
    await expect(page.locator('.product').count()).resolves.toBeGreaterThanOrEqual(10);
    await expect(page.locator('.product').first().textContent()).resolves.toContain('星河 X5 手机 128GB');

    await page.getByRole('button', { name: '在线客服' }).click();
    await ask(page, '您的消息', '发送', '几天内可以无理由退货?');
    const zhAnswer = page.locator('.msg-bot').nth(1);
    await expect(zhAnswer.textContent()).resolves.toMatch(/7\s*天/);
    await expect(zhAnswer.locator('.citations').textContent()).resolves.toContain('退换货政策');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Loopdesk Demo Shop' }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('en');
    await ask(page, 'Your message', 'Send', 'How long does a refund take?');
    const enAnswer = page.locator('.msg-bot').nth(2);
    await expect(enAnswer.locator('.citations').textContent()).resolves.toContain('Refund times');
    await expect(enAnswer.textContent()).resolves.toMatch(/business days/i);

    // The switch is remembered: a reload keeps English, and the chat carries on where it was.
    await page.reload();
    await page.getByRole('heading', { name: 'Loopdesk Demo Shop' }).waitFor();
    await page.getByText('How long does a refund take?').waitFor();
  });

  it('hands a customer to an agent who sees it arrive live, accepts, replies into the widget and resolves; the customer rates it', async () => {
    const agent = await open('/workbench', 'en-US');
    await signIn(agent, 'agent', 'loopdesk-demo');
    await agent.locator('label.seg-online').click();
    await agent.locator('label.seg-online.checked').waitFor();
    await agent.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const customer = await open('/shop', 'zh-CN');
    await customer.getByLabel('当前顾客').selectOption('c-1002');
    await customer.getByRole('button', { name: '在线客服' }).click();
    await ask(customer, '您的消息', '发送', '我的订单LD20261003的净化器有异味');
    await customer.getByLabel('您的消息').fill('转人工');
    await customer.getByRole('button', { name: '发送', exact: true }).click();
    await customer.getByText('已转人工').waitFor();

    const conversationId = await widgetConversation(customer);
    const escalationId = await escalationFor(conversationId);
    const item = agent.getByRole('button', { name: new RegExp(escalationId) });
    await item.waitFor();
    await item.click();
    await agent.getByRole('heading', { name: new RegExp(escalationId) }).waitFor();
    const packet = agent.locator('section[aria-labelledby="packet-title"]');
    await expect(packet.textContent()).resolves.toContain('Customer asked for a person');
    const profile = agent.locator('section[aria-labelledby="c360-title"]');
    await profile.getByText('LD20261003', { exact: true }).waitFor();
    // Masked for an agent: the phone shows only its ends.
    await expect(profile.textContent()).resolves.toContain('139****9002');
    await agent.locator('.transcript.staff').getByText('转人工').waitFor();
    await expect(agent.locator('.sla-pair').first().textContent()).resolves.toMatch(/First response\s*\d+:\d\d/);

    await agent.getByRole('button', { name: 'Accept', exact: true }).click();
    await agent.getByRole('button', { name: 'Use suggestion' }).click();
    const suggestion = await agent.getByLabel('Reply to the customer').inputValue();
    expect(suggestion).toContain('李客服 Li');
    await agent.getByLabel('Reply to the customer').fill('您好,我是李客服,马上为您处理净化器异味的问题。');
    await agent.getByRole('button', { name: 'Reply', exact: true }).click();
    await agent.getByText('Done: Reply').waitFor();

    await customer.locator('.msg-agent').getByText('您好,我是李客服,马上为您处理净化器异味的问题。').waitFor();
    await customer.getByText('人工客服正在为您服务。').waitFor();
    // And the customer's answer reaches the open escalation live (the panel has no polling to fall back on).
    await customer.getByLabel('您的消息').fill('好的,谢谢,我等您的消息');
    await customer.getByRole('button', { name: '发送', exact: true }).click();
    await agent.locator('.transcript.staff .msg-customer').getByText('好的,谢谢,我等您的消息').waitFor();

    await agent.getByLabel('Resolution note (optional)').fill('replacement arranged');
    await agent.getByRole('button', { name: 'Resolve', exact: true }).click();
    await agent.getByText('This escalation has ended (Resolved).').waitFor();

    await customer.getByRole('button', { name: '打 5 分(满分5分)' }).click();
    const rated = await eventually(async () => {
      const row = await system.db.models.Escalation.findOne({ escalationId }).lean();
      return row?.csatScore ? row : undefined;
    }, 'the rating');
    expect(rated).toMatchObject({ status: 'resolved', csatScore: 5, resolutionNote: 'replacement arranged' });
  });

  it('lets the agent transfer to a queue, a supervisor reveal personal data (audited), see the agent and the alert and reassign, and the agent hand back to the bot', async () => {
    const customer = await open('/shop', 'en-US');
    await customer.getByRole('button', { name: 'Chat with us' }).click();
    await customer.getByLabel('Your message').fill('I want to speak to a human, call me on 13700137003');
    await customer.getByRole('button', { name: 'Send', exact: true }).click();
    const escalationId = await escalationFor(await eventually(async () => (await widgetConversation(customer)) || undefined, 'the widget session'));

    const agent = await open('/workbench', 'en-US');
    await signIn(agent, 'agent', 'loopdesk-demo');
    await agent.locator('label.seg-online').click();
    await agent.locator('label.seg-online.checked').waitFor();
    const item = agent.getByRole('button', { name: new RegExp(escalationId) });
    await item.click();
    await agent.getByRole('button', { name: 'Accept', exact: true }).click();
    await agent.getByLabel('Transfer to').selectOption('queue:finance');
    await agent.getByRole('button', { name: 'Transfer', exact: true }).click();
    await agent.getByText('Done: Transfer').waitFor();
    await eventually(async () => ((await system.db.models.Escalation.findOne({ escalationId }).lean())?.queue === 'finance' ? true : undefined), 'the transfer');

    const supervisor = await open('/workbench', 'en-US');
    await signIn(supervisor, 'supervisor', 'loopdesk-demo');
    await supervisor.getByRole('button', { name: new RegExp(escalationId) }).click();
    const transcript = supervisor.locator('.transcript.staff');
    await transcript.getByText('call me on 137****7003').waitFor();
    await expect(supervisor.getByText('Personal data is masked.').isVisible()).resolves.toBe(true);
    await supervisor.getByRole('button', { name: 'Reveal personal data' }).click();
    await supervisor.getByText('Personal data shown unmasked; this was recorded in the audit log.').waitFor();
    await transcript.getByText('call me on 13700137003').waitFor();
    const conversationId = (await system.db.models.Escalation.findOne({ escalationId }).lean())?.conversationId;
    await expect(system.db.models.AuditEntry.countDocuments({ action: 'pii.reveal', 'actor.id': 'supervisor', 'target.id': conversationId })).resolves.toBeGreaterThanOrEqual(1);

    await supervisor.getByRole('link', { name: 'Supervisor' }).click();
    const agentRow = supervisor.locator('section[aria-labelledby="agents-title"] tr', { hasText: '李客服 Li' });
    await expect(agentRow.getByLabel('Set status of 李客服 Li').inputValue()).resolves.toBe('online');
    // Joining a queue is news, not an alert to act on: it is listed apart.
    await supervisor.locator('.notices li', { hasText: escalationId }).first().waitFor();
    await expect(supervisor.locator('.alerts li', { hasText: escalationId }).count()).resolves.toBe(0);
    const openRow = supervisor.locator('section[aria-labelledby="open-title"] tr', { hasText: escalationId });
    await expect(openRow.textContent()).resolves.toContain('Finance');
    await supervisor.getByRole('heading', { name: 'Desk report (last 30 days)' }).waitFor();
    await supervisor.locator('section[aria-labelledby="report-title"] tbody th', { hasText: 'Finance' }).waitFor();

    await openRow.getByLabel(`Reassign ${escalationId} to`).selectOption('agent');
    await openRow.getByRole('button', { name: 'Reassign' }).click();
    await supervisor.getByText(`Done: Reassign ${escalationId}`).waitFor();

    // Back with the agent, live: accept it again and give it back to the bot.
    await eventually(async () => {
      const row = await system.db.models.Escalation.findOne({ escalationId }).lean();
      return row?.agentId === 'agent' && row.status === 'assigned' ? true : undefined;
    }, 'the reassignment').catch(async (error: unknown) => {
      const row = await system.db.models.Escalation.findOne({ escalationId }).lean();
      const agents = await http(system.api.url, 'GET', '/api/desk/overview', { token: await system.token('supervisor') });
      throw new Error(`${String(error)}; escalation: ${JSON.stringify(row?.timeline)}; desk: ${agents.text}`);
    });
    await agent.getByText('Assigned to you: accept it to start working.').waitFor();
    await agent.getByRole('button', { name: 'Accept', exact: true }).click();
    await agent.getByRole('button', { name: 'Hand back to bot' }).click();
    await agent.getByText('This escalation has ended (Handed back).').waitFor();
    const row = await system.db.models.Escalation.findOne({ escalationId }).lean();
    expect(row).toMatchObject({ status: 'handed_back', queue: 'finance', agentId: 'agent' });
  });

  it("lets an agent work a complaint's desk task opened through the API, with the case's history in place of a transcript", async () => {
    const ops = await system.token('ops');
    const started = await http(system.api.url, 'POST', '/api/cases', { token: ops, body: { type: 'complaint', customerId: 'c-1004', details: '快递员态度很差,我要投诉', channel: 'sms' } });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    const escalationId = await eventually(async () => (await system.db.models.Escalation.findOne({ 'packet.slots.case': caseId }).lean())?.escalationId, "the complaint's desk task");

    const agent = await open('/workbench', 'en-US');
    await signIn(agent, 'agent', 'loopdesk-demo');
    await agent.locator('label.seg-online').click();
    await agent.locator('label.seg-online.checked').waitFor();
    await agent.getByRole('button', { name: new RegExp(escalationId) }).click();
    await agent.getByRole('heading', { name: new RegExp(escalationId) }).waitFor();
    await agent.getByRole('heading', { name: `Case ${caseId}: complaint, with an agent` }).waitFor();
    await agent.getByText('your replies reach the customer by SMS').waitFor();
    await agent.locator('ol[aria-label="Case history"]').getByText('desk task opened').waitFor();
    await agent.getByRole('button', { name: '中文' }).click();
    await agent.getByRole('heading', { name: `工单 ${caseId}:投诉,处理中` }).waitFor();
    await expect(agent.locator('section[aria-labelledby="packet-title"]').textContent()).resolves.toContain('机器人未能解决');
    await agent.getByRole('button', { name: 'English' }).click();
    await expect(agent.locator('.transcript.staff').count()).resolves.toBe(0);
    await expect(agent.getByRole('alert').count()).resolves.toBe(0);

    await agent.getByRole('button', { name: 'Accept', exact: true }).click();
    await agent.getByLabel('Reply to the customer').fill('您好,我是李客服,已登记您的投诉,今天内回电。');
    await agent.getByRole('button', { name: 'Reply', exact: true }).click();
    await agent.getByText('Done: Reply').waitFor();
    const caseTimeline = async () => ((await http(system.api.url, 'GET', `/api/cases/${caseId}`, { token: ops })).json.timeline as Array<{ type: string }>).map((t) => t.type);
    await eventually(async () => ((await caseTimeline()).includes('agent_replied') ? true : undefined), 'the reply on the case timeline');
    await expect(system.db.models.Delivery.countDocuments({ idempotencyKey: new RegExp(`^desk:case-${caseId}:`) })).resolves.toBe(1);

    await agent.getByLabel('Resolution note (optional)').fill('courier company warned, apology sent');
    await agent.getByRole('button', { name: 'Resolve', exact: true }).click();
    await agent.getByText('This escalation has ended (Resolved).').waitFor();
    await expect(agent.getByRole('alert').count()).resolves.toBe(0);
    expect(await system.db.models.Escalation.findOne({ escalationId }).lean()).toMatchObject({ status: 'resolved', agentId: 'agent', resolutionNote: 'courier company warned, apology sent' });

    // Signing out of the workbench takes the agent offline.
    await agent.getByRole('button', { name: 'Sign out' }).click();
    await agent.getByLabel('Username').waitFor();
    expect((await system.db.models.Agent.findOne({ agentId: 'agent' }).lean())?.status).toBe('offline');
  });

  it("lets a supervisor read alerts in either language, acknowledge one that needs action, and set an agent's status", async () => {
    await system.db.models.Customer.create({ customerId: 'c-e2e-no-contact', name: '赵六', tier: 'standard', lang: 'zh' });
    const started = await http(system.api.url, 'POST', '/api/cases', { token: await system.token('ops'), body: { type: 'complaint', customerId: 'c-e2e-no-contact', details: '发票一直没有开' } });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    await eventually(async () => (await system.db.models.Alert.findOne({ escalationId: caseId, kind: 'complaint_ack_missed' }).lean()) ?? undefined, 'the missed-acknowledgement alert');

    const supervisor = await open('/supervisor', 'en-US');
    await signIn(supervisor, 'supervisor', 'loopdesk-demo');
    const alert = supervisor.locator('.alerts li', { hasText: caseId });
    await alert.getByText('Complaint not acknowledged in time').waitFor();
    await expect(alert.textContent()).resolves.toContain('Complaints · High');
    await supervisor.getByRole('button', { name: '中文' }).click();
    await alert.getByText('投诉未按时受理').waitFor();
    await expect(alert.textContent()).resolves.toContain('投诉 · 高');
    await supervisor.getByRole('button', { name: 'English' }).click();

    await alert.getByRole('button', { name: `Acknowledge Complaint not acknowledged in time on ${caseId}` }).click();
    await supervisor.getByText(`Acknowledged: Complaint not acknowledged in time on ${caseId}`).waitFor();
    await supervisor.locator('.alerts li', { hasText: caseId }).filter({ hasText: 'Complaint not acknowledged in time' }).waitFor({ state: 'detached' });
    const row = await system.db.models.Alert.findOne({ escalationId: caseId, kind: 'complaint_ack_missed' }).lean();
    expect(row).toMatchObject({ acknowledgedBy: 'supervisor', acknowledgedAt: expect.any(Date) as unknown });
    await expect(system.db.models.AuditEntry.countDocuments({ action: 'alert.acknowledge', 'actor.id': 'supervisor', 'target.id': row?.alertKey })).resolves.toBe(1);

    await supervisor.getByLabel('Set status of 李客服 Li').selectOption('away');
    await supervisor.getByText('李客服 Li is now Away').waitFor();
    expect((await system.db.models.Agent.findOne({ agentId: 'agent' }).lean())?.status).toBe('away');
    expect((await http(system.api.url, 'POST', `/api/cases/${caseId}/cancel`, { token: await system.token('ops'), body: { reason: 'test over' } })).status).toBe(200);
  });

  it('raised no script errors and no Content-Security-Policy violations on any page', () => {
    // Failed requests are expected (the bad sign-in's 401); script errors and blocked resources are not.
    expect(problems.filter((p) => p.startsWith('page error') || /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  });
});
