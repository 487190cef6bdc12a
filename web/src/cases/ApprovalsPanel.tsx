import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../api';
import { useI18n } from '../i18n';
import { formatDuration, formatTime, useNow } from '../live';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;

/** A case's approval waiting for a supervisor, as `GET /api/case-tasks?status=pending` lists it. */
export interface ApprovalTask {
  taskId: string;
  caseId: string;
  kind: 'refund_approval' | 'goodwill_approval';
  amount: number;
  status: 'open' | 'escalated';
  createdAt: string;
  escalatedAt?: string;
  customerId?: string;
  orderId?: string;
  caseType?: 'return' | 'exchange' | 'complaint';
  deadline?: string;
}

type Decision = 'approve' | 'reject';

/** Often enough that a new approval shows within a minute even without a live event. */
const REFRESH_MS = 15_000;

const money = (amount: number) => `¥${amount.toFixed(2)}`;

/**
 * Refunds and goodwill coupons waiting for a supervisor: the case, customer, order, amount, how
 * long it has waited and when it expires undecided, with approve and reject (and a note) per task.
 * A decision the case refuses (already decided by someone else, expired) shows the server's reason.
 */
export function ApprovalsPanel({ call }: { call: Call }) {
  const { t, lang } = useI18n();
  const now = useNow(30_000);
  const [tasks, setTasks] = useState<ApprovalTask[]>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const load = useCallback(async () => {
    try {
      setTasks((await call<{ tasks: ApprovalTask[] }>('/api/case-tasks?status=pending')).tasks);
      setError(undefined);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [call]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  async function decide(task: ApprovalTask, decision: Decision, note: string): Promise<void> {
    setDone(undefined);
    setError(undefined);
    try {
      await call(`/api/cases/${task.caseId}/approval`, { method: 'POST', body: { decision, ...(note ? { note } : {}) } });
      setDone(t(decision === 'approve' ? 'ap.approved' : 'ap.rejected', { id: task.caseId }));
    } catch (failure) {
      setError(errorMessage(failure));
    }
    await load();
  }

  return (
    <section className="card wide approvals" aria-labelledby="approvals-title">
      <h2 id="approvals-title">{t('ap.title')}</h2>
      <div role="status">{done && <p className="ok">{done}</p>}</div>
      {error && (
        <p className="error" role="alert">
          {t('common.error', { message: error })}
        </p>
      )}
      {!tasks ? (
        <p className="muted">{t('common.loading')}</p>
      ) : tasks.length === 0 ? (
        <p className="muted">{t('ap.none')}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('ap.case')}</th>
                <th scope="col">{t('ap.customer')}</th>
                <th scope="col">{t('ap.kind')}</th>
                <th scope="col">{t('ap.amount')}</th>
                <th scope="col">{t('ap.age')}</th>
                <th scope="col">{t('ap.deadline')}</th>
                <th scope="col">{t('ap.decision')}</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((task) => (
                <tr key={task.taskId} data-case={task.caseId}>
                  <td>
                    <code>{task.caseId}</code>
                    {task.orderId && <div className="muted">{task.orderId}</div>}
                  </td>
                  <td>{task.customerId ?? '—'}</td>
                  <td>
                    {t(task.kind === 'refund_approval' ? 'ap.kind.refund' : 'ap.kind.goodwill')}
                    {task.status === 'escalated' && <span className="badge status-escalated"> {t('ap.overdue')}</span>}
                  </td>
                  <td>{money(task.amount)}</td>
                  <td>{formatDuration(Math.max(0, now - Date.parse(task.createdAt)))}</td>
                  <td>{task.deadline ? <time dateTime={task.deadline}>{formatTime(task.deadline, lang)}</time> : '—'}</td>
                  <td>
                    <DecisionForm task={task} onDecide={decide} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DecisionForm({ task, onDecide }: { task: ApprovalTask; onDecide: (task: ApprovalTask, decision: Decision, note: string) => Promise<void> }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The button pressed says which decision it is.
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const decision: Decision = submitter?.value === 'reject' ? 'reject' : 'approve';
    setBusy(true);
    void onDecide(task, decision, note.trim()).finally(() => setBusy(false));
  }

  return (
    <form className="inline" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={`approval-note-${task.taskId}`}>
        {t('ap.noteFor', { id: task.caseId })}
      </label>
      <input id={`approval-note-${task.taskId}`} value={note} maxLength={1_000} placeholder={t('ap.note')} onChange={(e) => setNote(e.target.value)} />
      <button type="submit" name="decision" value="approve" disabled={busy}>
        {t('ap.approve')}
      </button>
      <button type="submit" name="decision" value="reject" disabled={busy}>
        {t('ap.reject')}
      </button>
    </form>
  );
}
