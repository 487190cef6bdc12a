import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kickOutbox } from '../../activities/channels/outbox';
import { signedHeaders, wechatSignature } from '../../domain/channels/signatures';
import { createWechatCipher, decodeEncodingAesKey, decryptWechatMessage } from '../../domain/channels/wechat-crypto';
import { conversationWorkflowId } from '../../domain/conversation';
import { signUnsubscribeToken } from '../../domain/marketing/unsubscribe-token';
import { startFakeAppBackend, startFakeSmsGateway, startSmtpSink } from '../helpers/fake-channel-peers';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/**
 * Opting out as the marketing messages promise: "回复TD退订 / Reply STOP" on SMS, WeChat and the
 * app, and the one-click List-Unsubscribe link of marketing e-mail, against the running system and
 * the fake SMS gateway, app backend and SMTP relay.
 */

const SMS_SECRET = 'sms-signing-secret-for-opt-out';
const APP_SECRET = 'app-webhook-secret-for-opt-out';
const WECHAT_TOKEN = 'wxoptout';
const WECHAT_APP_ID = 'wx-optout-app';
const ENCODING_AES_KEY = 'F5vH4zDQVN358OadvKmUOFBBkD0kNL6Qf/Z6k1+l4mY';

let system: TestSystem;
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let appBackend: Awaited<ReturnType<typeof startFakeAppBackend>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let admin: string;

beforeAll(async () => {
  [sms, appBackend, sink] = await Promise.all([startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: SMS_SECRET }), startFakeAppBackend({ secret: APP_SECRET }), startSmtpSink()]);
  system = await startTestSystem('opt-out', {
    SMS_GATEWAY_URL: sms.url,
    SMS_API_KEY: 'sms-key',
    SMS_SIGNING_SECRET: SMS_SECRET,
    APP_WEBHOOK_URL: appBackend.url,
    APP_WEBHOOK_SECRET: APP_SECRET,
    WECHAT_TOKEN,
    // Compatible mode: plaintext and encrypted pushes are both taken.
    WECHAT_APP_ID,
    WECHAT_ENCODING_AES_KEY: ENCODING_AES_KEY,
    SMTP_RELAY_HOST: '127.0.0.1',
    SMTP_RELAY_PORT: String(sink.port),
    EMAIL_FROM: 'Shop <news@shop.example>',
    PUBLIC_BASE_URL: 'https://support.shop.example',
    OUTBOX_POLL_INTERVAL: '500ms',
    QUIET_HOURS: 'off',
  });
  admin = await system.token('admin');
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await Promise.all([sms?.close(), appBackend?.close(), sink?.close()]);
});

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function signedPost(path: string, secret: string, body: unknown) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${system.api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, raw) }, body: raw });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** A consenting customer with a marketing message and its coupon waiting in the outbox (held back an hour). */
async function customerWithQueuedOffer(customerId: string, fields: Record<string, unknown>, channel: 'sms' | 'email' | 'wechat' | 'app', to: string) {
  await system.db.models.Customer.create({ customerId, name: customerId, lang: 'zh', consent: { sms: true, email: true, wechat: true, app: true }, ...fields });
  const deliveryKey = `campaign:run-${customerId}:${customerId}`;
  const code = `LD${randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase()}`;
  await system.db.models.Coupon.create({ couponKey: deliveryKey, deliveryKey, code, customerId, source: 'campaign:test', amount: 20, threshold: 100, expiresAt: new Date(Date.now() + 86_400_000) });
  await system.db.models.Delivery.create({ idempotencyKey: deliveryKey, channel, customerId, to, text: `券 ${code}`, purpose: 'marketing', status: 'queued', notBefore: new Date(Date.now() + 3_600_000) });
  return { deliveryKey, code };
}

const profile = (customerId: string) => system.db.models.Customer.findOne({ customerId }).lean();
const audits = async (customerId: string) => (await http(system.api.url, 'GET', `/api/audit?target=${customerId}&action=profile.consent_change`, { token: admin })).json.entries as Array<{ actor: { kind: string }; details: Record<string, unknown> }>;

