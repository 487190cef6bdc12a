import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, wechatSignature } from '../../domain/channels/signatures';
import { startFakeAppBackend, startFakeSmsGateway, startFakeWechatApi, startSmtpSink } from '../helpers/fake-channel-peers';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/**
 * Every channel against the running system and a real local peer: the customer writes in on the
 * channel, gets the bot's answer there, asks for a person, and gets the agent's reply there too.
 */

const SMS_SECRET = 'sms-signing-secret-for-tests';
const APP_SECRET = 'app-webhook-secret-for-tests';
const PHONE_SECRET = 'phone-webhook-secret-for-tests';
const WECHAT_TOKEN = 'wxtesttoken';

let system: TestSystem;
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let appBackend: Awaited<ReturnType<typeof startFakeAppBackend>>;
let wechatApi: Awaited<ReturnType<typeof startFakeWechatApi>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let agent: string;
let ops: string;

/** A quiet-hours window around now, so marketing is deferred whatever time of day the test runs. */
function quietAroundNow(): string {
  const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${hhmm(new Date(Date.now() - 3_600_000))}-${hhmm(new Date(Date.now() + 3_600_000))} +00:00`;
}

beforeAll(async () => {
  [sms, appBackend, wechatApi, sink] = await Promise.all([
    startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: SMS_SECRET }),
    startFakeAppBackend({ secret: APP_SECRET }),
    startFakeWechatApi({ appId: 'wx-app', appSecret: 'wx-secret' }),
    startSmtpSink(),
  ]);
  system = await startTestSystem('channels', {
    SMS_GATEWAY_URL: sms.url,
    SMS_API_KEY: 'sms-key',
    SMS_SIGNING_SECRET: SMS_SECRET,
    APP_WEBHOOK_URL: appBackend.url,
    APP_WEBHOOK_SECRET: APP_SECRET,
    PHONE_WEBHOOK_SECRET: PHONE_SECRET,
    WECHAT_TOKEN,
    WECHAT_APP_ID: 'wx-app',
    WECHAT_APP_SECRET: 'wx-secret',
    WECHAT_API_BASE: wechatApi.url,
    SMTP_INBOUND_PORT: '0',
    SMTP_RELAY_HOST: '127.0.0.1',
    SMTP_RELAY_PORT: String(sink.port),
    EMAIL_FROM: 'Loopdesk <support@shop.example>',
    OUTBOX_POLL_INTERVAL: '500ms',
    QUIET_HOURS: quietAroundNow(),
  });
  [agent, ops] = await Promise.all([system.token('agent'), system.token('ops')]);
  expect((await http(system.api.url, 'PUT', '/api/agents/me/status', { token: agent, body: { status: 'online' } })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await Promise.all([sms?.close(), appBackend?.close(), wechatApi?.close(), sink?.close()]);
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

async function signedPost(path: string, secret: string, body: unknown, tamper?: (headers: Record<string, string>) => void) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...signedHeaders(secret, raw) };
  tamper?.(headers);
  const response = await fetch(`${system.api.url}${path}`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  return { status: response.status, text, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const api = (method: string, path: string, token: string, body?: unknown) => http(system.api.url, method, path, { token, ...(body === undefined ? {} : { body }) });

async function transcript(conversationId: string) {
  return (await api('GET', `/api/conversations/${conversationId}`, ops)).json.transcript as Array<{ role: string; text: string }> | undefined;
}

/** The desk side of a hand-off: the agent gets the task, accepts it and replies; resolving frees the agent for the next test. */
async function agentReplies(conversationId: string, text: string): Promise<() => Promise<void>> {
  const escalation = await eventually(async () => (await system.db.models.Escalation.findOne({ conversationId }).lean()) ?? undefined, `an escalation for ${conversationId}`);
  await eventually(async () => ((await api('GET', `/api/escalations/${escalation.escalationId}`, agent)).json.agentId === 'agent' ? true : undefined), 'assignment to the agent');
  expect((await api('POST', `/api/escalations/${escalation.escalationId}/accept`, agent)).status).toBe(200);
  const replied = await api('POST', `/api/escalations/${escalation.escalationId}/reply`, agent, { text, messageId: `agent-${randomUUID()}` });
  expect(replied.status, replied.text).toBe(200);
  return async () => {
    expect((await api('POST', `/api/escalations/${escalation.escalationId}/resolve`, agent, { note: 'done' })).status).toBe(200);
  };
}

describe('SMS', () => {
  it('answers by SMS, hands off, and the agent reply goes out by SMS; duplicates and bad signatures record nothing', async () => {
    const inbound = { messageId: 'gw-1001', from: '+86 139 0013 9002', text: 'How long does delivery to Tibet take?' };
    const unsigned = await fetch(`${system.api.url}/api/channels/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inbound) });
    expect(unsigned.status).toBe(401);
    const forged = await signedPost('/api/channels/sms/inbound', 'not-the-secret-at-all', inbound);
    expect(forged.status).toBe(401);
    expect(forged.json.error?.code).toBe('signature_mismatch');
    const stale = await signedPost('/api/channels/sms/inbound', SMS_SECRET, inbound, (h) => {
      h['x-loopdesk-timestamp'] = String(Math.floor(Date.now() / 1000) - 3600);
    });
    expect(stale.json.error?.code).toBe('signature_stale');
    const malformed = await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-x', from: '+8613900139002' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error?.message).toContain('body.text');
    expect(await system.db.models.ChannelMessage.countDocuments({})).toBe(0);

    const taken = await signedPost('/api/channels/sms/inbound', SMS_SECRET, inbound);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.json).toMatchObject({ customerId: 'c-1002', duplicate: false });
    const conversationId = taken.json.conversationId as string;
    const answer = await eventually(() => sms.sent.find((m) => m.to === '13900139002'), 'the bot answer by SMS');
    expect(answer.signatureOk).toBe(true);
    const rows = await transcript(conversationId);
    expect(rows?.find((r) => r.role === 'bot')?.text).toBe(answer.text);

    const again = await signedPost('/api/channels/sms/inbound', SMS_SECRET, inbound);
    expect(again.json).toMatchObject({ duplicate: true, conversationId });
    expect(await system.db.models.ChannelMessage.countDocuments({ channel: 'sms', direction: 'inbound' })).toBe(1);
    expect((await transcript(conversationId))?.filter((r) => r.role === 'customer')).toHaveLength(1);
    expect(await system.db.models.Delivery.countDocuments({ conversationId, idempotencyKey: mongoose.trusted({ $regex: '^reply:' }) })).toBe(1);

    const receipt = await signedPost('/api/channels/sms/status', SMS_SECRET, { messageId: answer.id, status: 'delivered' });
    expect(receipt.status, receipt.text).toBe(200);
    expect((await system.db.models.Delivery.findOne({ providerMessageId: answer.id }).lean())?.status).toBe('delivered');
    expect((await signedPost('/api/channels/sms/status', SMS_SECRET, { messageId: 'nope', status: 'delivered' })).status).toBe(404);

    await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-1002', from: '13900139002', text: 'I want to speak to a human' });
    const resolve = await agentReplies(conversationId, 'Hi, this is Li from the service desk. Tibet takes 7-10 days.');
    await eventually(() => sms.sent.find((m) => m.to === '13900139002' && m.text.includes('this is Li')), 'the agent reply by SMS');
    await resolve();
  });

  it('creates a profile for an unknown number, and retries a gateway that is briefly down', async () => {
    sms.failNext('18612345678', 2);
    const taken = await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-2001', from: '+8618612345678', text: '你们的退货政策是什么?' });
    expect(taken.status, taken.text).toBe(200);
    const customer = await system.db.models.Customer.findOne({ customerId: taken.json.customerId as string }).lean();
    expect(customer?.phone).toBe('18612345678');
    await eventually(() => sms.sent.find((m) => m.to === '18612345678'), 'the answer after the gateway recovers');
    const row = await eventually(async () => {
      const r = await system.db.models.Delivery.findOne({ conversationId: taken.json.conversationId as string }).lean();
      return r?.status === 'sent' ? r : undefined;
    }, 'the row marked sent');
    expect(row.attempts).toBe(3);
    expect(sms.sent.filter((m) => m.to === '18612345678')).toHaveLength(1);
  });

  it('falls back to e-mail when the SMS gateway refuses the number', async () => {
    sms.refuse('13700137003');
    const taken = await signedPost('/api/channels/sms/inbound', SMS_SECRET, { messageId: 'gw-3001', from: '13700137003', text: 'How long does delivery to Tibet take?' });
    expect(taken.json.customerId).toBe('c-1003');
    const mail = await eventually(() => sink.mails.find((m) => m.to.includes('emily.chen@example.com')), 'the fallback e-mail');
    const failed = await system.db.models.Delivery.findOne({ conversationId: taken.json.conversationId as string, channel: 'sms' }).lean();
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'rejected_400' });
    const fallback = await system.db.models.Delivery.findOne({ fallbackOf: failed?.idempotencyKey }).lean();
    expect(fallback).toMatchObject({ channel: 'email', status: 'sent', triedChannels: ['sms', 'email'] });
    expect(mail.text.trim()).toBe(failed?.text.trim());
  });
});

