import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './business-hours';

export const WARNING_SHARE = 0.8;

/**
 * One SLA target (first response or resolution): a budget of working time that runs, can pause
 * while the desk waits on the customer, and resumes when they answer.
 */
export interface SlaClockState {
  budgetMs: number;
  consumedMs: number;
  /** Epoch ms since when it has been running; absent while paused or stopped. */
  runningSince?: number;
  stoppedAt?: number;
  warned: boolean;
  breached: boolean;
}

export function startClock(budgetMs: number, now: number): SlaClockState {
  return { budgetMs, consumedMs: 0, runningSince: now, warned: false, breached: false };
}

export function consumed(clock: SlaClockState, now: number, calendar: BusinessCalendar): number {
  return clock.consumedMs + (clock.runningSince !== undefined ? businessTimeBetween(clock.runningSince, now, calendar) : 0);
}

export function pauseClock(clock: SlaClockState, now: number, calendar: BusinessCalendar): SlaClockState {
  if (clock.runningSince === undefined) return clock;
  return { ...clock, consumedMs: consumed(clock, now, calendar), runningSince: undefined };
}

export function resumeClock(clock: SlaClockState, now: number): SlaClockState {
  if (clock.runningSince !== undefined || clock.stoppedAt !== undefined) return clock;
  return { ...clock, runningSince: now };
}

export function stopClock(clock: SlaClockState, now: number, calendar: BusinessCalendar): SlaClockState {
  if (clock.stoppedAt !== undefined) return clock;
  return { ...pauseClock(clock, now, calendar), stoppedAt: now };
}

/** A tighter target for a clock not yet stopped or breached; the time it has used stays used. */
export function retargetClock(clock: SlaClockState, budgetMs: number): SlaClockState {
  if (clock.stoppedAt !== undefined || clock.breached || budgetMs >= clock.budgetMs) return clock;
  return { ...clock, budgetMs };
}

/** When the clock will next need attention (its warning, then its breach), if it is running. */
export function nextDeadline(clock: SlaClockState, now: number, calendar: BusinessCalendar): { at: number; kind: 'warning' | 'breach' } | undefined {
  if (clock.runningSince === undefined || clock.breached) return undefined;
  const used = consumed(clock, now, calendar);
  const target = clock.warned ? clock.budgetMs : clock.budgetMs * WARNING_SHARE;
  return { at: addBusinessTime(now, Math.max(0, target - used), calendar), kind: clock.warned ? 'breach' : 'warning' };
}

/** What has become due by `now`, and the clock with that recorded. */
export function checkClock(clock: SlaClockState, now: number, calendar: BusinessCalendar): { clock: SlaClockState; due: Array<'warning' | 'breach'> } {
  if (clock.breached || clock.stoppedAt !== undefined) return { clock, due: [] };
  const used = consumed(clock, now, calendar);
  const due: Array<'warning' | 'breach'> = [];
  let next = clock;
  if (!clock.warned && used >= clock.budgetMs * WARNING_SHARE) {
    next = { ...next, warned: true };
    due.push('warning');
  }
  if (used >= clock.budgetMs) {
    next = { ...next, warned: true, breached: true };
    due.push('breach');
  }
  return { clock: next, due };
}

export function remainingMs(clock: SlaClockState, now: number, calendar: BusinessCalendar): number {
  return clock.budgetMs - consumed(clock, now, calendar);
}
