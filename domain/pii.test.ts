import { describe, expect, it } from 'vitest';
import { findPii, maskPii, pseudonymise, restorePii } from './pii';

const ID_CARD = '11010519491231002X';
const BAD_ID_CARD = '110105194912310021';
const CARD = '6222021234567890128';

describe('finding personal data', () => {
  it('finds mobile numbers written plainly, spaced or with +86', () => {
    expect(findPii('电话13812345678').map((s) => s.kind)).toEqual(['phone']);
    expect(findPii('call me on +86 138 1234 5678 please').map((s) => s.text)).toEqual(['+86 138 1234 5678']);
  });

  it('accepts an ID card only when its checksum holds', () => {
    expect(findPii(`身份证${ID_CARD}`).map((s) => s.kind)).toEqual(['id_card']);
    expect(findPii(`身份证${BAD_ID_CARD}`)).toEqual([]);
  });

  it('accepts a bank card only when it passes Luhn', () => {
    expect(findPii(`卡号 ${CARD}`).map((s) => s.kind)).toEqual(['bank_card']);
    expect(findPii('卡号 6222 0212 3456 7890 128').map((s) => s.kind)).toEqual(['bank_card']);
    expect(findPii('卡号 6222021234567890127')).toEqual([]);
  });

  it('finds e-mail addresses, including full-width ones', () => {
    expect(findPii('mail li.na@example.cn now').map((s) => s.text)).toEqual(['li.na@example.cn']);
  });

  it('leaves ordinary numbers alone', () => {
    expect(findPii('订单LD20261001,金额2999元,2026年11月24日')).toEqual([]);
  });
});

describe('masking', () => {
  it('shows enough to recognise and not enough to use', () => {
    expect(maskPii(`手机13812345678,身份证${ID_CARD},卡${CARD},邮箱li.na@example.cn`)).toBe(
      '手机138****5678,身份证110105********002X,卡**** **** **** 0128,邮箱l***@example.cn',
    );
  });

  it('replaces personal data with placeholders and puts it back afterwards', () => {
    const { text, vault } = pseudonymise('My phone is 13812345678, again 13812345678, mail a@b.co');
    expect(text).toBe('My phone is [PHONE_1], again [PHONE_1], mail [EMAIL_1]');
    expect(restorePii('We will call [PHONE_1] and write to [EMAIL_1].', vault)).toBe('We will call 13812345678 and write to a@b.co.');
    expect(restorePii('Unknown [PHONE_9] stays.', vault)).toBe('Unknown [PHONE_9] stays.');
  });
});
