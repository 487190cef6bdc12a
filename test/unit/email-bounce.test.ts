import { describe, expect, it } from 'vitest';
import { readDeliveryReport } from '../../activities/channels/email-bounce';

/** Reading delivery status notifications as mail servers actually write them. */

const lines = (...parts: string[]) => Buffer.from(parts.join('\r\n'));

describe('readDeliveryReport', () => {
  it('reads a base64-encoded status part and a returned message/rfc822, keyed by its own Message-ID', async () => {
    const status = Buffer.from('Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 refused\r\n').toString('base64');
    const report = await readDeliveryReport(
      lines(
        'From: MAILER-DAEMON@mx.example.net',
        'Message-ID: <report-9@mx.example.net>',
        'Content-Type: multipart/report; report-type="delivery-status"; boundary=b1',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        'Delivery failed.',
        '--b1',
        'Content-Type: message/delivery-status',
        'Content-Transfer-Encoding: base64',
        '',
        status,
        '--b1',
        'Content-Type: message/rfc822',
        '',
        'From: support@shop.example',
        'Message-ID: <orig-9@shop.example>',
        'Subject: hello',
        '',
        'The original text, which mentions Message-ID: <not-this@x>',
        '--b1--',
        '',
      ),
    );
    expect(report).toEqual({
      reportId: '<report-9@mx.example.net>',
      originalMessageId: '<orig-9@shop.example>',
      reportingMta: 'dns; mx.example.net',
      recipients: [{ finalRecipient: 'a@example.com', action: 'failed', status: '5.7.1', diagnosticCode: 'smtp; 550 5.7.1 refused' }],
    });
  });

  it('gives a report without a Message-ID a stable id from its content', async () => {
    const raw = lines(
      'Content-Type: multipart/report; report-type=delivery-status; boundary=b2',
      '',
      '--b2',
      'Content-Type: message/delivery-status',
      '',
      'Final-Recipient: rfc822; a@example.com',
      'Action: delayed',
      'Status: 4.4.1',
      '',
      '--b2--',
      '',
    );
    const first = await readDeliveryReport(raw);
    expect(first?.reportId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.originalMessageId).toBeUndefined();
    expect((await readDeliveryReport(raw))?.reportId).toBe(first?.reportId);
  });

  it('is undefined for an ordinary e-mail and for a report of another type', async () => {
    expect(await readDeliveryReport(lines('From: a@example.com', 'Message-ID: <m@x>', 'Content-Type: text/plain', '', 'Hello, where is my parcel?', ''))).toBeUndefined();
    const readReceipt = lines('Content-Type: multipart/report; report-type=disposition-notification; boundary=b3', '', '--b3', 'Content-Type: message/disposition-notification', '', 'Disposition: manual-action/MDN-sent-manually; displayed', '', '--b3--', '');
    expect(await readDeliveryReport(readReceipt)).toBeUndefined();
  });
});
