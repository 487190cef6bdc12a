import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSmsGateway, startSmtpSink } from '../helpers/fake-channel-peers';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/**
 * Bounces as e-mail delivery receipts, end to end: Loopdesk e-mails its answer through a local relay,
 * and a remote server's delivery status notification (RFC 3464) comes back to the inbound SMTP port.
 */

const SMS_SECRET = 'sms-signing-secret-for-bounce-tests';

let system: TestSystem;
let sms: Awaited<ReturnType<typeof startFakeSmsGateway>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let mailer: ReturnType<typeof nodemailer.createTransport>;
let ops: string;

beforeAll(async () => {
  [sms, sink] = await Promise.all([startFakeSmsGateway({ apiKey: 'sms-key', signingSecret: SMS_SECRET }), startSmtpSink()]);
  system = await startTestSystem('email-bounces', {
    SMS_GATEWAY_URL: sms.url,
    SMS_API_KEY: 'sms-key',
    SMS_SIGNING_SECRET: SMS_SECRET,
    SMTP_INBOUND_PORT: '0',
    SMTP_RELAY_HOST: '127.0.0.1',
    SMTP_RELAY_PORT: String(sink.port),
    EMAIL_FROM: 'Loopdesk <support@shop.example>',
    OUTBOX_POLL_INTERVAL: '500ms',
  });
  mailer = nodemailer.createTransport({ host: '127.0.0.1', port: system.api.smtpPort, secure: false, ignoreTLS: true });
  ops = await system.token('ops');
}, 120_000);

afterAll(async () => {
  mailer?.close();
  await system?.stop();
  await Promise.all([sms?.close(), sink?.close()]);
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

/** A customer writes in by e-mail and Loopdesk's answer reaches the relay; returns the answer's Message-ID and its conversation. */
async function answeredByEmail(from: string, messageId: string): Promise<{ answerId: string; conversationId: string }> {
  await mailer.sendMail({ from, to: 'support@shop.example', subject: 'Delivery time', text: 'How long does delivery to Tibet take?', messageId });
  const answer = await eventually(() => sink.mails.find((m) => m.inReplyTo === messageId), 'the answer by e-mail');
  const inbound = await system.db.models.ChannelMessage.findOne({ providerMessageId: messageId }).lean();
  return { answerId: answer.messageId, conversationId: inbound!.conversationId! };
}

/** A long field folded at a space, as mail servers write it. */
function folded(line: string): string[] {
  const at = line.lastIndexOf(' ', 60);
  return line.length <= 60 || at < 0 ? [line] : [line.slice(0, at), `    ${line.slice(at + 1)}`];
}

/** A delivery status notification as a receiving mail server writes it, returning the original's headers. */
function dsn(opts: { id: string; about: string; recipient: string; action: string; status: string; diagnostic?: string }): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: support@shop.example',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: ${opts.id}`,
    'Date: Tue, 24 Nov 2026 20:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="REPORT-BOUNDARY"',
    '',
    '--REPORT-BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.net. I could not deliver your message; please reply to this.',
    '',
    '--REPORT-BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Tue, 24 Nov 2026 19:59:58 +0000',
    '',
    `Final-Recipient: rfc822; ${opts.recipient}`,
    `Original-Recipient: rfc822;${opts.recipient}`,
    `Action: ${opts.action}`,
    `Status: ${opts.status}`,
    'Remote-MTA: dns; mail.example.com',
    ...(opts.diagnostic ? folded(`Diagnostic-Code: smtp; ${opts.diagnostic}`) : []),
    '',
    '--REPORT-BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Loopdesk <support@shop.example>',
    `To: ${opts.recipient}`,
    'Subject: Re: Delivery time',
    `Message-ID: ${opts.about}`,
    '',
    '--REPORT-BOUNDARY--',
    '',
  ].join('\r\n');
}

async function deliverReport(raw: string): Promise<void> {
  await mailer.sendMail({ envelope: { from: 'MAILER-DAEMON@mx.example.net', to: ['support@shop.example'] }, raw });
}

async function transcriptTexts(conversationId: string): Promise<string[]> {
  const response = await http(system.api.url, 'GET', `/api/conversations/${conversationId}`, { token: ops });
  return ((response.json.transcript ?? []) as Array<{ text: string }>).map((r) => r.text);
}

const USER_UNKNOWN = '550 5.1.1 <daniel.zhou@example.com>: Recipient address rejected: User unknown in virtual mailbox table';

