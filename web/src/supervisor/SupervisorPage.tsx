import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage, OPEN_STATUSES, QUEUES, streamUrl, type Alert, type AgentStatus, type DeskOverview, type DeskReport, type EscalationSummary } from '../api';
import { statusLabel, useDocumentTitle, useI18n } from '../i18n';
import { valueLabel } from '../labels';
import { formatDuration, formatTime, useDebounced, useEventStream, useNow } from '../live';
import { LoginForm, StaffHeader, useStaffSession, type StaffSession } from '../staff';
import { ApprovalsPanel } from '../cases/ApprovalsPanel';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;
type GroupBy = DeskReport['groupBy'];

const LIVE_EVENTS = ['escalation_updated', 'alert'] as const;
const GROUPINGS: readonly GroupBy[] = ['queue', 'agent', 'day'];
const REFRESH_MS = 30_000;
const STATUSES: readonly AgentStatus[] = ['online', 'away', 'offline'];

export function SupervisorPage() {
  const { t } = useI18n();
  useDocumentTitle(`${t('sv.title')} · Loopdesk`);
  const { session, expired, signIn, signOut, call } = useStaffSession();
  if (!session) {
    return (
      <>
        <StaffHeader title={t('sv.title')} />
        <main className="centered">
          <LoginForm onSignedIn={signIn} expired={expired} />
        </main>
      </>
    );
  }
  if (!session.user.roles.some((role) => role === 'supervisor' || role === 'admin')) {
    return (
      <>
        <StaffHeader title={t('sv.title')} user={session.user} onSignOut={() => signOut()} />
        <main className="centered">
          <p className="notice">{t('login.needsRole', { role: 'supervisor', user: session.user.username })}</p>
        </main>
      </>
    );
  }
  return <Supervisor session={session} call={call} onSignOut={() => signOut()} />;
}

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
const duration = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));

