import { describe, expect, it } from 'vitest';
import { bounceKind, isAboutRecipient, parseDeliveryStatus, recipientAddress, returnedMessageId } from './dsn';

describe('delivery status notifications', () => {
  it('reads the per-recipient fields, unfolding a long diagnostic', () => {
    const status = parseDeliveryStatus(
      [
        'Reporting-MTA: dns; mx.example.net',
        'Arrival-Date: Tue, 24 Nov 2026 19:59:58 +0000',
        '',
        'Final-Recipient: rfc822; <Someone@Example.com>',
        'Original-Recipient: rfc822;someone@example.com',
        'Action: Failed',
        'Status: 5.1.1 (bad destination mailbox address)',
        'Diagnostic-Code: smtp; 550 5.1.1 <someone@example.com>:',
        '    Recipient address rejected',
        '',
        'Final-Recipient: rfc822; other@example.com',
        'Action: delayed',
        'Status: 4.4.7',
        '',
      ].join('\r\n'),
    );
    expect(status.reportingMta).toBe('dns; mx.example.net');
    expect(status.recipients).toEqual([
      { finalRecipient: 'someone@example.com', originalRecipient: 'someone@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <someone@example.com>: Recipient address rejected' },
      { finalRecipient: 'other@example.com', action: 'delayed', status: '4.4.7' },
    ]);
  });

  it('leaves out recipients without an action or a valid status, and takes a report with no per-message block', () => {
    expect(parseDeliveryStatus('Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.0.0').recipients).toHaveLength(1);
    expect(parseDeliveryStatus('Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@example.com\nStatus: 5.0.0').recipients).toEqual([]);
    expect(parseDeliveryStatus('Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\nStatus: nonsense').recipients).toEqual([]);
    expect(parseDeliveryStatus('').recipients).toEqual([]);
  });

  it('counts only a failure with a 5.x.x status as permanent', () => {
    expect(bounceKind({ action: 'failed', status: '5.2.2' })).toBe('permanent');
    expect(bounceKind({ action: 'delayed', status: '4.4.1' })).toBe('delayed');
    expect(bounceKind({ action: 'failed', status: '4.4.7' })).toBe('delayed');
    expect(bounceKind({ action: 'delivered', status: '2.0.0' })).toBe('other');
    expect(bounceKind({ action: 'relayed', status: '2.0.0' })).toBe('other');
  });

  it('finds the original Message-ID in the returned headers, folded or not, and ignores the body', () => {
    expect(returnedMessageId('From: a@b\r\nMessage-ID: <abc.1@shop.example>\r\nSubject: x\r\n')).toBe('<abc.1@shop.example>');
    expect(returnedMessageId('From: a@b\nMessage-Id:\n  <folded@shop.example>\n')).toBe('<folded@shop.example>');
    expect(returnedMessageId('From: a@b\n\nMessage-ID: <in-body@shop.example>\n')).toBeUndefined();
  });

  it('matches a report to the address the message went to', () => {
    expect(recipientAddress('rfc822; <A@B.example>')).toBe('a@b.example');
    expect(isAboutRecipient({ finalRecipient: 'a@b.example' }, 'A@b.example')).toBe(true);
    expect(isAboutRecipient({ finalRecipient: 'c@b.example' }, 'a@b.example')).toBe(false);
    expect(isAboutRecipient({}, 'a@b.example')).toBe(true);
  });
});
