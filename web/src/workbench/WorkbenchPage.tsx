import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage, OPEN_STATUSES, streamUrl, type Agent, type AgentStatus, type EscalationDetail, type EscalationSummary, type SlaClock } from '../api';
import { statusLabel, useDocumentTitle, useI18n } from '../i18n';
import { useDebounced, useEventStream, useNow } from '../live';
import { LoginForm, StaffHeader, useStaffSession, type StaffSession } from '../staff';
import { EscalationPanel } from './EscalationPanel';
import { SlaCountdown } from './Sla';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;

const AGENT_EVENTS = ['escalation_updated', 'alert'] as const;
const STATUSES: readonly AgentStatus[] = ['online', 'away', 'offline'];
/** Queued work for other skills raises no event for this agent, so the queue is also reloaded now and then. */
const QUEUE_REFRESH_MS = 20_000;
const RECENTLY_ENDED = 5;

interface QueueItem {
  escalation: EscalationSummary;
  sla?: { first_response: SlaClock; resolution: SlaClock };
  fetchedAt: number;
}

export function WorkbenchPage() {
  const { t } = useI18n();
  useDocumentTitle(`${t('wb.title')} · Loopdesk`);
  const { session, expired, signIn, signOut, call } = useStaffSession();
  if (!session) {
    return (
      <>
        <StaffHeader title={t('wb.title')} />
        <main className="centered">
          <LoginForm onSignedIn={signIn} expired={expired} />
        </main>
      </>
    );
  }
  return <Workbench session={session} call={call} onSignOut={() => signOut()} />;
}

