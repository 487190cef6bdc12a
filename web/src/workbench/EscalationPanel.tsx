import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage, newId, OPEN_STATUSES, QUEUES, streamUrl, type Agent, type CaseSummary, type ConversationView, type EscalationDetail, type Role } from '../api';
import { statusLabel, useI18n, type MessageKey } from '../i18n';
import { valueLabel } from '../labels';
import { formatTime, useDebounced, useEventStream, useNow } from '../live';
import type { StaffSession } from '../staff';
import { Customer360Panel } from './Customer360Panel';
import { SlaCountdown } from './Sla';
import { cannedReplies, suggestedReply } from './suggestions';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;

const ROLE_LABEL: Record<Role, MessageKey> = { customer: 'wb.role.customer', bot: 'widget.bot', agent: 'widget.agent', system: 'widget.system' };
const CONVERSATION_EVENTS = ['message'] as const;
const WORKING: ReadonlySet<string> = new Set(['active', 'waiting_customer']);
/** The case behind a case's desk task, as GET /api/cases/:id returns it. */
type CaseDetail = CaseSummary & { channel?: string; priority?: string; tier?: number; timeline: NonNullable<CaseSummary['timeline']> };
/** Who may see personal data unmasked (the API checks it too, and audits every reveal). */
const REVEAL_ROLES: ReadonlySet<string> = new Set(['supervisor', 'admin']);

/**
 * One escalation, opened: transcript, hand-off packet, the customer's 360° view, a suggested reply
 * and the actions. The transcript is reloaded from the API (which masks personal data) whenever the
 * conversation's live stream says something new was recorded. The transcript comes masked; a
 * supervisor can reveal it, and each unmasked read lands in the audit log.
 */