describe('e-mail bounces', () => {
  it('fail the delivery with the remote reason and send the answer on by SMS, once, without touching the conversation', async () => {
    const { answerId, conversationId } = await answeredByEmail('Daniel Zhou <daniel.zhou@example.com>', '<bounce-q1@example.com>');
    const before = await transcriptTexts(conversationId);
    const sent = await system.db.models.Delivery.findOne({ channel: 'email', providerMessageId: answerId }).lean();
    expect(sent).toMatchObject({ status: 'sent', purpose: 'service', customerId: 'c-1011' });

    const report = dsn({ id: '<dsn-1@mx.example.net>', about: answerId, recipient: 'daniel.zhou@example.com', action: 'failed', status: '5.1.1', diagnostic: USER_UNKNOWN });
    await deliverReport(report);
    const failed = await eventually(async () => {
      const row = await system.db.models.Delivery.findOne({ idempotencyKey: sent!.idempotencyKey }).lean();
      return row?.status === 'failed' ? row : undefined;
    }, 'the e-mail delivery failed');
    expect(failed.failureReason).toBe(`smtp; ${USER_UNKNOWN}`);
    const text = await eventually(() => sms.sent.find((m) => m.to === '13100131011'), 'the answer sent on by SMS');
    expect(text.text.trim()).toBe(sent!.text.trim());
    const fallback = await system.db.models.Delivery.findOne({ fallbackOf: sent!.idempotencyKey }).lean();
    expect(fallback).toMatchObject({ channel: 'sms', status: 'sent', triedChannels: ['email', 'sms'] });

    // The same report delivered again changes nothing.
    await deliverReport(report);
    expect(await system.db.models.EmailBounce.countDocuments({ deliveryKey: sent!.idempotencyKey })).toBe(1);
    expect(await system.db.models.EmailBounce.findOne({ deliveryKey: sent!.idempotencyKey }).lean()).toMatchObject({ kind: 'permanent', status: '5.1.1', action: 'failed', recipient: 'daniel.zhou@example.com' });
    expect(await system.db.models.Delivery.countDocuments({ fallbackOf: sent!.idempotencyKey })).toBe(1);
    expect(sms.sent.filter((m) => m.to === '13100131011')).toHaveLength(1);

    // The bounce is not a customer's message: no transcript line, no channel message, no profile for the mailer daemon.
    expect(await transcriptTexts(conversationId)).toEqual(before);
    expect(await system.db.models.ChannelMessage.countDocuments({ channel: 'email', direction: 'inbound', conversationId })).toBe(1);
    expect(await system.db.models.Customer.countDocuments({ email: 'mailer-daemon@mx.example.net' })).toBe(0);
  });

  it('record a delay and change nothing; drop a report about mail Loopdesk did not send', async () => {
    const { answerId, conversationId } = await answeredByEmail('emily.chen@example.com', '<bounce-q2@example.com>');
    const sent = await system.db.models.Delivery.findOne({ channel: 'email', providerMessageId: answerId }).lean();
    await deliverReport(dsn({ id: '<dsn-2@mx.example.net>', about: answerId, recipient: 'emily.chen@example.com', action: 'delayed', status: '4.4.1', diagnostic: '421 4.4.1 Connection timed out, will keep trying for 5 days' }));
    const delayed = await eventually(async () => (await system.db.models.EmailBounce.findOne({ deliveryKey: sent!.idempotencyKey }).lean()) ?? undefined, 'the delay recorded');
    expect(delayed).toMatchObject({ kind: 'delayed', status: '4.4.1', purpose: 'service' });
    expect(await system.db.models.Delivery.findOne({ idempotencyKey: sent!.idempotencyKey }).lean()).toMatchObject({ status: 'sent' });
    expect(await system.db.models.Delivery.countDocuments({ fallbackOf: sent!.idempotencyKey })).toBe(0);

    const bouncesBefore = await system.db.models.EmailBounce.countDocuments({});
    const messagesBefore = await system.db.models.ChannelMessage.countDocuments({});
    await deliverReport(dsn({ id: '<dsn-3@mx.example.net>', about: '<not-ours-123@elsewhere.example>', recipient: 'emily.chen@example.com', action: 'failed', status: '5.1.1', diagnostic: USER_UNKNOWN }));
    // The SMTP server answers only after the report is handled, so the counts are final now.
    expect(await system.db.models.EmailBounce.countDocuments({})).toBe(bouncesBefore);
    expect(await system.db.models.ChannelMessage.countDocuments({})).toBe(messagesBefore);
    expect(await system.db.models.Delivery.findOne({ idempotencyKey: sent!.idempotencyKey }).lean()).toMatchObject({ status: 'sent' });
    expect(await transcriptTexts(conversationId)).not.toContainEqual(expect.stringContaining('mail system'));
  });

  it('mark a bounced marketing e-mail failed and record it, with no other channel tried and consent untouched', async () => {
    const key = 'mkt:bounce-test:c-1005';
    const providerMessageId = '<mkt-bounce-1@shop.example>';
    await system.db.models.Delivery.create({ idempotencyKey: key, channel: 'email', customerId: 'c-1005', to: 'james.liu@example.com', text: '会员日全场9折', purpose: 'marketing', status: 'sent', providerMessageId, sentAt: new Date() });
    await deliverReport(dsn({ id: '<dsn-4@mx.example.net>', about: providerMessageId, recipient: 'james.liu@example.com', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }));
    const row = await system.db.models.Delivery.findOne({ idempotencyKey: key }).lean();
    expect(row).toMatchObject({ status: 'failed', failureReason: 'smtp; 552 5.2.2 Mailbox full' });
    expect(await system.db.models.EmailBounce.findOne({ deliveryKey: key }).lean()).toMatchObject({ kind: 'permanent', purpose: 'marketing' });
    expect(await system.db.models.Delivery.countDocuments({ fallbackOf: key })).toBe(0);
    expect((await system.db.models.Customer.findOne({ customerId: 'c-1005' }).lean())?.consent?.email).toBe(true);
  });
});
