import { describe, expect, it } from 'vitest';
import { extractEntities } from './entities';
import { isBankCardNumber, isValidChineseIdCard, passesLuhn } from './identifiers';

const entitiesOf = (text: string) => extractEntities(text).map(({ type, value }) => ({ type, value }));

describe('Chinese resident ID cards', () => {
  it('accepts numbers whose GB 11643 check character is right, X included', () => {
    expect(isValidChineseIdCard('440304198805121230')).toBe(true);
    expect(isValidChineseIdCard('11010519491231002X')).toBe(true);
    expect(isValidChineseIdCard('11010519491231002x')).toBe(true);
  });

  it('rejects a mistyped check character or digit', () => {
    expect(isValidChineseIdCard('440304198805121231')).toBe(false);
    expect(isValidChineseIdCard('440304198805121320')).toBe(false);
  });

  it('rejects an impossible birth date even with a matching check character', () => {
    expect(isValidChineseIdCard('44030419881332123X')).toBe(false);
  });

  it('extracts a valid ID card and ignores one that fails its checksum', () => {
    expect(entitiesOf('身份证号440304198805121230')).toEqual([{ type: 'id_card', value: '440304198805121230' }]);
    expect(entitiesOf('身份证号440304198805121231')).toEqual([]);
  });
});

describe('bank cards', () => {
  it('follow the Luhn check', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(isBankCardNumber('6222021234567890128')).toBe(true);
    expect(isBankCardNumber('6222021234567890127')).toBe(false);
  });

  it('are found written in groups of four', () => {
    expect(entitiesOf('扣款的卡是 6222 0212 3456 7890 128')).toEqual([{ type: 'bank_card', value: '6222021234567890128' }]);
  });

  it('are never an 18-digit ID card that happens to pass Luhn, nor a mobile number', () => {
    expect(entitiesOf('card 4111111111111111, phone 13812345678')).toEqual([
      { type: 'bank_card', value: '4111111111111111' },
      { type: 'phone', value: '13812345678' },
    ]);
    expect(isBankCardNumber('13812345678')).toBe(false);
  });
});

describe('phones, e-mails and order numbers', () => {
  it('normalises mobile numbers written with a country code or spaces', () => {
    expect(entitiesOf('打我电话 +86 138 1234 5678')).toEqual([{ type: 'phone', value: '13812345678' }]);
    expect(entitiesOf('call +8613912345678')).toEqual([{ type: 'phone', value: '13912345678' }]);
  });

  it('reads order numbers, dated or prefixed, and e-mail addresses', () => {
    expect(entitiesOf('订单202611230078还没到')).toEqual([{ type: 'order_id', value: '202611230078' }]);
    expect(entitiesOf('order LD20261004, email me at Wang.Fang@Example.com')).toEqual([
      { type: 'order_id', value: 'LD20261004' },
      { type: 'email', value: 'wang.fang@example.com' },
    ]);
  });

  it('does not take a tracking number or a hotline for an order number', () => {
    expect(entitiesOf('快递单号 SF1234567890')).toEqual([]);
    expect(entitiesOf('再不解决我就打12315')).toEqual([]);
  });
});
