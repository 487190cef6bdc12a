import { describe, expect, it } from 'vitest';
import { parseChineseNumber } from './chinese-numerals';
import { extractEntities } from './entities';

const moneyIn = (text: string) => extractEntities(text).filter((m) => m.type === 'money').map((m) => m.value);

describe('Chinese numerals', () => {
  it.each([
    ['五万', 50_000],
    ['二十万', 200_000],
    ['3千', 3_000],
    ['1.5万', 15_000],
    ['两千五', 2_500],
    ['三万五', 35_000],
    ['一百零五', 105],
    ['十五', 15],
    ['一亿五千万', 150_000_000],
    ['壹仟贰佰', 1_200],
  ])('reads %s as %d', (numeral, value) => {
    expect(parseChineseNumber(numeral)).toBe(value);
  });

  it('refuses text that is not a number', () => {
    expect(parseChineseNumber('五万块')).toBeUndefined();
    expect(parseChineseNumber('')).toBeUndefined();
  });
});

describe('money amounts', () => {
  it.each([
    ['想贷款五万,利息多少', 50_000],
    ['额度能到二十万吗', 200_000],
    ['先借3千周转', 3_000],
    ['Please refund ¥2,000 to my card', 2_000],
    ['budget is about 5k', 5_000],
    ['退了我199元', 199],
    ['付了两千五百块', 2_500],
    ['I need to borrow 8000', 8_000],
  ])('finds the amount in "%s"', (text, value) => {
    expect(moneyIn(text)).toEqual([value]);
  });

  it('leaves counts, model numbers, hotlines and order numbers alone', () => {
    expect(moneyIn('快递三天了还没到,订单号202611150007')).toEqual([]);
    expect(moneyIn('今天走了五万步')).toEqual([]);
    expect(moneyIn('67W充电器和128GB的X5')).toEqual([]);
    expect(moneyIn('我要打12315')).toEqual([]);
    expect(moneyIn('千万别给我打电话')).toEqual([]);
    expect(moneyIn('分12期可以吗')).toEqual([]);
  });
});