describe('marketing sends', () => {
  it('respect consent, do-not-contact and quiet hours', async () => {
    await system.db.models.Customer.updateOne({ customerId: 'c-1012' }, { $set: { doNotContact: true } });
    const base = { channel: 'sms', purpose: 'marketing', text: '会员日全场9折', status: 'queued' as const };
    await system.db.models.Delivery.create([
      { ...base, idempotencyKey: 'mkt:no-consent', customerId: 'c-1009', to: '13300133009' },
      { ...base, idempotencyKey: 'mkt:dnc', customerId: 'c-1012', to: '15000150012' },
      { ...base, idempotencyKey: 'mkt:quiet', customerId: 'c-1011', to: '13100131011' },
    ]);
    const settled = await eventually(async () => {
      const rows = await system.db.models.Delivery.find({ idempotencyKey: mongoose.trusted({ $in: ['mkt:no-consent', 'mkt:dnc', 'mkt:quiet'] }) }).lean();
      const quiet = rows.find((r) => r.idempotencyKey === 'mkt:quiet');
      return rows.filter((r) => r.status === 'failed').length === 2 && quiet?.notBefore && quiet.notBefore.getTime() > Date.now() + 30 * 60_000 ? rows : undefined;
    }, 'the marketing rows to be settled');
    expect(settled.find((r) => r.idempotencyKey === 'mkt:no-consent')?.failureReason).toBe('no_consent');
    expect(settled.find((r) => r.idempotencyKey === 'mkt:dnc')?.failureReason).toBe('do_not_contact');
    expect(settled.find((r) => r.idempotencyKey === 'mkt:quiet')?.status).toBe('queued');
    expect(sms.sent.filter((m) => ['13300133009', '15000150012', '13100131011'].includes(m.to))).toEqual([]);
  });
});

