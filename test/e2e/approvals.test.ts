import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';
import { ensurePagesBuilt, launchBrowser, openWindow, UI_TIMEOUT_MS } from './browser';

/**
 * The supervisor's approvals panel in a real browser against the real system: a refund above the
 * threshold waits on the supervisor page, is approved there with a note, and the case pays once.
 */

let system: TestSystem;
let browser: Browser;
let ops: string;
const windows: Array<{ close(): Promise<void> }> = [];
const problems: string[] = [];

beforeAll(async () => {
  await ensurePagesBuilt();
  browser = await launchBrowser();
  // The page needs no inbound e-mail, and its fixed port would clash with another test run on this machine.
  system = await startTestSystem('approvals', { SMTP_INBOUND_ENABLED: 'false' });
  ops = await system.token('ops');
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

const api = (method: string, path: string, body?: unknown) => http(system.api.url, method, path, { token: ops, ...(body === undefined ? {} : { body }) });

type CaseBody = { status: string; timeline: Array<{ type: string; by?: string; detail?: string }>; refunds: Array<{ amount: number }> };

async function caseAt(caseId: string, ready: (body: CaseBody) => boolean, what: string): Promise<CaseBody> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  for (;;) {
    const body = (await api('GET', `/api/cases/${caseId}`)).json as unknown as CaseBody;
    if (ready(body)) return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(body).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the approvals panel', () => {
  it('lists a refund above the threshold; the supervisor approves it with a note and the case refunds once', async () => {
    const started = await api('POST', '/api/cases', { type: 'return', customerId: 'c-1001', orderId: 'LD20261001', reason: 'fault', details: 'screen flickers', requestId: 'e2e-approval-1' });
    expect(started.status, started.text).toBe(201);
    const caseId = started.json.caseId as string;
    await caseAt(caseId, (c) => c.status === 'awaiting_pickup', 'the return label');
    expect((await api('POST', `/api/cases/${caseId}/events`, { type: 'carrier', status: 'picked_up' })).status).toBe(202);
    await caseAt(caseId, (c) => c.status === 'in_transit', 'the pickup');
    expect((await api('POST', `/api/cases/${caseId}/events`, { type: 'warehouse', status: 'inspected', passed: true })).status).toBe(202);
    await caseAt(caseId, (c) => c.status === 'awaiting_approval', 'the approval request');

    const page = await open('/supervisor', 'en-US');
    await signIn(page, 'supervisor', 'loopdesk-demo');
    const panel = page.locator('section[aria-labelledby="approvals-title"]');
    await panel.getByRole('heading', { name: 'Approvals waiting' }).waitFor();
    const row = panel.locator(`tr[data-case="${caseId}"]`);
    await row.waitFor();
    const shown = await row.textContent();
    expect(shown).toContain('c-1001');
    expect(shown).toContain('LD20261001');
    expect(shown).toContain('Refund');
    expect(shown).toContain('¥3078.00');
    expect(await row.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await api('GET', `/api/cases/${caseId}`).then((res) => (res.json as unknown as CaseBody).refunds)).toHaveLength(0);

    await row.getByLabel(`Note on the decision for ${caseId}`).fill('photos of the screen checked');
    await row.getByRole('button', { name: 'Approve', exact: true }).click();
    await panel.getByText(`Approved: ${caseId}`).waitFor();
    await row.waitFor({ state: 'detached' });

    const refunded = await caseAt(caseId, (c) => c.timeline.some((t) => t.type === 'refunded'), 'the refund');
    expect(refunded.timeline.find((t) => t.type === 'approved')).toMatchObject({ by: 'supervisor', detail: 'photos of the screen checked' });
    expect(refunded.refunds).toEqual([expect.objectContaining({ amount: 3078 })]);
    expect(await system.db.models.Refund.countDocuments({ orderId: 'LD20261001' })).toBe(1);
    expect(await system.db.models.AuditEntry.countDocuments({ action: 'case.approve', 'target.id': caseId })).toBe(1);

    // The panel in Chinese says there is nothing left to decide.
    await page.getByRole('button', { name: '中文' }).click();
    await panel.getByRole('heading', { name: '待审批' }).waitFor();
    await panel.getByText('暂无待审批的退款或补偿券。').waitFor();
    expect(problems).toEqual([]);
  });
});
