import type { Request } from 'express';
import { z } from 'zod';
import { encryptedReply, parseWechatEnvelope, parseWechatXml, passiveTextReply, WechatPayloadError } from '../../activities/channels/wechat';
import { MAX_MESSAGE_LENGTH } from '../../domain/conversation';
import { callConversationId, type InboundMessage } from '../../domain/channels/message';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignatureProblem, wechatSignatureValid } from '../../domain/channels/signatures';
import type { ChannelSettings } from '../../domain/channels/settings';
import { createWechatCipher, WechatCryptoError, type WechatCipher } from '../../domain/channels/wechat-crypto';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import { parseRequest } from '../validation';
import type { ChannelService } from '../services/channels';

/** WeChat drops a passive reply that takes longer than 5 s; answer "success" before then and send it later. */
const WECHAT_PASSIVE_BUDGET_MS = 4_500;

const SIGNED = `Signed: "${TIMESTAMP_HEADER}: <unix seconds>" and "${SIGNATURE_HEADER}: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>"; a bad or stale signature gets 401 and nothing is recorded.`;

const text = z
  .string()
  .max(MAX_MESSAGE_LENGTH, `text must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine((t) => t.trim().length > 0, 'text must not be empty');
const providerId = z.string().regex(/^[A-Za-z0-9_.:@<>+=-]{1,200}$/, 'use 1-200 letters, digits or "_.:@<>+=-"');
const attachments = z
  .array(z.strictObject({ name: z.string().min(1).max(200), contentType: z.string().min(1).max(100), size: z.number().int().min(0), url: z.url().optional() }))
  .max(10)
  .default([]);
const timestamp = z.iso.datetime({ offset: true }).optional();

const smsInbound = z.strictObject({
  messageId: providerId.describe("The gateway's id for the message; a second delivery with the same id is ignored"),
  from: z.string().min(3).max(32).describe('The sender, e.g. +8613800138001'),
  to: z.string().max(32).optional(),
  text,
  receivedAt: timestamp,
  attachments,
});
const smsStatus = z.strictObject({
  messageId: providerId.describe('The id the gateway gave when Loopdesk sent the message'),
  status: z.enum(['delivered', 'failed']),
  reason: z.string().max(200).optional(),
});
const appMessage = z.strictObject({
  messageId: providerId,
  userId: z.string().regex(/^[A-Za-z0-9_.:@+-]{1,128}$/, "the app's user id: 1-128 letters, digits or \"_.:@+-\""),
  displayName: z.string().max(100).optional(),
  text,
  sentAt: timestamp,
  attachments,
});
const phoneTranscript = z.strictObject({
  callId: providerId,
  from: z.string().min(3).max(32).describe("The caller's number"),
  startedAt: timestamp,
  turns: z
    .array(z.strictObject({ speaker: z.enum(['customer', 'agent']), text, at: timestamp }))
    .min(1, 'a transcript needs at least one turn')
    .max(200),
});
const wechatQuery = z.object({
  signature: z.string().max(64).optional().describe('Plaintext mode: SHA-1 of the sorted token, timestamp and nonce'),
  timestamp: z.string().max(16).optional().describe('Unix seconds, as WeChat sends them'),
  nonce: z.string().max(64).optional(),
  echostr: z.string().max(512).optional().describe('URL check only: answered as it came, or, with encrypt_type=aes, decrypted'),
  openid: z.string().max(128).optional(),
  encrypt_type: z.enum(['aes', 'raw'], 'encrypt_type must be "aes" or "raw"').optional().describe('"aes" in 安全模式 and 兼容模式: the body\'s <Encrypt> (or echostr) is encrypted and the passive reply is encrypted too; needs WECHAT_ENCODING_AES_KEY'),
  msg_signature: z.string().max(64).optional().describe('With encrypt_type=aes: SHA-1 of the sorted token, timestamp, nonce and <Encrypt> (or echostr)'),
});

const accepted = z.object({ conversationId: z.string(), customerId: z.string(), duplicate: z.boolean() });

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Checks the signature over the raw bytes first, then parses and validates the JSON. */
function verifiedJson<S extends z.ZodType>(req: Request, secret: string | undefined, channel: string, schema: S): z.output<S> {
  if (!secret) throw new HttpError(404, 'channel_not_configured', `The ${channel} channel is not configured on this server.`);
  const body = rawBody(req);
  const problem = webhookSignatureProblem(secret, { timestamp: req.get(TIMESTAMP_HEADER), signature: req.get(SIGNATURE_HEADER) }, body);
  if (problem === 'missing') throw new HttpError(401, 'signature_missing', `Sign the request: send the ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers.`);
  if (problem === 'stale') throw new HttpError(401, 'signature_stale', `${TIMESTAMP_HEADER} must be unix seconds within 5 minutes of now.`);
  if (problem) throw new HttpError(401, 'signature_mismatch', `${SIGNATURE_HEADER} does not match the body; sign the exact bytes sent with the ${channel} secret.`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  return parseRequest(schema, json, 'body');
}

const dateOr = (iso: string | undefined) => (iso ? new Date(iso) : new Date());

export function channelRoutes(table: RouteTable, deps: { channels: ChannelService; settings: ChannelSettings }): void {
  const { channels, settings } = deps;

  table.add({
    method: 'post',
    path: '/api/channels/sms/inbound',
    summary: "An SMS from a customer, pushed by the gateway; the bot's answer goes back by SMS",
    tags: ['channels'],
    access: { public: true },
    rawBody: { contentType: 'application/json', schema: smsInbound, description: SIGNED },
    responses: { 200: { description: 'Taken (or a redelivery, ignored)', schema: accepted }, 401: { description: 'Bad signature' } },
    handler: async ({ req }) => {
      const body = verifiedJson(req, settings.sms.signingSecret, 'sms', smsInbound);
      const outcome = await channels.receive({ channel: 'sms', identity: body.from, providerMessageId: body.messageId, text: body.text, attachments: body.attachments, receivedAt: dateOr(body.receivedAt) });
      return { body: { conversationId: outcome.conversationId, customerId: outcome.customerId, duplicate: outcome.duplicate } };
    },
  });

  table.add({
    method: 'post',
    path: '/api/channels/sms/status',
    summary: 'A delivery receipt from the SMS gateway; a failed service message falls back to another channel',
    tags: ['channels'],
    access: { public: true },
    rawBody: { contentType: 'application/json', schema: smsStatus, description: SIGNED },
    responses: { 200: { description: 'Recorded', schema: z.object({ messageId: z.string(), status: z.string() }) }, 401: { description: 'Bad signature' }, 404: { description: 'No such sent message' } },
    handler: async ({ req }) => {
      const body = verifiedJson(req, settings.sms.signingSecret, 'sms', smsStatus);
      await channels.receipt('sms', body.messageId, body.status, body.reason);
      return { body: { messageId: body.messageId, status: body.status } };
    },
  });

  table.add({
    method: 'post',
    path: '/api/channels/app/messages',
    summary: "A customer's message from an app (or any system) through the signed webhook; answers go to APP_WEBHOOK_URL",
    tags: ['channels'],
    access: { public: true },
    rawBody: { contentType: 'application/json', schema: appMessage, description: SIGNED },
    responses: { 200: { description: 'Taken (or a redelivery, ignored)', schema: accepted }, 401: { description: 'Bad signature' } },
    handler: async ({ req }) => {
      const body = verifiedJson(req, settings.app.secret, 'app', appMessage);
      const outcome = await channels.receive({
        channel: 'app',
        identity: body.userId,
        providerMessageId: body.messageId,
        text: body.text,
        attachments: body.attachments,
        receivedAt: dateOr(body.sentAt),
        ...(body.displayName ? { displayName: body.displayName } : {}),
      });
      return { body: { conversationId: outcome.conversationId, customerId: outcome.customerId, duplicate: outcome.duplicate } };
    },
  });

  table.add({
    method: 'post',
    path: '/api/channels/phone/transcripts',
    summary: "A call centre's transcript: the caller's turns become a phone conversation the bot and agents see, with the call agent's lines shown in it",
    tags: ['channels'],
    access: { public: true },
    rawBody: { contentType: 'application/json', schema: phoneTranscript, description: SIGNED },
    responses: { 200: { description: 'Ingested', schema: z.object({ conversationId: z.string(), customerId: z.string(), customerTurns: z.number().int(), agentTurns: z.number().int(), duplicates: z.number().int() }) }, 401: { description: 'Bad signature' } },
    handler: async ({ req }) => {
      const body = verifiedJson(req, settings.phone.secret, 'phone', phoneTranscript);
      const conversationId = callConversationId(body.callId);
      let customerId = '';
      let customerTurns = 0;
      let agentTurns = 0;
      let duplicates = 0;
      // In order, one at a time: the conversation takes the caller's turns as they were spoken.
      for (const [index, turn] of body.turns.entries()) {
        const message: InboundMessage = {
          channel: 'phone',
          identity: body.from,
          providerMessageId: `${body.callId}#${index}`,
          text: turn.text,
          attachments: [],
          receivedAt: dateOr(turn.at ?? body.startedAt),
          conversationId,
          meta: { callId: body.callId, speaker: turn.speaker, turn: index },
        };
        if (turn.speaker === 'agent') {
          // Shown in the transcript in its place, before the caller's next turn is taken.
          const line = await channels.callAgentLine({ ...message, conversationId });
          customerId = line.customerId;
          agentTurns += 1;
          continue;
        }
        const outcome = await channels.receive(message);
        customerId = outcome.customerId;
        customerTurns += 1;
        if (outcome.duplicate) duplicates += 1;
      }
      return { body: { conversationId, customerId, customerTurns, agentTurns, duplicates } };
    },
  });

  const { token: wechatToken, appId: wechatAppId, encodingAesKey } = settings.wechat;
  /** Config guarantees WECHAT_APP_ID beside WECHAT_ENCODING_AES_KEY; without the key only plaintext is taken. */
  const wechatCipher = wechatToken && wechatAppId && encodingAesKey ? createWechatCipher({ token: wechatToken, appId: wechatAppId, encodingAesKey }) : undefined;

  function configuredWechatToken(): string {
    if (!wechatToken) throw new HttpError(404, 'channel_not_configured', 'The WeChat channel is not configured on this server (WECHAT_TOKEN).');
    return wechatToken;
  }

  function checkWechat(query: z.output<typeof wechatQuery>): void {
    if (!wechatSignatureValid(configuredWechatToken(), query)) {
      throw new HttpError(401, 'signature_mismatch', 'signature must be the SHA-1 of the sorted token, timestamp and nonce, as WeChat sends it.');
    }
  }

  /** The cipher when the request says it is encrypted (encrypt_type=aes); undefined for plaintext, which compatible mode also sends. */
  function wechatEncryption(query: z.output<typeof wechatQuery>): WechatCipher | undefined {
    configuredWechatToken();
    if (query.encrypt_type !== 'aes') return undefined;
    if (!wechatCipher) {
      throw new HttpError(400, 'encryption_not_configured', 'This request is encrypted (encrypt_type=aes), but WECHAT_ENCODING_AES_KEY is not configured on this server: set it to the EncodingAESKey of the Official Account console, or use plaintext mode.');
    }
    return wechatCipher;
  }

  /** Checks msg_signature over the ciphertext, decrypts it and checks the AppID inside; each failure is its own 4xx. */
  function openWechat(cipher: WechatCipher, query: z.output<typeof wechatQuery>, encrypted: string): string {
    if (!query.msg_signature || !query.timestamp || !query.nonce) {
      throw new HttpError(401, 'signature_missing', 'An encrypted request (encrypt_type=aes) needs msg_signature, timestamp and nonce in the query string.');
    }
    try {
      return cipher.open({ msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, encrypted });
    } catch (error) {
      if (!(error instanceof WechatCryptoError)) throw error;
      if (error.failure === 'signature') throw new HttpError(401, 'signature_mismatch', 'msg_signature must be the SHA-1 of the sorted token, timestamp, nonce and ciphertext (<Encrypt> or echostr), as WeChat sends it.');
      if (error.failure === 'app_id') throw new HttpError(403, 'app_id_mismatch', 'The message was encrypted for another Official Account: the AppID inside it is not WECHAT_APP_ID.');
      throw new HttpError(400, 'undecryptable', `The ciphertext could not be decrypted (${error.message}); WECHAT_ENCODING_AES_KEY must be the EncodingAESKey of the Official Account console.`);
    }
  }

  table.add({
    method: 'get',
    path: '/api/channels/wechat',
    summary:
      "WeChat's server URL check: echoes echostr when signature (over token, timestamp, nonce) is good; with encrypt_type=aes, echostr is encrypted and signed by msg_signature, and the decrypted echostr is answered",
    tags: ['channels'],
    access: { public: true },
    query: wechatQuery,
    responses: {
      200: { description: 'echostr (decrypted with encrypt_type=aes), as text/plain' },
      400: { description: 'No echostr; an encrypted check without WECHAT_ENCODING_AES_KEY configured; or an echostr the key cannot decrypt' },
      401: { description: 'Bad signature or msg_signature' },
      403: { description: 'The encrypted echostr carries another AppID than WECHAT_APP_ID' },
    },
    handler: ({ query, res }) => {
      const cipher = wechatEncryption(query);
      if (!cipher) checkWechat(query);
      if (!query.echostr) throw new HttpError(400, 'invalid_request', 'echostr is required for the URL check.');
      // A "+" of base64 left unescaped in the URL arrives as a space; base64 itself never holds one.
      const echo = cipher ? openWechat(cipher, query, query.echostr.replaceAll(' ', '+')) : query.echostr;
      res.type('text/plain').send(echo);
      return Promise.resolve({ body: null });
    },
  });

  table.add({
    method: 'post',
    path: '/api/channels/wechat',
    summary:
      "A message or event WeChat pushes; the bot's answer is the passive reply when it is ready within 5 s, else sent through the customer-service API. Plaintext: signed by signature. Encrypted (encrypt_type=aes, 安全模式/兼容模式): the body's <Encrypt> is signed by msg_signature, decrypted with WECHAT_ENCODING_AES_KEY and its AppID checked, and the passive reply is encrypted",
    tags: ['channels'],
    access: { public: true },
    query: wechatQuery,
    rawBody: {
      contentType: 'application/xml',
      schema: z.string().describe('<xml> with ToUserName, FromUserName, CreateTime, MsgType (text, or event subscribe/unsubscribe), Content, MsgId; encrypted: <xml> with <Encrypt> holding that message'),
      description: 'Signed by WeChat in the query string: signature, timestamp, nonce; with encrypt_type=aes, msg_signature over the <Encrypt> text too.',
    },
    responses: {
      200: { description: 'A passive reply (application/xml; with encrypt_type=aes, an <xml> of Encrypt, MsgSignature, TimeStamp, Nonce) or "success"' },
      400: { description: 'Not a WeChat message; an encrypted message without WECHAT_ENCODING_AES_KEY configured; or ciphertext the key cannot decrypt' },
      401: { description: 'Bad signature or msg_signature; nothing is recorded' },
      403: { description: 'The encrypted message carries another AppID than WECHAT_APP_ID; nothing is recorded' },
    },
    handler: async ({ query, req, res }) => {
      const cipher = wechatEncryption(query);
      if (!cipher) checkWechat(query);
      let pushed;
      try {
        const body = rawBody(req).toString('utf8');
        pushed = parseWechatXml(cipher ? openWechat(cipher, query, parseWechatEnvelope(body)) : body);
      } catch (error) {
        if (error instanceof WechatPayloadError) throw new HttpError(400, 'invalid_message', `Not a WeChat message: ${error.message}.`);
        throw error;
      }
      const answer = (content?: string) => {
        if (!content) res.type('text/plain').send('success');
        else {
          const reply = passiveTextReply({ toUser: pushed.fromUser, fromUser: pushed.toUser, content });
          res.type('application/xml').send(cipher ? encryptedReply(cipher.seal(reply)) : reply);
        }
        return { body: null };
      };
      const base = { channel: 'wechat' as const, identity: pushed.fromUser, attachments: [], receivedAt: new Date(pushed.createTime * 1000) };
      if (pushed.kind === 'event') {
        const noted = await channels.note({ ...base, providerMessageId: `${pushed.event}:${pushed.fromUser}:${pushed.createTime}`, text: '', meta: { event: pushed.event } });
        if (pushed.event === 'unsubscribe' || noted.duplicate) {
          await channels.setWechatFollowing(noted.customerId, pushed.event === 'subscribe');
          return answer();
        }
        return answer('欢迎关注!直接发消息就可以咨询订单、退换货和商品。Welcome! Send a message to ask about orders, returns and products.');
      }
      if (pushed.kind === 'unsupported') {
        await channels.note({ ...base, providerMessageId: pushed.msgId ?? `${pushed.msgType}:${pushed.fromUser}:${pushed.createTime}`, text: '', meta: { msgType: pushed.msgType } });
        return answer('目前只能读文字消息,请用文字描述您的问题。I can read text messages only for now.');
      }
      const taking = channels.receive({ ...base, providerMessageId: pushed.msgId, text: pushed.content.slice(0, MAX_MESSAGE_LENGTH) });
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([taking, new Promise<undefined>((resolve) => (timer = globalThis.setTimeout(resolve, WECHAT_PASSIVE_BUDGET_MS) as unknown as NodeJS.Timeout))]).finally(() => clearTimeout(timer));
      if (!outcome) {
        // Too slow for a passive reply: the outbox sends the answer through the customer-service API.
        taking.catch(() => undefined);
        return answer();
      }
      if (outcome.duplicate || !outcome.reply?.reply) return answer();
      return (await channels.takePassiveReply(outcome.conversationId, outcome.reply.messageId)) ? answer(outcome.reply.reply) : answer();
    },
  });
}
