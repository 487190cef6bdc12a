import type { EscalationStatus, SlaClock } from '../api';
import { useI18n } from '../i18n';
import { formatDuration } from '../live';

/** A clock as the server reported it at `fetchedAt`, counted down locally until the next report. */
export function remainingNow(clock: SlaClock, fetchedAt: number, now: number): number {
  return clock.running ? clock.remainingMs - (now - fetchedAt) : clock.remainingMs;
}

const WARN_BELOW_MS = 60_000;

export function SlaCountdown({ name, clock, fetchedAt, now, status }: { name: 'first_response' | 'resolution'; clock: SlaClock; fetchedAt: number; now: number; status: EscalationStatus }) {
  const { t } = useI18n();
  const remaining = remainingNow(clock, fetchedAt, now);
  const overdue = clock.breached || remaining <= 0;
  const tone = overdue ? 'breach' : clock.warned || (clock.running && remaining < WARN_BELOW_MS) ? 'warn' : clock.running ? 'ok' : 'idle';
  const label = t(name === 'first_response' ? 'wb.firstResponse' : 'wb.resolution');
  const note = overdue ? t('wb.overdue') : clock.running ? '' : t(status === 'waiting_customer' && name === 'resolution' ? 'wb.paused' : 'wb.stopped');
  return (
    <span className={`sla sla-${tone}`}>
      <span className="sla-label">{label}</span> <time dateTime={`PT${Math.max(0, Math.round(remaining / 1000))}S`}>{formatDuration(remaining)}</time>
      {note && <span className="sla-note"> · {note}</span>}
    </span>
  );
}
