/**
 * When the service desk is staffed, so SLA clocks count only working time. A calendar is either
 * always open, or open the same hours on given weekdays at a fixed UTC offset (China has no DST).
 */
export type BusinessCalendar =
  | { kind: 'always' }
  | { kind: 'weekly'; days: number[]; openMinute: number; closeMinute: number; utcOffsetMinutes: number };

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Parses "24x7" or "mon-fri 09:00-18:00 +08:00" (days as a range or a comma list). */
export function parseBusinessHours(spec: string): BusinessCalendar {
  const text = spec.trim().toLowerCase();
  if (text === '24x7' || text === 'always') return { kind: 'always' };
  const match = /^([a-z,-]+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s+([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`business hours "${spec}": use "24x7" or e.g. "mon-fri 09:00-18:00 +08:00"`);
  const [, dayText = '', oh, om, ch, cm, sign, zh, zm] = match;
  const dayIndex = (name: string) => {
    const index = DAY_NAMES.indexOf(name);
    if (index < 0) throw new Error(`business hours "${spec}": unknown day "${name}"`);
    return index;
  };
  const days = new Set<number>();
  for (const part of dayText.split(',')) {
    const [from, to] = part.split('-');
    if (!from) continue;
    const start = dayIndex(from);
    const end = to ? dayIndex(to) : start;
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
  }
  const openMinute = Number(oh) * 60 + Number(om);
  const closeMinute = Number(ch) * 60 + Number(cm);
  if (closeMinute <= openMinute) throw new Error(`business hours "${spec}": closing time must be after opening time`);
  const utcOffsetMinutes = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  return { kind: 'weekly', days: [...days].sort(), openMinute, closeMinute, utcOffsetMinutes };
}

/** The open interval [start, end) of the working day containing or following `at`, in epoch ms. */
function nextOpenInterval(at: number, calendar: Extract<BusinessCalendar, { kind: 'weekly' }>): [number, number] {
  const offset = calendar.utcOffsetMinutes * MINUTE;
  const localMidnight = Math.floor((at + offset) / DAY) * DAY - offset;
  for (let dayStart = localMidnight; dayStart < localMidnight + 8 * DAY; dayStart += DAY) {
    const weekday = new Date(dayStart + offset).getUTCDay();
    if (!calendar.days.includes(weekday)) continue;
    const open = dayStart + calendar.openMinute * MINUTE;
    const close = dayStart + calendar.closeMinute * MINUTE;
    if (close > at) return [Math.max(open, at), close];
  }
  throw new Error('business calendar has no open days');
}

/** The moment `durationMs` of working time after `start` has passed. */
export function addBusinessTime(start: number, durationMs: number, calendar: BusinessCalendar): number {
  if (calendar.kind === 'always') return start + durationMs;
  let at = start;
  let left = durationMs;
  for (;;) {
    const [open, close] = nextOpenInterval(at, calendar);
    if (open + left <= close) return open + left;
    left -= close - open;
    at = close;
  }
}

/** Working time between two moments. */
export function businessTimeBetween(from: number, to: number, calendar: BusinessCalendar): number {
  if (to <= from) return 0;
  if (calendar.kind === 'always') return to - from;
  let total = 0;
  let at = from;
  while (at < to) {
    const [open, close] = nextOpenInterval(at, calendar);
    if (open >= to) break;
    total += Math.min(close, to) - open;
    at = close;
  }
  return total;
}