describe('app webhook', () => {
  it('answers through the webhook, hands off, and delivers the agent reply; bad signatures record nothing', async () => {
    const message = { messageId: 'app-msg-1', userId: 'app-user-77', displayName: 'Lin', text: 'How long does delivery to Tibet take?' };
    expect((await signedPost('/api/channels/app/messages', 'wrong-secret-wrong-secret', message)).status).toBe(401);
    expect(await system.db.models.ChannelMessage.countDocuments({ channel: 'app' })).toBe(0);
    const taken = await signedPost('/api/channels/app/messages', APP_SECRET, message);
    expect(taken.status, taken.text).toBe(200);
    const customer = await system.db.models.Customer.findOne({ customerId: taken.json.customerId as string }).lean();
    expect(customer).toMatchObject({ name: 'Lin', appUserIds: ['app-user-77'] });
    const answer = await eventually(() => appBackend.received.find((m) => m.userId === 'app-user-77'), 'the answer at the app backend');
    expect(answer.conversationId).toBe(taken.json.conversationId);
    expect((await signedPost('/api/channels/app/messages', APP_SECRET, message)).json.duplicate).toBe(true);

    await signedPost('/api/channels/app/messages', APP_SECRET, { ...message, messageId: 'app-msg-2', text: '转人工' });
    const resolve = await agentReplies(taken.json.conversationId as string, '您好,我是李客服,请问有什么可以帮您?');
    await eventually(() => appBackend.received.find((m) => m.text.includes('我是李客服')), 'the agent reply at the app backend');
    await resolve();
  });
});

