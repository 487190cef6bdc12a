import { XMLParser } from 'fast-xml-parser';
import { PermanentSendError, SEND_TIMEOUT_MS, type SendResult } from './errors';

/**
 * WeChat Official Account. Inbound: XML pushed to the server URL (text messages and
 * subscribe/unsubscribe events), in plaintext or, in 安全模式/兼容模式, wrapped in an <Encrypt>
 * envelope (domain/channels/wechat-crypto.ts opens and seals it). Outbound: the passive reply in the
 * HTTP response (within WeChat's 5-second limit) or, later, the customer-service message API with a
 * cached access token.
 */

export type WechatInbound =
  | { kind: 'text'; toUser: string; fromUser: string; createTime: number; msgId: string; content: string }
  | { kind: 'event'; toUser: string; fromUser: string; createTime: number; event: 'subscribe' | 'unsubscribe' }
  | { kind: 'unsupported'; toUser: string; fromUser: string; createTime: number; msgType: string; msgId?: string };

export class WechatPayloadError extends Error {
  override name = 'WechatPayloadError';
}

const parser = new XMLParser({ parseTagValue: false, trimValues: true, processEntities: false, ignoreDeclaration: true });

const field = (xml: Record<string, unknown>, name: string): string | undefined => {
  const value = xml[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

/** The children of the <xml> root; throws WechatPayloadError when the body is not such a document. */
function xmlFields(body: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch (error) {
    throw new WechatPayloadError(`the body is not well-formed XML (${error instanceof Error ? error.message.split('\n')[0] : 'parse error'})`);
  }
  const xml = (doc as { xml?: unknown } | undefined)?.xml;
  if (!xml || typeof xml !== 'object') throw new WechatPayloadError('the body must be an <xml> message');
  return xml as Record<string, unknown>;
}

/** Parses one pushed message; throws WechatPayloadError naming what is missing or malformed. */
export function parseWechatXml(body: string): WechatInbound {
  const x = xmlFields(body);
  const toUser = field(x, 'ToUserName');
  const fromUser = field(x, 'FromUserName');
  const createTime = Number(field(x, 'CreateTime'));
  const msgType = field(x, 'MsgType');
  if (!toUser || !fromUser || !msgType || !Number.isInteger(createTime)) throw new WechatPayloadError('ToUserName, FromUserName, CreateTime and MsgType are required');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(fromUser)) throw new WechatPayloadError('FromUserName is not an openid');
  const base = { toUser, fromUser, createTime };
  if (msgType === 'text') {
    const msgId = field(x, 'MsgId');
    const content = field(x, 'Content') ?? '';
    if (!msgId || !/^\d{1,32}$/.test(msgId)) throw new WechatPayloadError('a text message needs a numeric MsgId');
    if (!content.trim()) throw new WechatPayloadError('a text message needs Content');
    return { kind: 'text', ...base, msgId, content };
  }
  if (msgType === 'event') {
    const event = field(x, 'Event')?.toLowerCase();
    if (event === 'subscribe' || event === 'unsubscribe') return { kind: 'event', ...base, event };
    return { kind: 'unsupported', ...base, msgType: `event:${event ?? '?'}` };
  }
  const msgId = field(x, 'MsgId');
  return { kind: 'unsupported', ...base, msgType, ...(msgId ? { msgId } : {}) };
}

/** CDATA cannot hold "]]>": split it across two sections. */
const cdata = (text: string) => `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** A passive text reply, sent as the HTTP response to the pushed message. */
export function passiveTextReply(input: { toUser: string; fromUser: string; content: string; now?: Date }): string {
  const createTime = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return `<xml><ToUserName>${cdata(input.toUser)}</ToUserName><FromUserName>${cdata(input.fromUser)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(input.content)}</Content></xml>`;
}

/**
 * The ciphertext of an encrypted push: <xml><ToUserName/><Encrypt/></xml>. In compatible mode the
 * plaintext fields travel beside it; only the ciphertext, covered by msg_signature, is trusted.
 */
export function parseWechatEnvelope(body: string): string {
  const encrypted = field(xmlFields(body), 'Encrypt');
  if (!encrypted) throw new WechatPayloadError('an encrypted message (encrypt_type=aes) needs <Encrypt>');
  return encrypted;
}

/** The envelope of an encrypted passive reply, laid out as WeChat's samples lay it out. */
export function encryptedReply(sealed: { encrypted: string; msgSignature: string; timestamp: string; nonce: string }): string {
  return `<xml><Encrypt>${cdata(sealed.encrypted)}</Encrypt><MsgSignature>${cdata(sealed.msgSignature)}</MsgSignature><TimeStamp>${sealed.timestamp}</TimeStamp><Nonce>${cdata(sealed.nonce)}</Nonce></xml>`;
}

/** Error codes meaning the access token is no longer good: fetch a new one and try once more. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);
/** Codes that will not change on a retry (outside the 48-hour window, unsubscribed, bad openid …). */
const PERMANENT_ERRORS = new Set([40003, 43004, 45015, 45047, 48001]);
const TOKEN_EARLY_REFRESH_MS = 5 * 60_000;

interface WechatApiAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  msgid?: number | string;
}

/** The customer-service message API, with the access token cached until shortly before it expires. */
export function createWechatClient(settings: { apiBase: string; appId?: string; appSecret?: string }, now: () => number = Date.now) {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function call(url: URL, init?: RequestInit): Promise<WechatApiAnswer> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the WeChat API answered HTTP ${response.status}`);
    return (await response.json()) as WechatApiAnswer;
  }

  async function fetchToken(): Promise<string> {
    const url = new URL('cgi-bin/token', settings.apiBase.endsWith('/') ? settings.apiBase : `${settings.apiBase}/`);
    url.search = new URLSearchParams({ grant_type: 'client_credential', appid: settings.appId ?? '', secret: settings.appSecret ?? '' }).toString();
    const answer = await call(url);
    if (!answer.access_token) {
      const message = `the WeChat token endpoint refused: ${answer.errcode ?? '?'} ${answer.errmsg ?? ''}`;
      if (answer.errcode === 40013 || answer.errcode === 40125) throw new PermanentSendError(message, 'wechat_credentials');
      throw new Error(message);
    }
    cached = { token: answer.access_token, expiresAt: now() + (answer.expires_in ?? 7200) * 1000 - TOKEN_EARLY_REFRESH_MS };
    return answer.access_token;
  }

  /** One refresh at a time: concurrent sends share it. */
  function accessToken(): Promise<string> {
    if (cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function sendWith(token: string, message: { to: string; text: string }): Promise<WechatApiAnswer> {
    const url = new URL('cgi-bin/message/custom/send', settings.apiBase.endsWith('/') ? settings.apiBase : `${settings.apiBase}/`);
    url.search = new URLSearchParams({ access_token: token }).toString();
    return call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ touser: message.to, msgtype: 'text', text: { content: message.text } }),
    });
  }

  return {
    async send(message: { to: string; text: string; idempotencyKey: string }): Promise<SendResult> {
      if (!settings.appId || !settings.appSecret) throw new PermanentSendError('WeChat is not configured (WECHAT_APP_ID, WECHAT_APP_SECRET)', 'channel_not_configured');
      let answer = await sendWith(await accessToken(), message);
      if (answer.errcode && TOKEN_ERRORS.has(answer.errcode)) {
        cached = undefined;
        answer = await sendWith(await accessToken(), message);
      }
      if (answer.errcode) {
        const text = `WeChat refused the message: ${answer.errcode} ${answer.errmsg ?? ''}`;
        if (PERMANENT_ERRORS.has(answer.errcode)) throw new PermanentSendError(text, `wechat_${answer.errcode}`);
        throw new Error(text);
      }
      return { providerMessageId: answer.msgid !== undefined ? String(answer.msgid) : `wechat:${message.idempotencyKey}` };
    },
  };
}