function Supervisor({ session, call, onSignOut }: { session: StaffSession; call: Call; onSignOut: () => void }) {
  const { t, lang } = useI18n();
  const now = useNow();
  const [overview, setOverview] = useState<DeskOverview>();
  const [open, setOpen] = useState<EscalationSummary[]>([]);
  const [groupBy, setGroupBy] = useState<GroupBy>('queue');
  const [report, setReport] = useState<DeskReport>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  /** Loads overlap (live news, the timer, an action's own reload): only the latest one is shown. */
  const latestLoad = useRef(0);
  const loadDesk = useCallback(async () => {
    const load = ++latestLoad.current;
    try {
      const [desk, escalations] = await Promise.all([call<DeskOverview>('/api/desk/overview'), call<{ escalations: EscalationSummary[] }>('/api/escalations?limit=200')]);
      if (load !== latestLoad.current) return;
      setOverview(desk);
      setOpen(escalations.escalations.filter((e) => OPEN_STATUSES.includes(e.status)));
      setError(undefined);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [call]);

  const loadReport = useCallback(async () => {
    try {
      setReport(await call<DeskReport>(`/api/reports/desk?groupBy=${groupBy}`));
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [call, groupBy]);

  const refresh = useDebounced(() => {
    void loadDesk();
    void loadReport();
  }, 300);
  const stream = useEventStream(streamUrl('/api/agents/me/events', session.token), LIVE_EVENTS, refresh, refresh);

  useEffect(() => {
    void loadDesk();
    const timer = setInterval(() => void loadDesk(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadDesk]);
  useEffect(() => {
    void loadReport();
  }, [loadReport]);

  async function reassign(escalationId: string, toAgent: string) {
    setDone(undefined);
    try {
      await call(`/api/escalations/${escalationId}/reassign`, { method: 'POST', body: toAgent ? { toAgent } : {} });
      setDone(t('wb.done', { action: `${t('sv.reassign')} ${escalationId}` }));
      await loadDesk();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  async function acknowledge(alert: Alert) {
    setDone(undefined);
    try {
      await call(`/api/alerts/${encodeURIComponent(alert.alertKey)}/acknowledge`, { method: 'POST', body: {} });
      setDone(t('sv.acknowledged', { kind: valueLabel(lang, 'alertKind', alert.kind), id: alert.escalationId }));
      await loadDesk();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  async function setAgentStatus(agentId: string, displayName: string, status: AgentStatus) {
    setDone(undefined);
    try {
      await call(`/api/agents/${encodeURIComponent(agentId)}/status`, { method: 'PUT', body: { status } });
      setDone(t('sv.statusSet', { agent: displayName, status: t(`status.${status}`) }));
      await loadDesk();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  const agents = overview?.agents ?? [];
  const alertClass = (kind: string) => (kind.endsWith('breach') ? 'breach' : kind.endsWith('warning') ? 'warn' : '');
  return (
    <>
      <StaffHeader title={t('sv.title')} user={session.user} onSignOut={onSignOut}>
        <span className={`live-dot live-${stream}`} role="status">
          {stream === 'open' ? t('common.live') : t('common.reconnecting')}
        </span>
        <button type="button" onClick={refresh}>
          {t('common.refresh')}
        </button>
      </StaffHeader>
      <div role="status">{done && <p className="ok banner">{done}</p>}</div>
      {error && (
        <p className="error banner" role="alert">
          {t('common.error', { message: error })}
        </p>
      )}
      {!overview ? (
        <p className="muted centered">{t('common.loading')}</p>
      ) : (
        <main className="supervisor">
          <section className="card" aria-labelledby="queues-title">
            <h2 id="queues-title">{t('sv.queues')}</h2>
            <ul className="queue-lengths">
              {QUEUES.map((queue) => (
                <li key={queue}>
                  <span className="big">{overview.queues[queue] ?? 0}</span>
                  <span>{valueLabel(lang, 'queue', queue)}</span>
                </li>
              ))}
            </ul>
            <h3>{t('sv.waiting')}</h3>
            {overview.waiting.length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('sv.escalation')}</th>
                    <th scope="col">{t('sv.queue')}</th>
                    <th scope="col">{t('sv.priority')}</th>
                    <th scope="col">{t('sv.waitingFor')}</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.waiting.map((task) => (
                    <tr key={task.escalationId}>
                      <td>
                        <code>{task.escalationId}</code>
                      </td>
                      <td>{valueLabel(lang, 'queue', task.queue)}</td>
                      <td>{valueLabel(lang, 'priority', task.priority)}</td>
                      <td>{formatDuration(now - task.enqueuedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="card" aria-labelledby="agents-title">
            <h2 id="agents-title">{t('sv.agents')}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('sv.agent')}</th>
                  <th scope="col">{t('sv.status')}</th>
                  <th scope="col">{t('sv.load')}</th>
                  <th scope="col">{t('sv.skills')}</th>
                </tr>
              </thead>
              <tbody>
                {agents.map((agent) => (
                  <tr key={agent.agentId}>
                    <td>{agent.displayName}</td>
                    <td>
                      <label className="visually-hidden" htmlFor={`status-${agent.agentId}`}>
                        {t('sv.setStatus', { agent: agent.displayName })}
                      </label>
                      <select id={`status-${agent.agentId}`} className={`badge agent-${agent.status}`} value={agent.status} onChange={(e) => void setAgentStatus(agent.agentId, agent.displayName, e.target.value as AgentStatus)}>
                        {STATUSES.map((status) => (
                          <option key={status} value={status}>
                            {t(`status.${status}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <meter min={0} max={agent.capacity} value={agent.load} aria-label={`${agent.displayName} ${t('sv.load')}`} /> {agent.load}/{agent.capacity}
                    </td>
                    <td>{agent.skills.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section className="card wide" aria-labelledby="open-title">
            <h2 id="open-title">{t('sv.open')}</h2>
            {open.length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('sv.escalation')}</th>
                    <th scope="col">{t('sv.queue')}</th>
                    <th scope="col">{t('sv.priority')}</th>
                    <th scope="col">{t('sv.status')}</th>
                    <th scope="col">{t('sv.holder')}</th>
                    <th scope="col">{t('sv.reassign')}</th>
                  </tr>
                </thead>
                <tbody>
                  {open.map((e) => (
                    <tr key={e.escalationId}>
                      <td>
                        <code>{e.escalationId}</code>
                      </td>
                      <td>{e.queue ? valueLabel(lang, 'queue', e.queue) : '—'}</td>
                      <td>{e.priority ? valueLabel(lang, 'priority', e.priority) : '—'}</td>
                      <td>
                        <span className={`badge status-${e.status}`}>{statusLabel(t, e.status)}</span>
                      </td>
                      <td>{e.agentId ?? '—'}</td>
                      <td>
                        <ReassignForm escalationId={e.escalationId} agents={agents.filter((a) => a.agentId !== e.agentId)} onReassign={reassign} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <ApprovalsPanel call={call} />
          <section className="card wide" aria-labelledby="alerts-title">
            <h2 id="alerts-title">{t('sv.alerts')}</h2>
            {overview.alerts.length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <ul className="alerts">
                {overview.alerts.map((alert) => (
                  <li key={alert.alertKey} className={alertClass(alert.kind)}>
                    <time dateTime={alert.at}>{formatTime(alert.at, lang)}</time>{' '}
                    <strong>
                      {alert.kind.endsWith('breach') ? `${t('sv.breach')}: ` : ''}
                      {valueLabel(lang, 'alertKind', alert.kind)}
                    </strong>{' '}
                    · <code>{alert.escalationId}</code> · {valueLabel(lang, 'queue', alert.queue)} · {valueLabel(lang, 'priority', alert.priority)}
                    {alert.agentId ? ` · ${alert.agentId}` : ''}{' '}
                    <button type="button" aria-label={t('sv.acknowledgeAlert', { kind: valueLabel(lang, 'alertKind', alert.kind), id: alert.escalationId })} onClick={() => void acknowledge(alert)}>
                      {t('sv.acknowledge')}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <h3 id="notices-title">{t('sv.notices')}</h3>
            {(overview.notices ?? []).length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <ul className="notices" aria-labelledby="notices-title">
                {(overview.notices ?? []).slice(0, 10).map((notice) => (
                  <li key={notice.alertKey}>
                    <time dateTime={notice.at}>{formatTime(notice.at, lang)}</time> <code>{notice.escalationId}</code> · {valueLabel(lang, 'queue', notice.queue)} · {valueLabel(lang, 'priority', notice.priority)}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="card wide" aria-labelledby="report-title">
            <div className="section-head">
              <h2 id="report-title">{t('sv.report')}</h2>
              <label>
                {t('sv.groupBy')}{' '}
                <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)}>
                  {GROUPINGS.map((g) => (
                    <option key={g} value={g}>
                      {t(`sv.groupBy.${g}` as const)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {report && (
              <>
                <div className="table-scroll">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('sv.group')}</th>
                        <th scope="col">{t('sv.escalations')}</th>
                        <th scope="col">{t('sv.resolved')}</th>
                        <th scope="col">{t('sv.frAvg')}</th>
                        <th scope="col">{t('sv.frP50')}</th>
                        <th scope="col">{t('sv.resAvg')}</th>
                        <th scope="col">{t('sv.slaAttainment')}</th>
                        <th scope="col">{t('sv.csatAvg')}</th>
                        <th scope="col">{t('sv.csatN')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {report.groups.length === 0 && (
                        <tr>
                          <td colSpan={9} className="muted">
                            {t('common.none')}
                          </td>
                        </tr>
                      )}
                      {report.groups.map((g) => (
                        <tr key={g.group}>
                          <th scope="row">{groupBy === 'queue' ? valueLabel(lang, 'queue', g.group) : g.group}</th>
                          <td>{g.escalations}</td>
                          <td>{g.resolved}</td>
                          <td>{duration(g.firstResponseAvgMs)}</td>
                          <td>{duration(g.firstResponseP50Ms)}</td>
                          <td>{duration(g.resolutionAvgMs)}</td>
                          <td>{percent(g.slaAttainment)}</td>
                          <td>{g.csatAverage ?? '—'}</td>
                          <td>{g.csatResponses}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <p className="muted">{t('sv.bot', { closed: report.bot.closed, bot: percent(report.bot.botResolutionRate), handoff: percent(report.bot.handoffRate) })}</p>
              </>
            )}
          </section>
        </main>
      )}
    </>
  );
}

function ReassignForm({ escalationId, agents, onReassign }: { escalationId: string; agents: DeskOverview['agents']; onReassign: (id: string, toAgent: string) => Promise<void> }) {
  const { t } = useI18n();
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    void onReassign(escalationId, target).finally(() => setBusy(false));
  }
  return (
    <form className="inline" onSubmit={submit}>
      <label className="visually-hidden" htmlFor={`reassign-${escalationId}`}>
        {t('sv.reassignTo', { id: escalationId })}
      </label>
      <select id={`reassign-${escalationId}`} value={target} onChange={(e) => setTarget(e.target.value)}>
        <option value="">{t('sv.reroute')}</option>
        {agents.map((a) => (
          <option key={a.agentId} value={a.agentId}>
            {a.displayName} ({t(`status.${a.status}`)}, {a.load}/{a.capacity})
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        {t('sv.reassign')}
      </button>
    </form>
  );
}
