import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../activities/db/models';
import { startApi, type RunningApi } from '../../api/server';
import { wechatSignature } from '../../domain/channels/signatures';
import { createWechatCipher, decodeEncodingAesKey, decryptWechatMessage, wechatMessageSignature } from '../../domain/channels/wechat-crypto';
import { startFakeWechatApi } from '../helpers/fake-channel-peers';
import { http, isolatedMongoUri, silentLog, startTestSystem, testConfig, type TestSystem } from '../helpers/stack';

/**
 * WeChat's encrypted message mode (安全模式) and compatible mode (兼容模式) through the running system:
 * the test plays WeChat, encrypting what it pushes with the account's EncodingAESKey and signing it
 * with msg_signature, and opens the encrypted passive replies it gets back.
 */

const WECHAT_TOKEN = 'wxenctoken';
const APP_ID = 'wx-enc-app';
const ENCODING_AES_KEY = 'F5vH4zDQVN358OadvKmUOFBBkD0kNL6Qf/Z6k1+l4mY';

/** WeChat's side of the account: it encrypts with the same key for the same AppID. */
const wechat = createWechatCipher({ token: WECHAT_TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });

let system: TestSystem;
let wechatApi: Awaited<ReturnType<typeof startFakeWechatApi>>;

beforeAll(async () => {
  wechatApi = await startFakeWechatApi({ appId: APP_ID, appSecret: 'wx-enc-secret' });
  system = await startTestSystem('wechat-encrypted', {
    WECHAT_TOKEN,
    WECHAT_APP_ID: APP_ID,
    WECHAT_APP_SECRET: 'wx-enc-secret',
    WECHAT_ENCODING_AES_KEY: ENCODING_AES_KEY,
    WECHAT_API_BASE: wechatApi.url,
    OUTBOX_POLL_INTERVAL: '500ms',
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await wechatApi?.close();
});

const xmlParser = new XMLParser({ parseTagValue: false, trimValues: true, processEntities: false });
const xmlOf = (text: string) => (xmlParser.parse(text) as { xml: Record<string, string> }).xml;

const now = () => String(Math.floor(Date.now() / 1000));

const textXml = (openId: string, msgId: string, content: string) =>
  `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;

/** What WeChat sends in 安全模式: the message only inside <Encrypt>, and msg_signature over it in the query. */
function encryptedPush(inner: string, opts: { cipher?: typeof wechat; signWith?: string; extraBody?: string } = {}) {
  const sealed = (opts.cipher ?? wechat).seal(inner);
  const msgSignature = opts.signWith ? wechatMessageSignature(opts.signWith, sealed.timestamp, sealed.nonce, sealed.encrypted) : sealed.msgSignature;
  const query = new URLSearchParams({
    signature: wechatSignature(WECHAT_TOKEN, sealed.timestamp, sealed.nonce),
    timestamp: sealed.timestamp,
    nonce: sealed.nonce,
    encrypt_type: 'aes',
    msg_signature: msgSignature,
  }).toString();
  const body = `<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName>${opts.extraBody ?? ''}<Encrypt><![CDATA[${sealed.encrypted}]]></Encrypt></xml>`;
  return { query, body };
}

async function post(base: string, push: { query: string; body: string }) {
  const response = await fetch(`${base}/api/channels/wechat?${push.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: push.body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** Opens an encrypted passive reply as WeChat would: MsgSignature first, then the ciphertext and its AppID. */
function openReply(text: string) {
  const envelope = xmlOf(text);
  const encrypted = envelope.Encrypt ?? '';
  expect(envelope.MsgSignature).toBe(wechatMessageSignature(WECHAT_TOKEN, envelope.TimeStamp ?? '', envelope.Nonce ?? '', encrypted));
  const opened = decryptWechatMessage(decodeEncodingAesKey(ENCODING_AES_KEY), encrypted);
  expect(opened.appId).toBe(APP_ID);
  return xmlOf(opened.message);
}

const inboundCount = (openId: string) => system.db.models.ChannelMessage.countDocuments({ channel: 'wechat', direction: 'inbound', identity: openId });

async function customerTurns(openId: string) {
  const row = await system.db.models.ChannelMessage.findOne({ channel: 'wechat', direction: 'inbound', identity: openId }).lean();
  const conversation = await http(system.api.url, 'GET', `/api/conversations/${row?.conversationId}`, { token: await system.token('ops') });
  return (conversation.json.transcript as Array<{ role: string; text: string }>).filter((r) => r.role !== 'agent');
}

describe('WeChat encrypted mode', () => {
  it('passes the URL check by decrypting echostr, and refuses a forged or foreign one', async () => {
    const urlCheck = (echostr: string, msgSignature: string, timestamp: string, nonce: string, raw = false) => {
      const encoded = raw ? echostr : encodeURIComponent(echostr);
      return fetch(`${system.api.url}/api/channels/wechat?timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes&msg_signature=${msgSignature}&echostr=${encoded}`);
    };
    const sealed = wechat.seal('echo-4711');
    const ok = await urlCheck(sealed.encrypted, sealed.msgSignature, sealed.timestamp, sealed.nonce);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('echo-4711');

    // WeChat may leave base64's "+" unescaped, so it arrives as a space: find a ciphertext holding one.
    let withPlus = wechat.seal('echo-plus');
    while (!withPlus.encrypted.includes('+')) withPlus = wechat.seal('echo-plus');
    expect(await (await urlCheck(withPlus.encrypted, withPlus.msgSignature, withPlus.timestamp, withPlus.nonce, true)).text()).toBe('echo-plus');

    const forged = await urlCheck(sealed.encrypted, wechatMessageSignature('nottheToken', sealed.timestamp, sealed.nonce, sealed.encrypted), sealed.timestamp, sealed.nonce);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('signature_mismatch');

    const foreign = createWechatCipher({ token: WECHAT_TOKEN, appId: 'wx-someone-else', encodingAesKey: ENCODING_AES_KEY }).seal('echo-foreign');
    const refused = await urlCheck(foreign.encrypted, foreign.msgSignature, foreign.timestamp, foreign.nonce);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('WECHAT_APP_ID');
  });

  it('answers an encrypted text message with an encrypted passive reply, and a redelivery once', async () => {
    const openId = 'o-wx-enc-1';
    const push = encryptedPush(textXml(openId, '7001', 'How long does delivery to Tibet take?'));
    const first = await post(system.api.url, push);
    expect(first.status, first.text).toBe(200);
    expect(first.type).toContain('application/xml');
    expect(first.text).not.toContain(openId);
    const reply = openReply(first.text);
    expect(reply).toMatchObject({ ToUserName: openId, FromUserName: 'gh_loopdesk', MsgType: 'text' });
    const turns = await customerTurns(openId);
    expect(turns.map((r) => r.role)).toEqual(['customer', 'bot']);
    expect(turns[0]?.text).toBe('How long does delivery to Tibet take?');
    expect(reply.Content).toBe(turns[1]?.text);

    // WeChat retries a push it got no answer to: the same request again, and the same message encrypted anew.
    const again = await post(system.api.url, push);
    expect(again).toMatchObject({ status: 200, text: 'success' });
    const reencrypted = await post(system.api.url, encryptedPush(textXml(openId, '7001', 'How long does delivery to Tibet take?')));
    expect(reencrypted).toMatchObject({ status: 200, text: 'success' });
    expect(await inboundCount(openId)).toBe(1);
    expect((await customerTurns(openId)).filter((r) => r.role === 'customer')).toHaveLength(1);
    const conversationId = (await system.db.models.ChannelMessage.findOne({ identity: openId }).lean())?.conversationId;
    expect(await system.db.models.Delivery.countDocuments({ conversationId, idempotencyKey: mongoose.trusted({ $regex: '^reply:' }) })).toBe(1);
  });

  it('refuses a forged msg_signature, another AppID, another key and a body without <Encrypt>, recording nothing', async () => {
    const openId = 'o-wx-enc-forged';
    const inner = textXml(openId, '7101', 'I want a refund');
    const forged = await post(system.api.url, encryptedPush(inner, { signWith: 'nottheToken' }));
    expect(forged.status).toBe(401);
    expect(forged.text).toContain('msg_signature');
    const tampered = encryptedPush(inner);
    const altered = { ...tampered, body: tampered.body.replace(/<Encrypt><!\[CDATA\[(.)/, (_all, c: string) => `<Encrypt><![CDATA[${c === 'A' ? 'B' : 'A'}`) };
    expect((await post(system.api.url, altered)).status).toBe(401);

    const foreignApp = createWechatCipher({ token: WECHAT_TOKEN, appId: 'wx-someone-else', encodingAesKey: ENCODING_AES_KEY });
    const foreign = await post(system.api.url, encryptedPush(inner, { cipher: foreignApp }));
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text)).toMatchObject({ error: { code: 'app_id_mismatch' } });

    const otherKey = createWechatCipher({ token: WECHAT_TOKEN, appId: APP_ID, encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq' });
    const undecryptable = await post(system.api.url, encryptedPush(inner, { cipher: otherKey }));
    expect(undecryptable.status).toBe(400);
    expect(JSON.parse(undecryptable.text)).toMatchObject({ error: { code: 'undecryptable' } });
    expect(undecryptable.text).toContain('WECHAT_ENCODING_AES_KEY');

    const noEncrypt = encryptedPush(inner);
    expect((await post(system.api.url, { ...noEncrypt, body: inner })).text).toContain('needs <Encrypt>');

    expect(await inboundCount(openId)).toBe(0);
    expect(await system.db.models.Customer.countDocuments({ wechatOpenId: openId })).toBe(0);
  });

  it('still takes plaintext pushes in compatible mode, and answers them in plaintext', async () => {
    const openId = 'o-wx-compat-1';
    const timestamp = now();
    const nonce = randomUUID().slice(0, 8);
    const plainQuery = new URLSearchParams({ signature: wechatSignature(WECHAT_TOKEN, timestamp, nonce), timestamp, nonce }).toString();
    const plain = await post(system.api.url, { query: plainQuery, body: textXml(openId, '7201', 'What is your return policy?') });
    expect(plain.status, plain.text).toBe(200);
    expect(plain.text).toContain(`<ToUserName><![CDATA[${openId}]]></ToUserName>`);
    expect(plain.text).not.toContain('<Encrypt>');
    expect((await post(system.api.url, { query: 'timestamp=1&nonce=2&signature=bad', body: textXml(openId, '7202', 'hi') })).status).toBe(401);

    // Compatible mode with encrypt_type=aes carries the plaintext fields beside <Encrypt>: only the signed ciphertext counts.
    const decoy = '<FromUserName><![CDATA[o-wx-decoy]]></FromUserName><Content><![CDATA[decoy]]></Content>';
    const both = await post(system.api.url, encryptedPush(textXml(openId, '7203', 'How long does delivery to Tibet take?'), { extraBody: decoy }));
    expect(openReply(both.text).ToUserName).toBe(openId);
    expect((await customerTurns(openId)).filter((r) => r.role === 'customer').map((r) => r.text)).toEqual(['What is your return policy?', 'How long does delivery to Tibet take?']);
    expect(await inboundCount('o-wx-decoy')).toBe(0);
  });
});

describe('WeChat routes in the OpenAPI document', () => {
  it('describe the query parameters of both modes', async () => {
    const doc = (await http(system.api.url, 'GET', '/openapi.json')).json as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; description?: string }>; summary: string }>> };
    const route = doc.paths['/api/channels/wechat'];
    for (const method of ['get', 'post'] as const) {
      const parameters = new Map(route?.[method]?.parameters?.map((p) => [p.name, p.description ?? '']));
      expect(parameters.get('encrypt_type')).toContain('WECHAT_ENCODING_AES_KEY');
      expect(parameters.get('msg_signature')).toContain('SHA-1');
      expect(parameters.get('signature')).toContain('SHA-1');
      expect(route?.[method]?.summary).toContain('encrypt_type=aes');
    }
  });
});

describe('WeChat without WECHAT_ENCODING_AES_KEY', () => {
  let api: RunningApi | undefined;
  const mongoUri = isolatedMongoUri('wechat-no-key');

  beforeAll(async () => {
    const config = testConfig({ WECHAT_TOKEN, WECHAT_APP_ID: APP_ID, LOOPDESK_SEED_DEMO: 'false', SMTP_INBOUND_ENABLED: 'false' });
    api = await startApi(config, { temporalAddress: inject('temporalAddress'), mongoUri }, { log: silentLog });
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    const db = await connectDatabase(mongoUri);
    await db.connection.dropDatabase();
    await db.close();
  });

  it('answers an encrypted request with 400 naming the missing key', async () => {
    const base = api?.url ?? '';
    const refused = await post(base, encryptedPush(textXml('o-wx-enc-nokey', '7301', 'hello')));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'encryption_not_configured' } });
    expect(refused.text).toContain('WECHAT_ENCODING_AES_KEY is not configured');
    const sealed = wechat.seal('echo');
    const urlCheck = await fetch(`${base}/api/channels/wechat?timestamp=${sealed.timestamp}&nonce=${sealed.nonce}&encrypt_type=aes&msg_signature=${sealed.msgSignature}&echostr=${encodeURIComponent(sealed.encrypted)}`);
    expect(urlCheck.status).toBe(400);
    const timestamp = now();
    const plain = await fetch(`${base}/api/channels/wechat?timestamp=${timestamp}&nonce=n1&signature=${wechatSignature(WECHAT_TOKEN, timestamp, 'n1')}&echostr=plain-echo`);
    expect(await plain.text()).toBe('plain-echo');
  });
});
