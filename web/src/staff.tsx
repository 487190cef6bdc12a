import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorMessage, type LoginResult, type StaffUser } from './api';
import { LangSwitch, useI18n, type MessageKey } from './i18n';

const STORAGE_KEY = 'loopdesk.staff';
/** Roles that work on the desk and have a presence there. */
const DESK_ROLES: ReadonlySet<string> = new Set(['agent', 'supervisor']);

export interface StaffSession {
  token: string;
  expiresAt: string;
  user: StaffUser;
}

function storedSession(): StaffSession | undefined {
  try {
    const session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StaffSession | null;
    return session && Date.parse(session.expiresAt) > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The signed-in staff member, kept in sessionStorage (this tab only, gone when it closes).
 * `call` sends the token and signs out on a 401, so an expired token leads back to the sign-in form.
 */
export function useStaffSession() {
  const [session, setSession] = useState<StaffSession | undefined>(storedSession);
  const [expired, setExpired] = useState(false);

  const signIn = useCallback((result: LoginResult) => {
    const next = { token: result.token, expiresAt: result.expiresAt, user: result.user };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setExpired(false);
    setSession(next);
  }, []);

  const token = session?.token;
  const isAgent = session?.user.roles.some((role) => DESK_ROLES.has(role)) ?? false;

  const signOut = useCallback(
    (why?: 'expired') => {
      const clear = () => {
        sessionStorage.removeItem(STORAGE_KEY);
        setExpired(why === 'expired');
        setSession(undefined);
      };
      // Signing out of the desk means going offline, so the router stops giving this agent work and
      // routes what they had not accepted to someone present. An expired token can no longer say so.
      if (why === 'expired' || !token || !isAgent) {
        clear();
        return;
      }
      void api('/api/agents/me/status', { method: 'PUT', body: { status: 'offline' }, token })
        .catch(() => undefined)
        .finally(clear);
    },
    [token, isAgent],
  );

  const call = useCallback(
    async <T,>(path: string, opts: { method?: string; body?: unknown } = {}): Promise<T> => {
      try {
        return await api<T>(path, { ...opts, token });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) signOut('expired');
        throw error;
      }
    },
    [token, signOut],
  );

  return { session, expired, signIn, signOut, call };
}

export function LoginForm({ onSignedIn, expired }: { onSignedIn: (result: LoginResult) => void; expired: boolean }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<LoginResult>('/api/auth/login', { method: 'POST', body: { username, password } }));
    } catch (failure) {
      setError(t('login.failed', { message: errorMessage(failure) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card login" onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
      <h2 id="login-title">{t('login.title')}</h2>
      {expired && <p className="notice">{t('login.expired')}</p>}
      <label>
        {t('login.username')}
        <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label>
        {t('login.password')}
        <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {t('login.submit')}
      </button>
      <p className="hint">{t('login.hint')}</p>
    </form>
  );
}

/** The staff pages' links, in the order the bar shows them. */
export const STAFF_NAV: ReadonlyArray<{ href: string; label: MessageKey }> = [
  { href: '/workbench', label: 'nav.workbench' },
  { href: '/supervisor', label: 'nav.supervisor' },
  { href: '/shop', label: 'nav.shop' },
];

/** The bar at the top of the staff pages. */
export function StaffHeader({ title, user, onSignOut, children }: { title: string; user?: StaffUser; onSignOut?: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          ◎
        </span>
        <h1>
          {t('app.name')} · {title}
        </h1>
      </div>
      <nav aria-label={t('app.name')}>
        {STAFF_NAV.map((link) => (
          <a key={link.href} href={link.href} aria-current={window.location.pathname === link.href ? 'page' : undefined}>
            {t(link.label)}
          </a>
        ))}
      </nav>
      <div className="topbar-tools">
        {children}
        {user && (
          <span className="who" title={user.roles.join(', ')}>
            {user.displayName}
          </span>
        )}
        {user && onSignOut && (
          <button type="button" onClick={onSignOut}>
            {t('login.logout')}
          </button>
        )}
        <LangSwitch />
      </div>
    </header>
  );
}