export function EscalationPanel({
  escalationId,
  session,
  call,
  agents,
  pulse,
  onChanged,
}: {
  escalationId: string;
  session: StaffSession;
  call: Call;
  agents: Agent[];
  /** Changes whenever the agent's own stream has news; the panel then reloads. */
  pulse: number;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const now = useNow();
  const [detail, setDetail] = useState<{ escalation: EscalationDetail; caseView?: CaseDetail; fetchedAt: number }>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState('');
  const [awaitCustomer, setAwaitCustomer] = useState(false);
  const [transferTo, setTransferTo] = useState('');
  const [note, setNote] = useState('');
  const [revealed, setRevealed] = useState(false);
  const canReveal = session.user.roles.some((role) => REVEAL_ROLES.has(role));
  /** One idempotency key per reply being written: a retried send after a failure is delivered once. */
  const replyId = useRef(newId('r'));
  const transcriptEnd = useRef<HTMLLIElement>(null);

  const load = useCallback(async () => {
    try {
      const escalation = await call<EscalationDetail>(`/api/escalations/${escalationId}?reveal=${revealed}`);
      // A case's desk task opened outside a chat has no conversation to read: its case's history stands in for the transcript.
      const [transcript, caseView] = await Promise.all([
        escalation.hasConversation === false
          ? escalation.transcript
          : call<ConversationView>(`/api/conversations/${encodeURIComponent(escalation.conversationId)}?reveal=${revealed}`).then((conversation) => conversation.transcript),
        escalation.caseId ? call<CaseDetail>(`/api/cases/${encodeURIComponent(escalation.caseId)}`) : undefined,
      ]);
      setDetail({ escalation: { ...escalation, transcript }, ...(caseView ? { caseView } : {}), fetchedAt: Date.now() });
      setError(undefined);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [call, escalationId, revealed]);

  useEffect(() => {
    void load();
  }, [load]);

  const reload = useDebounced(() => void load());
  useEffect(() => {
    if (pulse > 0) reload();
  }, [pulse, reload]);
  const conversationId = detail?.escalation.hasConversation === false ? undefined : detail?.escalation.conversationId;
  useEventStream(conversationId ? streamUrl(`/api/conversations/${encodeURIComponent(conversationId)}/events`, session.token) : undefined, CONVERSATION_EVENTS, reload, reload);

  useEffect(() => {
    transcriptEnd.current?.scrollIntoView({ block: 'end' });
  }, [detail?.escalation.transcript.length]);

  async function act(action: MessageKey, path: string, body?: unknown): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await call(`/api/escalations/${escalationId}/${path}`, { method: 'POST', body: body ?? {} });
      await load();
      setDone(t('wb.done', { action: t(action) }));
      onChanged();
      return true;
    } catch (failure) {
      setError(errorMessage(failure));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function sendReply(event: FormEvent) {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    if (await act('wb.reply', 'reply', { text, awaitCustomer, messageId: replyId.current })) {
      replyId.current = newId('r');
      setDraft('');
      setAwaitCustomer(false);
    }
  }

  async function transfer(event: FormEvent) {
    event.preventDefault();
    const [kind, target] = transferTo.split(':');
    if (!target) return;
    if (await act('wb.transfer', 'transfer', kind === 'queue' ? { toQueue: target } : { toAgent: target })) setTransferTo('');
  }

  if (!detail) {
    return <section className="panel-main">{error ? <p className="error" role="alert">{t('common.error', { message: error })}</p> : <p className="muted">{t('common.loading')}</p>}</section>;
  }

  const { escalation, caseView, fetchedAt } = detail;
  const withoutConversation = escalation.hasConversation === false;
  const me = session.user.username;
  const mine = escalation.agentId === me;
  const canAccept = mine && escalation.status === 'assigned';
  const canWork = mine && WORKING.has(escalation.status);
  const ended = !OPEN_STATUSES.includes(escalation.status);
  const packet = escalation.packet;
  const myName = agents.find((a) => a.agentId === me)?.displayName ?? session.user.displayName;
  const suggestion = suggestedReply(packet, myName, escalation.customer.name);

  return (
    <>
      <section className="panel-main" aria-labelledby="esc-title">
        <header className="panel-head">
          <div>
            <h2 id="esc-title">
              {escalation.escalationId} <span className={`badge status-${escalation.status}`}>{statusLabel(t, escalation.status)}</span>
              {escalation.priority === 'high' && <span className="badge priority-high">{t('wb.priority.high')}</span>}
            </h2>
            <p className="muted">
              {escalation.queue ? valueLabel(lang, 'queue', escalation.queue) : '—'} · {valueLabel(lang, 'channel', escalation.channel)} · <code>{escalation.conversationId}</code>
            </p>
          </div>
          {escalation.sla && (
            <div className="sla-pair">
              <SlaCountdown name="first_response" clock={escalation.sla.first_response} fetchedAt={fetchedAt} now={now} status={escalation.status} />
              <SlaCountdown name="resolution" clock={escalation.sla.resolution} fetchedAt={fetchedAt} now={now} status={escalation.status} />
            </div>
          )}
        </header>

        <div role="status" className="panel-status">
          {done && <p className="ok">{done}</p>}
          {canAccept && <p className="notice">{t('wb.acceptHint')}</p>}
          {escalation.status === 'queued' && <p className="notice">{t('wb.queuedHint')}</p>}
          {!mine && escalation.agentId && !ended && <p className="notice">{t('wb.otherAgent', { agent: escalation.agentId })}</p>}
          {ended && <p className="notice">{t('wb.endedHint', { status: statusLabel(t, escalation.status) })}</p>}
          {escalation.csatScore !== undefined && <p className="ok">{t('wb.csat', { score: escalation.csatScore })}</p>}
        </div>
        {error && (
          <p className="error" role="alert">
            {t('common.error', { message: error })}
          </p>
        )}

        {caseView && (
          <section className="case-task" aria-labelledby="case-task-title">
            <h3 id="case-task-title">{t('wb.caseTask', { caseId: caseView.caseId, type: valueLabel(lang, 'caseType', caseView.type), status: valueLabel(lang, 'caseState', caseView.status) })}</h3>
            <p className="muted">{t(withoutConversation ? 'wb.caseTaskNoChat' : 'wb.caseTaskChat', { channel: valueLabel(lang, 'channel', caseView.channel ?? escalation.channel) })}</p>
            <ol className="timeline" aria-label={t('wb.caseTimeline')}>
              {caseView.timeline.map((entry, i) => (
                <li key={`${entry.at}-${i}`}>
                  <time dateTime={entry.at}>{formatTime(entry.at, lang)}</time> {valueLabel(lang, 'caseEvent', entry.type ?? entry.state ?? '')}
                  {entry.detail ? ` · ${entry.detail}` : ''}
                </li>
              ))}
            </ol>
          </section>
        )}

        {!withoutConversation && (
          <>
            <div className="section-head">
              <h3 id="transcript-title">{t('wb.transcript')}</h3>
              <p className={revealed ? 'notice' : 'muted'}>
                {t(revealed ? 'wb.revealed' : 'wb.masked')}{' '}
                {canReveal && (
                  <button type="button" className="link" onClick={() => setRevealed(!revealed)}>
                    {t(revealed ? 'wb.hide' : 'wb.reveal')}
                  </button>
                )}
              </p>
            </div>
            <ol className="transcript staff" aria-labelledby="transcript-title" aria-live="polite">
              {escalation.transcript.map((entry) => (
                <li key={entry.seq} className={`msg msg-${entry.role}`}>
                  <span className="msg-who">
                    {t(ROLE_LABEL[entry.role])} · {formatTime(entry.at, lang)}
                  </span>
                  <p>{entry.text}</p>
                </li>
              ))}
              <li ref={transcriptEnd} className="transcript-end" aria-hidden="true" />
            </ol>
          </>
        )}

        {canAccept && (
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void act('wb.accept', 'accept')}>
              {t('wb.accept')}
            </button>
          </div>
        )}

        {canWork && (
          <>
            <div className="suggestion">
              <p>
                <span className="badge">{t('wb.suggested')}</span> {suggestion}
              </p>
              <button type="button" onClick={() => setDraft(suggestion)}>
                {t('wb.useSuggestion')}
              </button>
            </div>
            <div className="canned" role="group" aria-label={t('wb.canned')}>
              {cannedReplies(packet.lang).map((text) => (
                <button key={text} type="button" className="chip" onClick={() => setDraft(text)}>
                  {text}
                </button>
              ))}
            </div>
            <form className="reply-form" onSubmit={(event) => void sendReply(event)}>
              <label htmlFor="reply-text">{t('wb.replyLabel')}</label>
              <textarea id="reply-text" rows={3} maxLength={4000} value={draft} onChange={(e) => setDraft(e.target.value)} />
              <div className="reply-row">
                <label className="check">
                  <input type="checkbox" checked={awaitCustomer} onChange={(e) => setAwaitCustomer(e.target.checked)} /> {t('wb.awaitCustomer')}
                </label>
                <button type="submit" className="primary" disabled={busy || !draft.trim()}>
                  {t('wb.reply')}
                </button>
              </div>
            </form>
            <div className="actions">
              <form className="inline" onSubmit={(event) => void transfer(event)}>
                <label htmlFor="transfer-to">{t('wb.transferTo')}</label>
                <select id="transfer-to" value={transferTo} onChange={(e) => setTransferTo(e.target.value)}>
                  <option value="">—</option>
                  {QUEUES.map((queue) => (
                    <option key={queue} value={`queue:${queue}`}>
                      {t('wb.toQueue', { queue: valueLabel(lang, 'queue', queue) })}
                    </option>
                  ))}
                  {agents
                    .filter((a) => a.agentId !== me)
                    .map((a) => (
                      <option key={a.agentId} value={`agent:${a.agentId}`}>
                        {t('wb.toAgent', { agent: `${a.displayName} (${t(`status.${a.status}`)})` })}
                      </option>
                    ))}
                </select>
                <button type="submit" disabled={busy || !transferTo}>
                  {t('wb.transfer')}
                </button>
              </form>
              <button type="button" disabled={busy} onClick={() => void act('wb.handBack', 'hand-back')}>
                {t('wb.handBack')}
              </button>
              <form className="inline" onSubmit={(event) => {
                event.preventDefault();
                void act('wb.resolve', 'resolve', note.trim() ? { note: note.trim() } : {}).then((ok) => ok && setNote(''));
              }}>
                <label htmlFor="resolve-note" className="visually-hidden">
                  {t('wb.resolveNote')}
                </label>
                <input id="resolve-note" placeholder={t('wb.resolveNote')} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
                <button type="submit" className="danger" disabled={busy}>
                  {t('wb.resolve')}
                </button>
              </form>
            </div>
          </>
        )}
      </section>

      <aside className="panel-side">
        <section className="card" aria-labelledby="packet-title">
          <h3 id="packet-title">{t('wb.packet')}</h3>
          <dl className="facts">
            <dt>{t('wb.reason')}</dt>
            <dd>{valueLabel(lang, 'handoffReason', packet.reason)}</dd>
            <dt>{t('wb.summary')}</dt>
            <dd>{packet.summary}</dd>
            <dt>{t('wb.intents')}</dt>
            <dd>{packet.intents.map((s) => `${s.intent} (${s.sentiment})`).join(' → ') || t('common.none')}</dd>
            <dt>{t('wb.slots')}</dt>
            <dd>
              {Object.entries(packet.slots)
                .map(([key, value]) => `${key}: ${value}`)
                .join(', ') || t('common.none')}
            </dd>
            {packet.lastProduct && (
              <>
                <dt>{t('wb.lastProduct')}</dt>
                <dd>{packet.lastProduct}</dd>
              </>
            )}
            <dt>{t('wb.verified')}</dt>
            <dd>{t(packet.verified ? 'wb.yes' : 'wb.no')}</dd>
          </dl>
        </section>
        <Customer360Panel customer={escalation.customer} />
        {escalation.timeline && escalation.timeline.length > 0 && (
          <section className="card" aria-labelledby="timeline-title">
            <h3 id="timeline-title">{t('wb.timeline')}</h3>
            <ol className="timeline">
              {escalation.timeline.map((event, i) => (
                <li key={`${event.at}-${i}`}>
                  <time dateTime={event.at}>{formatTime(event.at, lang)}</time> {valueLabel(lang, 'escalationEvent', event.type)}
                  {event.agentId ? ` · ${event.agentId}` : ''}
                  {event.detail ? ` · ${event.detail}` : ''}
                </li>
              ))}
            </ol>
          </section>
        )}
      </aside>
    </>
  );
}