function Workbench({ session, call, onSignOut }: { session: StaffSession; call: Call; onSignOut: () => void }) {
  const { t } = useI18n();
  const now = useNow();
  const [agents, setAgents] = useState<Agent[]>([]);
  const [status, setStatus] = useState<AgentStatus>();
  const [notAgent, setNotAgent] = useState(false);
  const [mine, setMine] = useState<QueueItem[]>([]);
  const [waiting, setWaiting] = useState<QueueItem[]>([]);
  const [ended, setEnded] = useState<EscalationSummary[]>([]);
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<string>();
  const me = session.user.username;

  /** Counts the agent's own status changes, so a list fetched before one cannot put the old status back. */
  const statusChanges = useRef(0);
  const loadAgents = useCallback(async () => {
    const changesBefore = statusChanges.current;
    const { agents: list } = await call<{ agents: Agent[] }>('/api/agents');
    setAgents(list);
    const self = list.find((a) => a.agentId === me);
    setNotAgent(!self);
    if (self && statusChanges.current === changesBefore) setStatus(self.status);
  }, [call, me]);

  const loadQueue = useCallback(async () => {
    try {
      const [own, queued] = await Promise.all([
        call<{ escalations: EscalationSummary[] }>('/api/escalations?mine=true&limit=50'),
        call<{ escalations: EscalationSummary[] }>('/api/escalations?status=queued&limit=50'),
      ]);
      const open = own.escalations.filter((e) => OPEN_STATUSES.includes(e.status));
      const inQueue = queued.escalations.filter((e) => !open.some((o) => o.escalationId === e.escalationId));
      // The list carries no SLA clocks; each open escalation's detail does.
      const withClocks = async (escalation: EscalationSummary): Promise<QueueItem> => {
        try {
          const detail = await call<EscalationDetail>(`/api/escalations/${escalation.escalationId}`);
          return { escalation: { ...escalation, status: detail.status, agentId: detail.agentId }, sla: detail.sla, fetchedAt: Date.now() };
        } catch {
          return { escalation, fetchedAt: Date.now() };
        }
      };
      const items = await Promise.all([...open, ...inQueue].map(withClocks));
      // The lists come from the read model, which may lag the workflow by a write: sort by what the detail says.
      const isMine = (item: QueueItem) => item.escalation.agentId === me && OPEN_STATUSES.includes(item.escalation.status);
      setMine(items.filter(isMine));
      setWaiting(items.filter((item) => !isMine(item) && item.escalation.status === 'queued'));
      setEnded(own.escalations.filter((e) => !OPEN_STATUSES.includes(e.status)).slice(0, RECENTLY_ENDED));
      setError(undefined);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [call, me]);

  const reloadQueue = useDebounced(() => void loadQueue(), 200);
  /** Bumped by each event on the agent's stream, so the open escalation reloads too (a reassignment, an SLA alert). */
  const [pulse, setPulse] = useState(0);
  const onAgentEvent = () => {
    reloadQueue();
    setPulse((n) => n + 1);
  };
  const stream = useEventStream(streamUrl('/api/agents/me/events', session.token), AGENT_EVENTS, onAgentEvent, onAgentEvent);

  useEffect(() => {
    loadAgents().catch((failure: unknown) => setError(errorMessage(failure)));
    void loadQueue();
    const timer = setInterval(() => void loadQueue(), QUEUE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadAgents, loadQueue]);

  async function changeStatus(next: AgentStatus) {
    try {
      statusChanges.current += 1;
      await call('/api/agents/me/status', { method: 'PUT', body: { status: next } });
      setStatus(next);
      void loadQueue();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) setNotAgent(true);
      setError(errorMessage(failure));
    }
  }

  return (
    <>
      <StaffHeader title={t('wb.title')} user={session.user} onSignOut={onSignOut}>
        <fieldset className="segmented" disabled={notAgent}>
          <legend>{t('status.label')}</legend>
          {STATUSES.map((option) => (
            <label key={option} className={`seg seg-${option}${status === option ? ' checked' : ''}`}>
              <input type="radio" name="agent-status" value={option} checked={status === option} onChange={() => void changeStatus(option)} />
              {t(`status.${option}` as const)}
            </label>
          ))}
        </fieldset>
        <span className={`live-dot live-${stream}`} role="status">
          {stream === 'open' ? t('common.live') : t('common.reconnecting')}
        </span>
      </StaffHeader>
      {notAgent && <p className="notice banner">{t('status.notAgent')}</p>}
      {error && (
        <p className="error banner" role="alert">
          {t('common.error', { message: error })}
        </p>
      )}
      <div className="workbench">
        <nav className="queue" aria-labelledby="queue-title">
          <h2 id="queue-title" className="visually-hidden">
            {t('wb.queue')}
          </h2>
          <QueueSection title={t('wb.mine')} items={mine} selected={selected} onSelect={setSelected} now={now} />
          <QueueSection title={t('wb.waiting')} items={waiting} selected={selected} onSelect={setSelected} now={now} />
          <h3>{t('wb.ended')}</h3>
          {ended.length === 0 ? (
            <p className="muted">{t('wb.empty')}</p>
          ) : (
            <ul className="queue-list">
              {ended.map((e) => (
                <li key={e.escalationId}>
                  <button type="button" className={`queue-item${selected === e.escalationId ? ' selected' : ''}`} aria-current={selected === e.escalationId} onClick={() => setSelected(e.escalationId)}>
                    <span className="queue-item-title">{e.escalationId}</span>
                    <span className="muted">
                      {statusLabel(t, e.status)}
                      {e.csatScore !== undefined ? ` · ★${e.csatScore}` : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </nav>
        {selected ? (
          <EscalationPanel key={selected} escalationId={selected} session={session} call={call} agents={agents} pulse={pulse} onChanged={reloadQueue} />
        ) : (
          <section className="panel-main empty">
            <p className="muted">{t('wb.pick')}</p>
          </section>
        )}
      </div>
    </>
  );
}

function QueueSection({ title, items, selected, onSelect, now }: { title: string; items: QueueItem[]; selected?: string; onSelect: (id: string) => void; now: number }) {
  const { t } = useI18n();
  return (
    <>
      <h3>
        {title} <span className="count">{items.length}</span>
      </h3>
      {items.length === 0 ? (
        <p className="muted">{t('wb.empty')}</p>
      ) : (
        <ul className="queue-list">
          {items.map(({ escalation: e, sla, fetchedAt }) => (
            <li key={e.escalationId}>
              <button type="button" className={`queue-item${selected === e.escalationId ? ' selected' : ''}`} aria-current={selected === e.escalationId} onClick={() => onSelect(e.escalationId)}>
                <span className="queue-item-title">
                  {e.escalationId}
                  {e.priority === 'high' && <span className="badge priority-high">{t('wb.priority.high')}</span>}
                </span>
                <span className="muted">
                  {e.queue} · <span className={`badge status-${e.status}`}>{statusLabel(t, e.status)}</span> · {e.reason}
                </span>
                {sla && (
                  <span className="sla-pair">
                    <SlaCountdown name="first_response" clock={sla.first_response} fetchedAt={fetchedAt} now={now} status={e.status} />
                    <SlaCountdown name="resolution" clock={sla.resolution} fetchedAt={fetchedAt} now={now} status={e.status} />
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