describe('WeChat Official Account', () => {
  const signedQuery = (extra: Record<string, string> = {}) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomUUID().slice(0, 8);
    return new URLSearchParams({ timestamp, nonce, signature: wechatSignature(WECHAT_TOKEN, timestamp, nonce), ...extra }).toString();
  };
  const push = (xml: string, query = signedQuery()) => fetch(`${system.api.url}/api/channels/wechat?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
  const textXml = (openId: string, msgId: string, content: string) =>
    `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;

  it('passes the URL check only with a good signature', async () => {
    const ok = await fetch(`${system.api.url}/api/channels/wechat?${signedQuery({ echostr: 'echo-123' })}`);
    expect(await ok.text()).toBe('echo-123');
    const bad = await fetch(`${system.api.url}/api/channels/wechat?timestamp=1&nonce=2&signature=${'0'.repeat(40)}&echostr=x`);
    expect(bad.status).toBe(401);
  });

  it('answers passively, hands off, and the agent reply goes through the customer-service API', async () => {
    expect((await push(textXml('o-wx-1001', '9001', 'hi'), 'timestamp=1&nonce=2&signature=bad')).status).toBe(401);
    expect((await push('<xml><MsgType>text</MsgType>', signedQuery())).status).toBe(400);
    expect(await system.db.models.ChannelMessage.countDocuments({ channel: 'wechat' })).toBe(0);

    const started = Date.now();
    const passive = await push(textXml('o-wx-1001', '9002', 'How long does delivery to Tibet take?'));
    const xml = await passive.text();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(passive.headers.get('content-type')).toContain('application/xml');
    expect(xml).toContain('<ToUserName><![CDATA[o-wx-1001]]></ToUserName>');
    const conversationId = 'wechat-c-1001';
    const bot = (await transcript(conversationId))?.find((r) => r.role === 'bot');
    expect(xml).toContain(bot?.text.slice(0, 10));
    const row = await system.db.models.Delivery.findOne({ conversationId, idempotencyKey: mongoose.trusted({ $regex: '^reply:' }) }).lean();
    expect(row?.providerMessageId).toMatch(/^wechat-passive:/);

    expect(await (await push(textXml('o-wx-1001', '9002', 'How long does delivery to Tibet take?'))).text()).toBe('success');
    expect((await transcript(conversationId))?.filter((r) => r.role === 'customer')).toHaveLength(1);

    await push(textXml('o-wx-1001', '9003', '转人工'));
    const resolve = await agentReplies(conversationId, '您好,我是李客服。');
    const sent = await eventually(() => wechatApi.sent.find((m) => m.content.includes('我是李客服')), 'the agent reply through the customer-service API');
    expect(sent.touser).toBe('o-wx-1001');
    expect(wechatApi.sent.filter((m) => m.content === row?.text)).toEqual([]);

    wechatApi.revokeTokens();
    await resolve();
    await eventually(() => wechatApi.sent.find((m) => m.token !== sent.token), 'a message sent with a refreshed token');
    expect(wechatApi.issued.length).toBe(2);
  });

  it('welcomes a new follower and records an unfollow', async () => {
    const event = (name: string) =>
      `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[o-wx-new-1]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event></xml>`;
    expect(await (await push(event('subscribe'))).text()).toContain('Welcome');
    const customer = await system.db.models.Customer.findOne({ wechatOpenId: 'o-wx-new-1' }).lean();
    expect(customer).toBeTruthy();
    expect(await (await push(event('unsubscribe'))).text()).toBe('success');
  });
});

