import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignatureProblem } from '../../domain/channels/signatures';

/**
 * Local stand-ins for the channel providers this machine cannot reach, each a real server on
 * 127.0.0.1 speaking the provider's protocol: an SMS gateway, an app backend receiving webhooks,
 * the WeChat API (access token + customer-service messages) and an SMTP relay that keeps what it gets.
 */

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

export interface SentSms {
  id: string;
  to: string;
  text: string;
  reference: string;
  signatureOk: boolean;
}

/** An SMS gateway: POST /messages with a bearer key and signature; refuses numbers it is told to, fails while told to. */
export async function startFakeSmsGateway(opts: { apiKey: string; signingSecret: string }) {
  const sent: SentSms[] = [];
  const byIdempotencyKey = new Map<string, SentSms>();
  const refuse = new Set<string>();
  const failuresLeft = new Map<string, number>();
  let counter = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== 'POST' || req.url !== '/messages') return sendJson(res, 404, { error: 'not found' });
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return sendJson(res, 401, { error: 'bad key' });
      const message = JSON.parse(body.toString('utf8')) as { to: string; text: string; reference: string };
      const failures = failuresLeft.get(message.to) ?? 0;
      if (failures > 0) {
        failuresLeft.set(message.to, failures - 1);
        return sendJson(res, 503, { error: 'try later' });
      }
      if (refuse.has(message.to)) return sendJson(res, 400, { error: 'unreachable number' });
      const key = String(req.headers['idempotency-key'] ?? '');
      const earlier = byIdempotencyKey.get(key);
      if (earlier) return sendJson(res, 200, { id: earlier.id });
      const signatureOk = !webhookSignatureProblem(opts.signingSecret, { timestamp: req.headers[TIMESTAMP_HEADER] as string, signature: req.headers[SIGNATURE_HEADER] as string }, body);
      const record = { id: `sms-${++counter}`, ...message, signatureOk };
      sent.push(record);
      byIdempotencyKey.set(key, record);
      sendJson(res, 200, { id: record.id });
    })();
  });
  const url = await listen(server);
  return {
    url,
    sent,
    refuse: (to: string) => refuse.add(to),
    /** The next `n` sends to `to` get a 503. */
    failNext: (to: string, n: number) => {
      failuresLeft.set(to, n);
    },
    close: () => closeServer(server),
  };
}

/** An app backend: records every signed webhook Loopdesk POSTs to it. */
export async function startFakeAppBackend(opts: { secret: string }) {
  const received: Array<{ messageId: string; userId: string; text: string; conversationId?: string; signatureOk: boolean }> = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const signatureOk = !webhookSignatureProblem(opts.secret, { timestamp: req.headers[TIMESTAMP_HEADER] as string, signature: req.headers[SIGNATURE_HEADER] as string }, body);
      if (!signatureOk) return sendJson(res, 401, { error: 'bad signature' });
      const message = JSON.parse(body.toString('utf8')) as { messageId: string; userId: string; text: string; conversationId?: string };
      received.push({ ...message, signatureOk });
      sendJson(res, 200, { id: `app-${received.length}` });
    })();
  });
  const url = await listen(server);
  return { url: `${url}/loopdesk/messages`, received, close: () => closeServer(server) };
}

/** The WeChat API: /cgi-bin/token hands out short-lived tokens; /cgi-bin/message/custom/send checks them. */
export async function startFakeWechatApi(opts: { appId: string; appSecret: string; tokenTtlSeconds?: number }) {
  const sent: Array<{ touser: string; content: string; token: string }> = [];
  const issued: string[] = [];
  const revoked = new Set<string>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      if (url.pathname === '/cgi-bin/token') {
        if (url.searchParams.get('appid') !== opts.appId || url.searchParams.get('secret') !== opts.appSecret) return sendJson(res, 200, { errcode: 40125, errmsg: 'invalid appsecret' });
        const token = `token-${issued.length + 1}`;
        issued.push(token);
        return sendJson(res, 200, { access_token: token, expires_in: opts.tokenTtlSeconds ?? 7200 });
      }
      if (url.pathname === '/cgi-bin/message/custom/send') {
        const token = url.searchParams.get('access_token') ?? '';
        if (!issued.includes(token) || revoked.has(token)) return sendJson(res, 200, { errcode: 40001, errmsg: 'invalid credential' });
        const message = JSON.parse(body.toString('utf8')) as { touser: string; msgtype: string; text?: { content: string } };
        sent.push({ touser: message.touser, content: message.text?.content ?? '', token });
        return sendJson(res, 200, { errcode: 0, errmsg: 'ok', msgid: 1000 + sent.length });
      }
      sendJson(res, 404, { errcode: 404 });
    })();
  });
  const url = await listen(server);
  return {
    url,
    sent,
    issued,
    /** Makes every token issued so far invalid, as when WeChat rotates it early. */
    revokeTokens: () => issued.forEach((t) => revoked.add(t)),
    close: () => closeServer(server),
  };
}

export interface RelayedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  /** Every header line as sent, by lower-case name (value after the colon, unfolded). */
  headerLines: Record<string, string>;
}

/** An SMTP relay that accepts everything and keeps it, parsed. */
export async function startSmtpSink() {
  const mails: RelayedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            from: mail.from?.value[0]?.address ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? '',
            ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
            references: typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []),
            headerLines: Object.fromEntries(mail.headerLines.map((h) => [h.key, h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim()])),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
