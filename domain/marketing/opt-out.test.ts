import { describe, expect, it } from 'vitest';
import { couponProblem } from './coupons';
import { confirmationLang, isOptOutChannel, normaliseKeyword, optOutConfirmation, optOutKeyword, resubscribeConfirmation, resubscribeKeyword } from './opt-out';
import { listUnsubscribeHeaders, signUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from './unsubscribe-token';

describe('opt-out keywords', () => {
  it('takes each keyword alone, whatever its case, width and surrounding space or punctuation', () => {
    for (const text of ['TD', 'td', ' Td ', 'ＴＤ', 'ｔｄ', 'T', 't', '退订', ' 退订。', 'STOP', 'stop', 'Stop.', 'ＳＴＯＰ!', 'unsubscribe', 'UNSUBSCRIBE', '取消订阅', '取消订阅!']) {
      expect(optOutKeyword(text), JSON.stringify(text)).toBeDefined();
    }
    expect(optOutKeyword('ＴＤ')).toBe('TD');
    expect(optOutKeyword(' 退订。')).toBe('退订');
  });

  it('leaves anything else to the bot, including sentences that contain a keyword', () => {
    for (const text of ['', ' ', 'TDD', 'stop it', 'please stop my order', '我要退订单', '退订 谢谢', 'STOPP', 'tt', 'unsubscribe me', '订阅']) {
      expect(optOutKeyword(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('normalises full-width letters and trims', () => {
    expect(normaliseKeyword('  ｕｎｓｕｂｓｃｒｉｂｅ\n')).toBe('UNSUBSCRIBE');
  });

  it('reads SMS, WeChat and app messages, not web chat, e-mail or phone', () => {
    expect(['sms', 'wechat', 'app'].every(isOptOutChannel)).toBe(true);
    expect(['web', 'email', 'phone'].some(isOptOutChannel)).toBe(false);
  });

  it('confirms in the keyword\'s language, naming the channel', () => {
    expect(confirmationLang('STOP')).toBe('en');
    expect(confirmationLang('UNSUBSCRIBE')).toBe('en');
    expect(confirmationLang('TD')).toBe('zh');
    expect(confirmationLang('退订')).toBe('zh');
    expect(optOutConfirmation('sms', 'zh')).toContain('短信');
    expect(optOutConfirmation('wechat', 'en')).toContain('WeChat');
  });
});

describe('re-subscribe keywords', () => {
  it('takes START, SUBSCRIBE, 订阅 and 恢复订阅 alone, normalised like the opt-out words', () => {
    for (const [text, keyword] of [
      ['START', 'START'],
      [' start. ', 'START'],
      ['ｓｔａｒｔ', 'START'],
      ['Subscribe!', 'SUBSCRIBE'],
      ['订阅', '订阅'],
      ['恢复订阅。', '恢复订阅'],
    ] as const) {
      expect(resubscribeKeyword(text), text).toBe(keyword);
    }
  });

  it('is not an opt-out word, and an opt-out word is not one', () => {
    for (const word of ['START', 'SUBSCRIBE', '订阅', '恢复订阅']) expect(optOutKeyword(word), word).toBeUndefined();
    for (const word of ['TD', 'STOP', 'UNSUBSCRIBE', '取消订阅', '退订']) expect(resubscribeKeyword(word), word).toBeUndefined();
  });

  it('leaves sentences with the word to the bot', () => {
    for (const text of ['start my return please', '我想订阅新品通知和会员日', 'subscribe me to the newsletter', '']) expect(resubscribeKeyword(text), text).toBeUndefined();
  });

  it('answers in the keyword\'s language, saying whether anything changed', () => {
    expect(confirmationLang('START')).toBe('en');
    expect(confirmationLang('订阅')).toBe('zh');
    expect(resubscribeConfirmation('sms', 'zh', 'subscribed')).toContain('恢复订阅短信营销消息');
    expect(resubscribeConfirmation('app', 'en', 'subscribed')).toContain('subscribed to marketing messages on the app again');
    expect(resubscribeConfirmation('wechat', 'zh', 'unchanged')).toContain('微信营销消息设置未更改');
    expect(resubscribeConfirmation('sms', 'en', 'unchanged')).toContain('were not changed');
  });
});

describe('one-click unsubscribe tokens', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const now = Date.UTC(2026, 10, 24);

  it('verify for the customer they were signed for, until they expire', () => {
    const token = signUnsubscribeToken(secret, 'c-1001', now, 60_000);
    expect(verifyUnsubscribeToken(secret, token, now + 59_000)).toEqual({ customerId: 'c-1001' });
    expect(verifyUnsubscribeToken(secret, token, now + 61_000)).toEqual({ problem: 'expired' });
  });

  it('refuse another secret, a changed customer or expiry, and garbage', () => {
    const token = signUnsubscribeToken(secret, 'c-1001', now);
    expect(verifyUnsubscribeToken('another-secret-of-thirty-two-characters!', token, now)).toEqual({ problem: 'signature' });
    const [v, , exp, sig] = token.split('.');
    expect(verifyUnsubscribeToken(secret, [v, Buffer.from('c-1002').toString('base64url'), exp, sig].join('.'), now)).toEqual({ problem: 'signature' });
    expect(verifyUnsubscribeToken(secret, [v, token.split('.')[1], String(Number(exp) + 1), sig].join('.'), now)).toEqual({ problem: 'signature' });
    for (const bad of ['', 'x', 'v1.a.b.c', `v2.${token.slice(3)}`, `${token}.x`, token.replace(/\.\d+\./, '.12a.')]) {
      expect(verifyUnsubscribeToken(secret, bad, now), bad).toEqual({ problem: 'malformed' });
    }
  });

  it('makes the RFC 8058 headers', () => {
    const url = unsubscribeUrl('https://support.example.com/', 'v1.a+b');
    expect(url).toBe('https://support.example.com/api/unsubscribe?token=v1.a%2Bb');
    expect(listUnsubscribeHeaders(url)).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });
});

describe('coupon checks', () => {
  const now = Date.UTC(2026, 10, 24);
  const coupon = { code: 'LDABC123', customerId: 'c-1', amount: 20, threshold: 100, expiresAt: new Date(now + 1_000) };

  it('accept the owner on an order that meets the threshold', () => {
    expect(couponProblem(coupon, { customerId: 'c-1', orderAmount: 100, now })).toBeUndefined();
  });

  it('give each refusal its own status, in order: unknown, owner, void, redeemed, expired, threshold', () => {
    expect(couponProblem(undefined, { now }, 'LDNOPE')).toMatchObject({ code: 'coupon_unknown', status: 404 });
    expect(couponProblem(coupon, { customerId: 'c-2', now })).toMatchObject({ code: 'coupon_not_owned', status: 403 });
    expect(couponProblem({ ...coupon, voidedAt: new Date(now) }, { customerId: 'c-1', now })).toMatchObject({ code: 'coupon_void', status: 410 });
    expect(couponProblem({ ...coupon, redeemedAt: new Date(now), expiresAt: new Date(now - 1) }, { customerId: 'c-1', now })).toMatchObject({ code: 'coupon_already_redeemed', status: 409 });
    expect(couponProblem(coupon, { customerId: 'c-1', now: now + 2_000 })).toMatchObject({ code: 'coupon_expired', status: 410 });
    const below = couponProblem(coupon, { customerId: 'c-1', orderAmount: 99.5, now });
    expect(below).toMatchObject({ code: 'coupon_below_threshold', status: 422 });
    expect(below?.message).toContain('¥100');
  });
});