describe('e-mail', () => {
  it('threads by Message-ID, answers by e-mail, hands off, and the agent reply is e-mailed in the thread', async () => {
    const port = system.api.smtpPort;
    expect(port).toBeGreaterThan(0);
    const customerMail = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await customerMail.sendMail({ from: 'Sophie Wang <Sophie.Wang@example.com>', to: 'support@shop.example', subject: 'Delivery to Tibet', text: 'How long does delivery to Tibet take?', messageId: '<first-1@example.com>' });
    const answer = await eventually(() => sink.mails.find((m) => m.inReplyTo === '<first-1@example.com>'), 'the answer by e-mail');
    expect(answer).toMatchObject({ to: ['sophie.wang@example.com'], subject: 'Re: Delivery to Tibet' });
    const inbound = await system.db.models.ChannelMessage.findOne({ providerMessageId: '<first-1@example.com>' }).lean();
    expect(inbound?.customerId).toBe('c-1008');

    await customerMail.sendMail({ from: 'sophie.wang@example.com', to: 'support@shop.example', subject: 'Delivery to Tibet', text: 'How long does delivery to Tibet take?', messageId: '<first-1@example.com>' });
    await customerMail.sendMail({
      from: 'sophie.wang@example.com',
      to: 'support@shop.example',
      subject: 'Re: Delivery to Tibet',
      text: 'I want to speak to a human please\n\nOn Mon, Loopdesk wrote:\n> earlier answer',
      messageId: '<second-2@example.com>',
      inReplyTo: answer.messageId,
      references: ['<first-1@example.com>', answer.messageId],
    });
    const conversationId = inbound!.conversationId!;
    const resolve = await agentReplies(conversationId, 'Hello Sophie, Li here. I will check your delivery.');
    const agentMail = await eventually(() => sink.mails.find((m) => m.text.includes('Li here')), 'the agent reply by e-mail');
    expect(agentMail.inReplyTo).toBe('<second-2@example.com>');
    const customerTurns = (await transcript(conversationId))?.filter((r) => r.role === 'customer').map((r) => r.text);
    expect(customerTurns).toEqual(['How long does delivery to Tibet take?', 'I want to speak to a human please']);
    await resolve();
    customerMail.close();
  });
});

describe('phone transcripts', () => {
  it('become a phone conversation the bot answers into and the desk works, with the call agent shown and nothing sent', async () => {
    const transcriptBody = {
      callId: 'call-42',
      from: '+8613800138001',
      turns: [
        { speaker: 'agent', text: '您好,这里是客服中心。' },
        { speaker: 'customer', text: '几天内可以无理由退货?' },
        { speaker: 'agent', text: '好的,我帮您查一下。' },
        { speaker: 'customer', text: '转人工' },
      ],
    };
    expect((await signedPost('/api/channels/phone/transcripts', 'wrong-secret-wrong-secret', transcriptBody)).status).toBe(401);
    expect((await signedPost('/api/channels/phone/transcripts', PHONE_SECRET, { ...transcriptBody, turns: [] })).status).toBe(400);
    const taken = await signedPost('/api/channels/phone/transcripts', PHONE_SECRET, transcriptBody);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.json).toMatchObject({ customerId: 'c-1001', customerTurns: 2, agentTurns: 2, duplicates: 0 });
    expect((await signedPost('/api/channels/phone/transcripts', PHONE_SECRET, transcriptBody)).json.duplicates).toBe(2);
    const conversationId = taken.json.conversationId as string;
    const resolve = await agentReplies(conversationId, '王先生您好,我来跟进退货。');
    const rows = await eventually(async () => {
      const t = await transcript(conversationId);
      return t?.some((r) => r.role === 'agent') ? t : undefined;
    }, 'the agent reply in the call transcript');
    expect(rows.filter((r) => r.role === 'customer').map((r) => r.text)).toEqual(['几天内可以无理由退货?', '转人工']);
    expect(rows.some((r) => r.role === 'bot')).toBe(true);
    // The call agent's lines are in the transcript once each (the transcript was delivered twice), in their places among the caller's.
    const at = (text: string) => rows.findIndex((r) => r.text === text);
    expect(rows.filter((r) => r.role === 'agent').map((r) => r.text).slice(0, 2)).toEqual(['您好,这里是客服中心。', '好的,我帮您查一下。']);
    expect(at('您好,这里是客服中心。')).toBeLessThan(at('几天内可以无理由退货?'));
    expect(at('好的,我帮您查一下。')).toBeGreaterThan(at('几天内可以无理由退货?'));
    expect(at('好的,我帮您查一下。')).toBeLessThan(at('转人工'));
    // The bot answered the caller only: each of its lines follows a caller's line.
    rows.forEach((r, i) => {
      if (r.role === 'bot') expect(rows[i - 1]?.role, `before "${r.text}"`).toBe('customer');
    });
    expect(await system.db.models.Delivery.countDocuments({ conversationId })).toBe(0);
    await resolve();
  });
});
