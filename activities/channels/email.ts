import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { InboundMessage } from '../../domain/channels/message';
import { newTextOfReply } from '../../domain/channels/email-text';
import { readDeliveryReport, type DeliveryReport } from './email-bounce';
import { PermanentSendError, type SendResult } from './errors';

/** E-mail: outbound through an SMTP relay (nodemailer), inbound through an SMTP server Loopdesk runs. */

export interface EmailRelay {
  host?: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
}

export interface OutgoingEmail {
  to: string;
  text: string;
  idempotencyKey: string;
  subject: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra header lines, such as List-Unsubscribe on marketing. */
  headers?: Record<string, string>;
}

/** The same outbox row always gets the same Message-ID, so a retried send is one message to any receiver that dedups. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = from.split('@')[1]?.replace(/[>\s]/g, '') || 'loopdesk.local';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

export function createEmailSender(relay: EmailRelay, from: string) {
  const transport = relay.host
    ? nodemailer.createTransport({
        host: relay.host,
        port: relay.port,
        secure: relay.secure,
        ...(relay.user ? { auth: { user: relay.user, pass: relay.password ?? '' } } : {}),
        connectionTimeout: 10_000,
        socketTimeout: 20_000,
      })
    : undefined;
  return {
    async send(email: OutgoingEmail): Promise<SendResult> {
      if (!transport) throw new PermanentSendError('E-mail is not configured (SMTP_RELAY_HOST)', 'channel_not_configured');
      const messageId = messageIdFor(email.idempotencyKey, from);
      try {
        await transport.sendMail({
          from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId,
          ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
          ...(email.references?.length ? { references: email.references } : {}),
          ...(email.headers ? { headers: email.headers } : {}),
        });
      } catch (error) {
        // 5xx from the relay (unknown mailbox, refused) will not change; anything else is retried.
        const code = (error as { responseCode?: number }).responseCode;
        if (code && code >= 500) throw new PermanentSendError(`the SMTP relay refused the message: ${(error as Error).message}`, `smtp_${code}`);
        throw error;
      }
      return { providerMessageId: messageId };
    },
    close(): void {
      transport?.close();
    },
  };
}

/** A refusal the SMTP client sees as a reply code: 5xx permanent, 4xx "try again later". */
export class SmtpRefusal extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

function firstAddress(from: AddressObject | AddressObject[] | undefined): { address?: string; name?: string } {
  const list = Array.isArray(from) ? from : from ? [from] : [];
  const entry = list[0]?.value[0];
  return { ...(entry?.address ? { address: entry.address } : {}), ...(entry?.name ? { name: entry.name } : {}) };
}

/** Reads one e-mail into the message model; a message Loopdesk cannot use is refused with 550. */
export async function parseInboundEmail(stream: SMTPServerDataStream | Buffer | string): Promise<InboundMessage> {
  const mail = await simpleParser(stream);
  const from = firstAddress(mail.from);
  if (!from.address) throw new SmtpRefusal('the message has no From address', 550);
  if (!mail.messageId) throw new SmtpRefusal('the message has no Message-ID', 550);
  const text = newTextOfReply(mail.text ?? '');
  if (!text) throw new SmtpRefusal('the message has no text Loopdesk can read', 550);
  const references = typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []);
  return {
    channel: 'email',
    identity: from.address,
    providerMessageId: mail.messageId,
    text: text.slice(0, 4_000),
    attachments: mail.attachments.map((a) => ({ name: a.filename ?? 'attachment', contentType: a.contentType, size: a.size })),
    // Our own clock orders a thread: the Date header has second resolution and is the sender's word.
    receivedAt: new Date(),
    meta: {
      subject: mail.subject ?? '',
      ...(mail.date ? { sentAt: mail.date.toISOString() } : {}),
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      references,
    },
    ...(from.name ? { displayName: from.name } : {}),
  };
}

/** The whole message, up to the size limit (the rest is read and dropped; the caller refuses it). */
async function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size > MAX_MESSAGE_BYTES) continue;
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks);
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

/**
 * The SMTP server customers' mail is delivered to (point an MX or a forwarding rule at it). Each
 * message is handed to `receive` (a bounce to `receiveBounce`) before the server answers 250, so an accepted message is recorded;
 * when `receive` fails for a passing reason the sender gets a 451 and delivers again later, and the
 * redelivery is recognised by its Message-ID.
 */
export async function startInboundSmtp(opts: {
  host: string;
  port: number;
  receive: (message: InboundMessage) => Promise<unknown>;
  /** Delivery status notifications (bounces); without it they are accepted and dropped. */
  receiveBounce?: (report: DeliveryReport) => Promise<unknown>;
  onError?: (error: unknown) => void;
}): Promise<InboundSmtp> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    banner: 'Loopdesk inbound mail',
    logger: false,
    onData(stream: SMTPServerDataStream, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      readMessage(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) throw new SmtpRefusal('the message is larger than 1 MB', 552);
          // A bounce is a report about our own mail, never a customer's message.
          const report = await readDeliveryReport(raw);
          if (report) {
            await opts.receiveBounce?.(report);
            return callback();
          }
          await opts.receive(await parseInboundEmail(raw));
          callback();
        })
        .catch((error: unknown) => {
          if (error instanceof SmtpRefusal) return callback(error);
          opts.onError?.(error);
          callback(new SmtpRefusal('the message could not be processed now; try again later', 451));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.on('error', (error) => opts.onError?.(error));
  const address = server.server.address() as AddressInfo; // listening on TCP, so an address object
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
