import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage, newId, streamUrl, type BotReply, type DemoCustomer, type LiveMessage, type Role, type WidgetSession } from '../api';
import { useI18n, type MessageKey } from '../i18n';
import { useEventStream } from '../live';
import { awaitsRating, chatReducer, emptyChat, handoffState, type ChatEntry } from './chat-model';
import { citationLabel } from './seed-data';

const STORAGE_KEY = 'loopdesk.widget';
/** A message is sent this many times at most; each retry carries the same messageId, so it is recorded once. */
const SEND_ATTEMPTS = 3;
const STREAM_TYPES = ['message'] as const;

interface StoredWidget {
  session?: WidgetSession;
  handedOff: boolean;
  open: boolean;
}

/** The chat survives a reload of the page (sessionStorage: this tab only), so the customer carries on where they were. */
function loadStored(): StoredWidget {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredWidget | null;
    if (!stored) return { handedOff: false, open: false };
    const session = stored.session && Date.parse(stored.session.expiresAt) > Date.now() ? stored.session : undefined;
    return { session, handedOff: session ? stored.handedOff : false, open: stored.open };
  } catch {
    return { handedOff: false, open: false };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ROLE_LABEL: Record<Role, MessageKey> = { customer: 'widget.you', bot: 'widget.bot', agent: 'widget.agent', system: 'widget.system' };

/**
 * The web chat. `identity` is the shop's logged-in customer, signed by the shop; without it the
 * customer chats as an anonymous visitor. Changing who is logged in starts a new conversation.
 */
export function ChatWidget({ identity }: { identity?: DemoCustomer }) {
  const { t, lang } = useI18n();
  const initial = useRef(loadStored()).current;
  const [session, setSession] = useState<WidgetSession | undefined>(initial.session);
  const [open, setOpen] = useState(initial.open);
  const [chat, dispatch] = useReducer(chatReducer, initial.handedOff, emptyChat);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string>();
  const transcriptEnd = useRef<HTMLLIElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ session, handedOff: chat.handedOff, open } satisfies StoredWidget));
  }, [session, chat.handedOff, open]);

  const customerId = identity?.customerId;
  useEffect(() => {
    if (session && (customerId ?? 'anonymous') !== (session.customerId.startsWith('v-') ? 'anonymous' : session.customerId)) {
      setSession(undefined);
      setError(undefined);
      dispatch({ kind: 'reset', handedOff: false });
    }
  }, [customerId, session]);

  useEffect(() => {
    transcriptEnd.current?.scrollIntoView({ block: 'end' });
  }, [chat.entries.length, open]);

  // From the start of the conversation: after a reload this replays the transcript, and entries already shown are skipped by seq.
  const url = session ? streamUrl(`/api/conversations/${encodeURIComponent(session.conversationId)}/events`, session.token, 0) : undefined;
  const stream = useEventStream(url, STREAM_TYPES, (_type, event) => {
    const message = event.data as unknown as LiveMessage;
    if (typeof message.seq === 'number' && typeof message.text === 'string') dispatch({ kind: 'live', message });
  });

  async function ensureSession(): Promise<WidgetSession> {
    if (session) return session;
    const body = identity ? { customerId: identity.customerId, identitySignature: identity.identitySignature } : {};
    const created = await api<WidgetSession>('/api/widget/sessions', { method: 'POST', body });
    setSession(created);
    return created;
  }

  async function deliver(messageId: string, text: string): Promise<void> {
    setError(undefined);
    for (let attempt = 1; ; attempt++) {
      try {
        const current = await ensureSession();
        const reply = await api<BotReply>(`/api/conversations/${encodeURIComponent(current.conversationId)}/messages`, {
          method: 'POST',
          token: current.token,
          body: { channel: 'web', customerId: current.customerId, text, messageId },
        });
        dispatch({ kind: 'replied', messageId, reply: reply.reply, citations: reply.citations, handedOff: reply.handedOff });
        return;
      } catch (failure) {
        if (failure instanceof ApiError && failure.retryable && attempt < SEND_ATTEMPTS) {
          await sleep(attempt * 1_000);
          continue;
        }
        dispatch({ kind: 'failed', messageId });
        setError(errorMessage(failure));
        // The customer token has expired: this conversation cannot go on, a new one can.
        if (failure instanceof ApiError && failure.status === 401) setSession(undefined);
        return;
      }
    }
  }

  function send(text: string) {
    const trimmed = text.trim();
    if (!trimmed) return;
    const messageId = newId('w');
    dispatch({ kind: 'sending', messageId, text: trimmed });
    void deliver(messageId, trimmed);
  }

  function retry(entry: ChatEntry) {
    if (!entry.messageId) return;
    dispatch({ kind: 'retrying', messageId: entry.messageId });
    void deliver(entry.messageId, entry.text);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    send(draft);
    setDraft('');
    input.current?.focus();
  }

  function startOver() {
    setSession(undefined);
    setError(undefined);
    dispatch({ kind: 'reset', handedOff: false });
  }

  const state = handoffState(chat);
  const banner: Partial<Record<typeof state, MessageKey>> = { waiting: 'widget.handedOff', with_agent: 'widget.withAgent', ended: 'widget.ended' };
  const bannerKey = banner[state];

  if (!open) {
    return (
      <button type="button" className="widget-launcher" aria-expanded="false" aria-controls="chat-panel" onClick={() => setOpen(true)}>
        <span aria-hidden="true">💬</span> {t('widget.open')}
      </button>
    );
  }

  return (
    <section id="chat-panel" className="widget" aria-labelledby="chat-title">
      <header className="widget-head">
        <h2 id="chat-title">{t('widget.title')}</h2>
        <button type="button" className="icon" aria-expanded="true" aria-controls="chat-panel" aria-label={t('widget.minimise')} onClick={() => setOpen(false)}>
          ─
        </button>
      </header>
      <div role="status" className="widget-status">
        {bannerKey && <p className={`handoff handoff-${state}`}>{t(bannerKey)}</p>}
        {stream === 'down' && <p className="notice">{t('widget.offline')}</p>}
      </div>
      <ol className="transcript" aria-label={t('widget.transcript')} aria-live="polite">
        <li className="msg msg-bot">
          <span className="msg-who">{t('widget.bot')}</span>
          <p>{t('widget.greeting')}</p>
        </li>
        {chat.entries.map((entry) => (
          <li key={entry.key} className={`msg msg-${entry.role}`} data-seq={entry.seq}>
            <span className="msg-who">{t(ROLE_LABEL[entry.role])}</span>
            <p>{entry.text}</p>
            {entry.citations && (
              <p className="citations">
                {t('widget.sources')}: {entry.citations.map((c) => citationLabel(c, lang)).join(' · ')}
              </p>
            )}
            {entry.delivery === 'sending' && <span className="msg-state">{t('widget.sending')}</span>}
            {entry.delivery === 'failed' && (
              <span className="msg-state failed">
                {t('widget.failed')}{' '}
                <button type="button" className="link" onClick={() => retry(entry)}>
                  {t('widget.retry')}
                </button>
              </span>
            )}
          </li>
        ))}
        <li ref={transcriptEnd} className="transcript-end" aria-hidden="true" />
      </ol>
      {awaitsRating(chat.entries) && (
        <fieldset className="rating">
          <legend>{t('widget.rateTitle')}</legend>
          {[1, 2, 3, 4, 5].map((score) => (
            <button key={score} type="button" aria-label={t('widget.rateScore', { score })} onClick={() => send(String(score))}>
              {score}
              <span aria-hidden="true">★</span>
            </button>
          ))}
        </fieldset>
      )}
      {error && (
        <p className="error" role="alert">
          {t('common.error', { message: error })}{' '}
          {!session && (
            <button type="button" className="link" onClick={startOver}>
              {t('widget.newChat')}
            </button>
          )}
        </p>
      )}
      <form className="composer" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="chat-input">
          {t('widget.inputLabel')}
        </label>
        <input id="chat-input" ref={input} autoComplete="off" maxLength={4000} placeholder={t('widget.placeholder')} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" className="primary" disabled={!draft.trim()}>
          {t('widget.send')}
        </button>
      </form>
    </section>
  );
}
