import { describe, expect, it } from 'vitest';
import { extractEntities } from './entities';
import { resolveDate } from './dates';

// A Tuesday.
const now = new Date(2026, 10, 24, 15, 30);
const datesIn = (text: string) => extractEntities(text, { now }).filter((m) => m.type === 'date').map((m) => m.value);

describe('dates relative to the moment of the message', () => {
  it.each([
    ['昨天下的单', '2026-11-23'],
    ['前天就发货了', '2026-11-22'],
    ['大前天买的', '2026-11-21'],
    ['明天下午能送到吗', '2026-11-25'],
    ['后天在家', '2026-11-26'],
    ['I ordered it yesterday', '2026-11-23'],
    ['can it come the day after tomorrow?', '2026-11-26'],
    ['deliver it next Monday please', '2026-11-30'],
    ['it was sent last Friday', '2026-11-20'],
    ['上周五退的货', '2026-11-20'],
    ['下周一能放款吗', '2026-11-30'],
    ['周五之前能到吗', '2026-11-27'],
  ])('reads "%s" as %s', (text, iso) => {
    expect(datesIn(text)).toEqual([iso]);
  });

  it('reads calendar dates, taking the year nearest to now when none is given', () => {
    expect(datesIn('11月3日下的单')).toEqual(['2026-11-03']);
    expect(datesIn('十一月三号')).toEqual(['2026-11-03']);
    expect(datesIn('1月5日之前能到吗')).toEqual(['2027-01-05']);
    expect(datesIn('delivered on Nov 3rd')).toEqual(['2026-11-03']);
    expect(datesIn('2025-12-31 的账单')).toEqual(['2025-12-31']);
  });

  it('does not read durations, habits or impossible days as dates', () => {
    expect(datesIn('快递三天了还没到')).toEqual([]);
    expect(datesIn('滤芯一周一次要清洗吗')).toEqual([]);
    expect(datesIn('2月30日')).toEqual([]);
  });

  it('leaves "today" out: the message itself already says when it was sent', () => {
    expect(datesIn('今天能发货吗')).toEqual([]);
  });

  it('resolves a written expression on its own, as the eval does for gold values', () => {
    expect(resolveDate('yesterday', now)).toBe('2026-11-23');
    expect(resolveDate('no date here', now)).toBeUndefined();
  });
});