describe('replying TD / STOP', () => {
  it('by SMS withdraws SMS marketing consent, stops what was queued, voids its coupon and confirms once, without the bot', async () => {
    const offer = await customerWithQueuedOffer('c-td-1', { phone: '13912340001', email: 'td1@example.com' }, 'sms', '13912340001');
    const otherChannel = await system.db.models.Delivery.create({ idempotencyKey: 'campaign:run-mail:c-td-1', channel: 'email', customerId: 'c-td-1', to: 'td1@example.com', text: 'news', purpose: 'marketing', status: 'queued', notBefore: new Date(Date.now() + 3_600_000) });
    const inbound = { messageId: 'gw-td-1', from: '+8613912340001', text: ' ｔｄ ' };

    const taken = await signedPost('/api/channels/sms/inbound', SMS_SECRET, inbound);
    expect(taken.status).toBe(200);
    expect(taken.json.customerId).toBe('c-td-1');
    expect((await profile('c-td-1'))?.consent).toMatchObject({ sms: false, email: true, wechat: true, app: true });
    const stopped = await system.db.models.Delivery.findOne({ idempotencyKey: offer.deliveryKey }).lean();
    expect(stopped).toMatchObject({ status: 'failed', failureReason: 'no_consent' });
    expect((await system.db.models.Coupon.findOne({ code: offer.code }).lean())?.voidedAt).toBeInstanceOf(Date);
    expect((await system.db.models.Delivery.findOne({ idempotencyKey: otherChannel.idempotencyKey }).lean())?.status).toBe('queued');
    const events = await system.db.models.BehaviourEvent.find({ customerId: 'c-td-1', type: 'unsubscribe' }).lean();
    expect(events.map((e) => e.properties as unknown)).toEqual([{ channel: 'sms' }]);

    const confirmation = await eventually(() => sms.sent.find((m) => m.to === '13912340001'), 'the confirmation by SMS');
    expect(confirmation.text).toContain('退订短信营销消息');
    // A redelivery by the gateway changes nothing and sends nothing more.
    expect((await signedPost('/api/channels/sms/inbound', SMS_SECRET, inbound)).json.duplicate).toBe(true);
    const confirmations = await system.db.models.Delivery.find({ customerId: 'c-td-1', purpose: 'opt_out' }).lean();
    expect(confirmations.map((d) => d.status)).toEqual(['sent']);
    expect(sms.sent.filter((m) => m.to === '13912340001')).toHaveLength(1);
    const audited = await audits('c-td-1');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: { kind: 'customer' }, details: { change: { sms: false }, via: 'sms_keyword', keyword: 'TD' } });
    // The bot never saw it: no conversation was started for the message.
    await expect(system.client.workflow.getHandle(conversationWorkflowId(taken.json.conversationId as string)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('keeps a sentence that only mentions stop for the bot', async () => {
    await system.db.models.Customer.create({ customerId: 'c-td-2', name: 'Amy', lang: 'en', phone: '13912340002', consent: { sms: true } });
    const taken = await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-td-2', from: '13912340002', text: 'Please stop my order from shipping' });
    expect(taken.status).toBe(200);
    await eventually(() => sms.sent.find((m) => m.to === '13912340002'), 'the bot answer by SMS');
    expect((await profile('c-td-2'))?.consent?.sms).toBe(true);
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: 'c-td-2', type: 'unsubscribe' })).toBe(0);
  });

  it('on the app answers STOP in English on the app', async () => {
    await customerWithQueuedOffer('c-td-3', { appUserIds: ['app-td-3'] }, 'app', 'app-td-3');
    const taken = await signedPost('/api/channels/app/messages', APP_SECRET, { messageId: 'app-td-3', userId: 'app-td-3', text: 'Stop.' });
    expect(taken.status).toBe(200);
    expect((await profile('c-td-3'))?.consent).toMatchObject({ app: false, sms: true });
    const confirmation = await eventually(() => appBackend.received.find((m) => m.userId === 'app-td-3'), 'the confirmation at the app backend');
    expect(confirmation.text).toMatch(/unsubscribed from marketing messages on the app/);
  });

  it('on WeChat (退订) answers with the passive reply and withdraws WeChat consent', async () => {
    await customerWithQueuedOffer('c-td-4', { wechatOpenId: 'o-td-4' }, 'wechat', 'o-td-4');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const query = new URLSearchParams({ timestamp, nonce: 'n1', signature: wechatSignature(WECHAT_TOKEN, timestamp, 'n1') });
    const xml = `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[o-td-4]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[退订]]></Content><MsgId>77001</MsgId></xml>`;
    const response = await fetch(`${system.api.url}/api/channels/wechat?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
    const reply = await response.text();
    expect(reply).toContain('退订微信营销消息');
    expect(reply).toContain('<ToUserName><![CDATA[o-td-4]]></ToUserName>');
    expect((await profile('c-td-4'))?.consent).toMatchObject({ wechat: false, sms: true });
    const row = await system.db.models.Delivery.findOne({ customerId: 'c-td-4', purpose: 'opt_out' }).lean();
    expect(row?.providerMessageId).toMatch(/^wechat-passive:/);
  });

  it('on WeChat in encrypted mode answers with an encrypted passive reply', async () => {
    await system.db.models.Customer.create({ customerId: 'c-td-5', name: 'Wei', lang: 'zh', wechatOpenId: 'o-td-5', consent: { wechat: true, sms: true } });
    const wechat = createWechatCipher({ token: WECHAT_TOKEN, appId: WECHAT_APP_ID, encodingAesKey: ENCODING_AES_KEY });
    const inner = `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[o-td-5]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ＳＴＯＰ]]></Content><MsgId>77002</MsgId></xml>`;
    const sealed = wechat.seal(inner);
    const query = new URLSearchParams({ signature: wechatSignature(WECHAT_TOKEN, sealed.timestamp, sealed.nonce), timestamp: sealed.timestamp, nonce: sealed.nonce, encrypt_type: 'aes', msg_signature: sealed.msgSignature });
    const response = await fetch(`${system.api.url}/api/channels/wechat?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><Encrypt><![CDATA[${sealed.encrypted}]]></Encrypt></xml>` });
    const envelope = await response.text();
    const encrypted = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(envelope)?.[1];
    expect(encrypted, envelope).toBeDefined();
    const opened = decryptWechatMessage(decodeEncodingAesKey(ENCODING_AES_KEY), encrypted!);
    expect(opened.appId).toBe(WECHAT_APP_ID);
    expect(opened.message).toContain('unsubscribed from marketing messages on WeChat');
    expect((await profile('c-td-5'))?.consent).toMatchObject({ wechat: false, sms: true });
  });
});

describe('replying START / 订阅', () => {
  const smsTo = (to: string) => sms.sent.filter((m) => m.to === to);

  it('gives back SMS consent the customer withdrew by reply, records and audits it, and confirms once, without the bot', async () => {
    await system.db.models.Customer.create({ customerId: 'c-rs-1', name: 'Lan', lang: 'zh', phone: '13912341001', consent: { sms: true, email: true } });
    const td = await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-rs-1', from: '13912341001', text: 'TD' });
    expect((await profile('c-rs-1'))?.consent?.sms).toBe(false);
    await eventually(() => (smsTo('13912341001').length === 1 ? true : undefined), 'the opt-out confirmation');

    const again = { messageId: 'gw-rs-2', from: '+8613912341001', text: ' 订阅。' };
    expect((await signedPost('/api/channels/sms/inbound', SMS_SECRET, again)).status).toBe(200);
    expect((await profile('c-rs-1'))?.consent).toMatchObject({ sms: true, email: true });
    const confirmation = await eventually(() => smsTo('13912341001')[1], 'the re-subscribe confirmation');
    expect(confirmation.text).toContain('恢复订阅短信营销消息');
    const events = await system.db.models.BehaviourEvent.find({ customerId: 'c-rs-1', type: 'resubscribe' }).lean();
    expect(events.map((e) => e.properties as unknown)).toEqual([{ channel: 'sms', via: 'sms_keyword' }]);
    const audited = await audits('c-rs-1');
    expect(audited).toHaveLength(2);
    expect(audited.find((a) => (a.details.change as Record<string, unknown>).sms === true)).toMatchObject({ actor: { kind: 'customer' }, details: { keyword: '订阅', via: 'sms_keyword' } });

    // The gateway delivering it again changes nothing and sends nothing more.
    expect((await signedPost('/api/channels/sms/inbound', SMS_SECRET, again)).json.duplicate).toBe(true);
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: 'c-rs-1', type: 'resubscribe' })).toBe(1);
    expect(await audits('c-rs-1')).toHaveLength(2);
    const answers = await system.db.models.Delivery.find({ customerId: 'c-rs-1', purpose: 'opt_out' }).lean();
    expect(answers).toHaveLength(2);
    expect(smsTo('13912341001')).toHaveLength(2);
    // Neither keyword reached the bot.
    await expect(system.client.workflow.getHandle(conversationWorkflowId(td.json.conversationId as string)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('leaves consent an operator withdrew, and do-not-contact, as they are', async () => {
    const ops = await system.token('ops');
    await system.db.models.Customer.create({ customerId: 'c-rs-2', name: 'Bo', lang: 'en', phone: '13912341002', consent: { sms: true } });
    expect((await http(system.api.url, 'PUT', '/api/profiles/c-rs-2/consent', { token: ops, body: { sms: false } })).status).toBe(200);
    await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-rs-3', from: '13912341002', text: 'START' });
    expect((await profile('c-rs-2'))?.consent?.sms).toBe(false);
    expect((await eventually(() => smsTo('13912341002')[0], 'the answer')).text).toContain('were not changed');

    // Withdrawn by the customer, then do-not-contact set by an operator: do-not-contact wins.
    await system.db.models.Customer.create({ customerId: 'c-rs-3', name: 'Yu', lang: 'zh', phone: '13912341003', consent: { sms: true } });
    await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-rs-4', from: '13912341003', text: '退订' });
    expect((await http(system.api.url, 'PUT', '/api/profiles/c-rs-3/consent', { token: ops, body: { doNotContact: true } })).status).toBe(200);
    await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-rs-5', from: '13912341003', text: '恢复订阅' });
    expect(await profile('c-rs-3')).toMatchObject({ doNotContact: true, consent: { sms: false } });
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: mongoose.trusted({ $in: ['c-rs-2', 'c-rs-3'] }), type: 'resubscribe' })).toBe(0);
    expect((await audits('c-rs-2')).map((a) => a.actor.kind)).toEqual(['staff']);
  });
});

describe('List-Unsubscribe on marketing e-mail', () => {
  it('carries a signed one-click link that withdraws e-mail consent, once, and refuses bad tokens', async () => {
    await system.db.models.Customer.create({ customerId: 'c-mail-1', name: 'Mia', lang: 'en', email: 'mia@example.com', consent: { email: true, sms: true } });
    await system.db.models.Delivery.create({ idempotencyKey: 'campaign:run-mail-1:c-mail-1', channel: 'email', customerId: 'c-mail-1', to: 'mia@example.com', text: 'Our autumn offer', purpose: 'marketing', status: 'queued', notBefore: new Date() });
    await system.db.models.Delivery.create({ idempotencyKey: 'service:c-mail-1', channel: 'email', customerId: 'c-mail-1', to: 'mia@example.com', text: 'Your parcel left', purpose: 'service', status: 'queued', notBefore: new Date() });
    await kickOutbox(system.client, system.config.temporal.taskQueue, system.config.channels.outbox);
    const mails = await eventually(() => {
      const found = sink.mails.filter((m) => m.to.includes('mia@example.com'));
      return found.length === 2 ? found : undefined;
    }, 'both e-mails at the relay');
    const marketing = mails.find((m) => m.text.includes('autumn'))!;
    const service = mails.find((m) => m.text.includes('parcel'))!;
    expect(service.headerLines['list-unsubscribe']).toBeUndefined();
    expect(marketing.headerLines['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const link = /^<(https:\/\/support\.shop\.example\/api\/unsubscribe\?token=[^>]+)>$/.exec(marketing.headerLines['list-unsubscribe'] ?? '')?.[1];
    expect(link).toBeDefined();
    const path = new URL(link!).pathname + new URL(link!).search;

    // Opened in a browser (or by a link scanner), the link shows a page and changes nothing.
    const opened = await fetch(`${system.api.url}${path}`);
    expect(opened.headers.get('content-type')).toContain('text/html');
    expect(await opened.text()).toMatch(/<form method="post" action="\/api\/unsubscribe\?token=[^"]+">/);
    expect((await profile('c-mail-1'))?.consent?.email).toBe(true);

    const click = () => fetch(`${system.api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const first = await click();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ unsubscribed: true, channel: 'email', alreadyUnsubscribed: false });
    expect((await profile('c-mail-1'))?.consent).toMatchObject({ email: false, sms: true });
    const again = await click();
    expect(await again.json()).toMatchObject({ alreadyUnsubscribed: true });
    const fromPage = await fetch(`${system.api.url}${path}`, { method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(await fromPage.text()).toContain('Unsubscribed');
    expect(await system.db.models.BehaviourEvent.countDocuments({ customerId: 'c-mail-1', type: 'unsubscribe' })).toBe(1);
    expect(await audits('c-mail-1')).toHaveLength(1);

    const token = new URL(link!).searchParams.get('token')!;
    const post = (t: string) => http(system.api.url, 'POST', `/api/unsubscribe?token=${encodeURIComponent(t)}`);
    const forged = await post(`${token.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(403);
    expect(forged.json.error?.code).toBe('token_mismatch');
    const expired = await post(signUnsubscribeToken(system.config.auth.jwtSecret, 'c-mail-1', Date.now() - 200 * 86_400_000));
    expect(expired.status).toBe(403);
    expect(expired.json.error?.message).toMatch(/expired/);
    const garbage = await post('not-a-token');
    expect(garbage.status).toBe(400);
    expect(garbage.json.error?.message).toMatch(/List-Unsubscribe/);
    expect((await http(system.api.url, 'POST', '/api/unsubscribe')).status).toBe(400);
  });
});

describe('coupons of messages never sent', () => {
  it('are voided when the dispatcher suppresses the message or the provider refuses it for good', async () => {
    const suppressed = await customerWithQueuedOffer('c-void-1', { phone: '13912349001' }, 'sms', '13912349001');
    const refused = await customerWithQueuedOffer('c-void-2', { phone: '13912349002' }, 'sms', '13912349002');
    // Consent withdrawn behind the API's back (an import): only the dispatcher's own check catches it.
    await system.db.models.Customer.updateOne({ customerId: 'c-void-1' }, { $set: { 'consent.sms': false } });
    sms.refuse('13912349002');
    await system.db.models.Delivery.updateMany({ idempotencyKey: mongoose.trusted({ $in: [suppressed.deliveryKey, refused.deliveryKey] }) }, { $set: { notBefore: new Date() } });
    await kickOutbox(system.client, system.config.temporal.taskQueue, system.config.channels.outbox);
    const rows = await eventually(async () => {
      const found = await system.db.models.Delivery.find({ idempotencyKey: mongoose.trusted({ $in: [suppressed.deliveryKey, refused.deliveryKey] }) }).lean();
      return found.every((d) => d.status === 'failed') ? found : undefined;
    }, 'both rows to fail');
    const reasonOf = (key: string) => rows.find((r) => r.idempotencyKey === key)?.failureReason;
    expect(reasonOf(suppressed.deliveryKey)).toBe('no_consent');
    expect(reasonOf(refused.deliveryKey)).toBeTruthy();
    for (const code of [suppressed.code, refused.code]) {
      const coupon = await system.db.models.Coupon.findOne({ code }).lean();
      expect(coupon?.voidedAt, code).toBeInstanceOf(Date);
      expect(await system.db.models.CouponSettlement.countDocuments({ code, outcome: 'voided' })).toBe(1);
    }
    // A voided coupon cannot be redeemed.
    const redeem = await http(system.api.url, 'POST', `/api/coupons/${suppressed.code}/redeem`, { token: await system.token('ops'), body: { customerId: 'c-void-1', orderAmount: 500 } });
    expect(redeem.status).toBe(410);
    expect(redeem.json.error?.code).toBe('coupon_void');
  });
});
