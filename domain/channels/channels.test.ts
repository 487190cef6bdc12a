import { describe, expect, it } from 'vitest';
import { newTextOfReply, replySubject } from './email-text';
import { normalizeIdentity, normalizePhone } from './identity';
import { fallbackChannel, marketingDecision, parseQuietHours, parseRateLimits, quietUntil, RateWindow } from './outbox-policy';
import { signedHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignatureProblem, wechatSignature, wechatSignatureValid } from './signatures';

describe('channel identities', () => {
  it('normalises Chinese mobile numbers however they are written', () => {
    for (const raw of ['13800138001', '+86 138 0013 8001', '008613800138001', '+8613800138001']) expect(normalizePhone(raw)).toBe('13800138001');
    expect(normalizePhone('+1 (415) 555-0100')).toBe('+14155550100');
    expect(normalizePhone('call me')).toBeUndefined();
    expect(normalizeIdentity('email', ' Sophie.Wang@Example.com ')).toBe('sophie.wang@example.com');
    expect(normalizeIdentity('email', 'not-an-address')).toBeUndefined();
    expect(normalizeIdentity('wechat', 'o-wx 1')).toBeUndefined();
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"text":"hi"}');
  it('accept the signed bytes and refuse anything else', () => {
    const headers = signedHeaders('secret-secret-secret', body, 1_700_000_000_000);
    const given = { timestamp: headers[TIMESTAMP_HEADER], signature: headers[SIGNATURE_HEADER] };
    expect(webhookSignatureProblem('secret-secret-secret', given, body, 1_700_000_010_000)).toBeUndefined();
    expect(webhookSignatureProblem('secret-secret-secret', given, Buffer.from('{"text":"hi!"}'), 1_700_000_010_000)).toBe('mismatch');
    expect(webhookSignatureProblem('another-secret-here', given, body, 1_700_000_010_000)).toBe('mismatch');
    expect(webhookSignatureProblem('secret-secret-secret', given, body, 1_700_000_000_000 + 301_000)).toBe('stale');
    expect(webhookSignatureProblem('secret-secret-secret', {}, body)).toBe('missing');
  });

  it("check WeChat's SHA-1 over the sorted token, timestamp and nonce", () => {
    // The example from WeChat's server-URL documentation: token "token", sorted and joined before hashing.
    const signature = wechatSignature('token', '1409304348', 'xxxxxx');
    expect(signature).toMatch(/^[a-f0-9]{40}$/);
    expect(wechatSignatureValid('token', { signature, timestamp: '1409304348', nonce: 'xxxxxx' })).toBe(true);
    expect(wechatSignatureValid('token', { signature, timestamp: '1409304349', nonce: 'xxxxxx' })).toBe(false);
    expect(wechatSignatureValid('token', { timestamp: '1', nonce: '2' })).toBe(false);
  });
});

describe('outbox policy', () => {
  const quiet = parseQuietHours('21:00-08:00 +08:00');
  it('finds the end of quiet hours across midnight in the configured zone', () => {
    // 23:30 in Beijing is 15:30 UTC; quiet until 08:00 Beijing, 00:00 UTC the next day.
    expect(quietUntil(quiet, new Date('2026-03-01T15:30:00Z'))?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(quietUntil(quiet, new Date('2026-03-01T23:59:00Z'))?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(quietUntil(quiet, new Date('2026-03-02T02:00:00Z'))).toBeUndefined();
    expect(parseQuietHours('off')).toBeUndefined();
    expect(() => parseQuietHours('9pm-8am')).toThrow(/21:00-08:00/);
  });

  it('sends marketing only with consent, never to do-not-contact, and defers it in quiet hours', () => {
    const noon = new Date('2026-03-02T04:00:00Z');
    expect(marketingDecision({ consent: { sms: true } }, 'sms', quiet, noon)).toEqual({ send: true });
    expect(marketingDecision({ consent: { sms: false, email: true } }, 'sms', quiet, noon)).toEqual({ send: false, reason: 'no_consent' });
    expect(marketingDecision({ doNotContact: true, consent: { sms: true } }, 'sms', quiet, noon)).toEqual({ send: false, reason: 'do_not_contact' });
    expect(marketingDecision({ consent: { sms: true } }, 'sms', quiet, new Date('2026-03-01T15:30:00Z'))).toMatchObject({ send: false, reason: 'quiet_hours' });
  });

  it('falls back through the channels the customer has, never twice to one', () => {
    const profile = { phone: '13800138001', email: 'a@example.com', wechatOpenId: 'o-1' };
    expect(fallbackChannel(profile, ['wechat'])).toEqual({ channel: 'sms', to: '13800138001' });
    expect(fallbackChannel(profile, ['wechat', 'sms'])).toEqual({ channel: 'email', to: 'a@example.com' });
    expect(fallbackChannel(profile, ['wechat', 'sms', 'email'])).toBeUndefined();
  });

  it('rate-limits each channel over a sliding window', () => {
    const limits = parseRateLimits('sms:2/s,email:1/10s');
    expect(limits).toEqual({ sms: { limit: 2, windowMs: 1000 }, email: { limit: 1, windowMs: 10_000 } });
    const window = new RateWindow(limits);
    expect(window.take('sms', 0)).toBe(0);
    expect(window.take('sms', 100)).toBe(0);
    expect(window.take('sms', 200)).toBe(800);
    expect(window.take('sms', 1_000)).toBe(0);
    expect(window.take('app', 0)).toBe(0);
    const carried = new RateWindow(limits, window.snapshot());
    expect(carried.take('sms', 1_050)).toBe(50);
    expect(() => parseRateLimits('fax:1/s')).toThrow(/channel/);
  });
});

describe('e-mail replies', () => {
  it('keep only the new text above the quoted message', () => {
    expect(newTextOfReply('Thanks, that helps.\n\nOn Mon, 2 Mar 2026, Loopdesk wrote:\n> Delivery takes 7 days')).toBe('Thanks, that helps.');
    expect(newTextOfReply('好的\n\n在 2026年3月2日 Loopdesk 写道:\n> 七天')).toBe('好的');
    expect(replySubject('Re: Delivery', 'x')).toBe('Re: Delivery');
    expect(replySubject('Delivery', 'x')).toBe('Re: Delivery');
  });
});
