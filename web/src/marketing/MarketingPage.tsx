import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../api';
import { useDocumentTitle, useI18n } from '../i18n';
import { LoginForm, StaffHeader, useStaffSession, type StaffSession } from '../staff';
import { SegmentForm, type FieldSpec } from './SegmentForm';
import { SEGMENT_NAMES, text, type TextKey } from './text';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;
type Segment = keyof typeof SEGMENT_NAMES;

interface CampaignSummary {
  campaignId: string;
  name: string;
  status: 'active' | 'paused';
}

type RunStatus = 'sending' | 'awaiting_conversions' | 'completed';

interface CampaignDetail extends CampaignSummary {
  schedule: { paused: boolean; nextRuns: string[] } | null;
  runs: Array<{ runId: string; status: RunStatus; startedAt: string; sentAt?: string; windowEndsAt?: string }>;
}

interface MarketerSegment {
  segmentId: string;
  name: string;
}

interface Funnel {
  targeted: number;
  sent: number;
  delivered: number;
  failed: number;
  converted: number;
  revenue: number;
  conversionRate: number;
}

interface Significance {
  uplift: number;
  pValue: number;
  significant: boolean;
}

interface Report {
  total: Funnel;
  holdout: Funnel;
  upliftVsHoldout: Significance | null;
  variants: Array<Funnel & { variant: string; upliftVsHoldout: Significance | null }>;
}

const WIN_BACK_SEGMENTS: Segment[] = ['at_risk', 'hibernating', 'lost'];
const ALL_SEGMENTS = Object.keys(SEGMENT_NAMES).filter((s) => s !== 'unscored') as Segment[];
const CHANNELS = ['sms', 'email', 'wechat', 'app'] as const;

export function MarketingPage() {
  const { lang } = useI18n();
  const title = text(lang, 'title');
  useDocumentTitle(`${title} · Loopdesk`);
  const { session, expired, signIn, signOut, call } = useStaffSession();
  if (!session) {
    return (
      <>
        <StaffHeader title={title} />
        <main className="centered">
          <LoginForm onSignedIn={signIn} expired={expired} />
        </main>
      </>
    );
  }
  if (!session.user.roles.some((role) => role === 'marketer' || role === 'admin')) {
    return (
      <>
        <StaffHeader title={title} user={session.user} onSignOut={() => signOut()} />
        <main className="centered">
          <p className="notice">{text(lang, 'needsRole', { user: session.user.username })}</p>
        </main>
      </>
    );
  }
  return <Console session={session} call={call} onSignOut={() => signOut()} />;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
/** How often an open campaign's runs and funnel are read again, so a run's progress shows without a click. */
const REFRESH_MS = 5_000;

function Console({ session, call, onSignOut }: { session: StaffSession; call: Call; onSignOut: () => void }) {
  const { lang } = useI18n();
  const tr = (key: TextKey, vars?: Record<string, string | number>) => text(lang, key, vars);
  const [segments, setSegments] = useState<Array<{ segment: Segment; customers: number }>>([]);
  const [marketerSegments, setMarketerSegments] = useState<MarketerSegment[]>([]);
  const [fieldSpecs, setFieldSpecs] = useState<FieldSpec[]>([]);
  const [campaigns, setCampaigns] = useState<CampaignSummary[]>([]);
  const [selected, setSelected] = useState<string>();
  const [detail, setDetail] = useState<CampaignDetail>();
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const attempt = useCallback(async (work: () => Promise<void>) => {
    try {
      await work();
      setError(undefined);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, []);

  const load = useCallback(
    () =>
      attempt(async () => {
        const [seg, list] = await Promise.all([
          call<{ rfm: Array<{ segment: Segment; customers: number }>; segments: MarketerSegment[]; fieldSpecs: FieldSpec[] }>('/api/segments'),
          call<{ campaigns: CampaignSummary[] }>('/api/campaigns'),
        ]);
        setSegments(seg.rfm);
        setMarketerSegments(seg.segments);
        setFieldSpecs(seg.fieldSpecs);
        setCampaigns(list.campaigns);
      }),
    [attempt, call],
  );

  const loadCampaign = useCallback(
    (campaignId: string) =>
      attempt(async () => {
        const [d, r] = await Promise.all([call<CampaignDetail>(`/api/campaigns/${campaignId}`), call<Report>(`/api/campaigns/${campaignId}/report`)]);
        setDetail(d);
        setReport(r);
      }),
    [attempt, call],
  );

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (!selected) return;
    void loadCampaign(selected);
    // A run sends, then counts conversions as they come: keep the open campaign current while the tab is visible.
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void loadCampaign(selected);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [selected, loadCampaign]);

  const act = (path: string, method: string, message?: TextKey) =>
    attempt(async () => {
      await call(path, { method });
      if (message) setDone(tr(message));
      await load();
      if (selected && method !== 'DELETE') await loadCampaign(selected);
      if (method === 'DELETE') setSelected(undefined);
    });

  return (
    <>
      <StaffHeader title={tr('title')} user={session.user} onSignOut={onSignOut}>
        <button type="button" onClick={() => void load().then(() => (selected ? loadCampaign(selected) : undefined))}>
          {tr('refresh')}
        </button>
      </StaffHeader>
      <div role="status">{done && <p className="ok banner">{done}</p>}</div>
      {error && (
        <p className="error banner" role="alert">
          {tr('error', { message: error })}
        </p>
      )}
      <main className="supervisor marketing">
        <section className="card" aria-labelledby="segments-title">
          <div className="section-head">
            <h2 id="segments-title">{tr('segments')}</h2>
            <button
              type="button"
              onClick={() =>
                void attempt(async () => {
                  const result = await call<{ customers: number; moved: number }>('/api/rfm/rescore', { method: 'POST' });
                  setDone(tr('rescored', { n: result.customers, moved: result.moved }));
                  await load();
                })
              }
            >
              {tr('rescore')}
            </button>
          </div>
          <ul className="queue-lengths">
            {segments.map((s) => (
              <li key={s.segment}>
                <span className="big">{s.customers}</span> {SEGMENT_NAMES[s.segment][lang]}
              </li>
            ))}
          </ul>
          <h3>{tr('marketerSegments')}</h3>
          {marketerSegments.length === 0 ? (
            <p className="muted">{tr('noMarketerSegments')}</p>
          ) : (
            <ul className="marketer-segments" aria-label={tr('marketerSegments')}>
              {marketerSegments.map((m) => (
                <li key={m.segmentId}>{m.name}</li>
              ))}
            </ul>
          )}
        </section>

        <SegmentForm
          call={call}
          fields={fieldSpecs}
          onSaved={(message) =>
            void attempt(async () => {
              setDone(message);
              await load();
            })
          }
          onError={setError}
        />

        <CampaignForm
          call={call}
          marketerSegments={marketerSegments}
          onCreated={(id) =>
            void attempt(async () => {
              setDone(tr('created'));
              await load();
              setSelected(id);
            })
          }
          onError={setError}
        />

        <section className="card wide" aria-labelledby="campaigns-title">
          <h2 id="campaigns-title">{tr('campaigns')}</h2>
          {campaigns.length === 0 ? (
            <p className="muted">{tr('noCampaigns')}</p>
          ) : (
            <ul className="campaign-list">
              {campaigns.map((c) => (
                <li key={c.campaignId}>
                  <button type="button" aria-pressed={selected === c.campaignId} onClick={() => setSelected(c.campaignId)}>
                    {c.name}
                  </button>{' '}
                  <span className="muted">{tr(c.status)}</span>
                </li>
              ))}
            </ul>
          )}
          {detail && selected === detail.campaignId && (
            <div className="campaign-detail">
              <h3>{detail.name}</h3>
              <p>
                {tr('status')}: {tr(detail.status)} · {tr('nextRun')}: {detail.schedule?.nextRuns[0] ? new Date(detail.schedule.nextRuns[0]).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '—'}
              </p>
              <div className="actions">
                {detail.status === 'active' ? (
                  <button type="button" onClick={() => void act(`/api/campaigns/${detail.campaignId}/pause`, 'POST', 'pausedDone')}>{tr('pause')}</button>
                ) : (
                  <button type="button" onClick={() => void act(`/api/campaigns/${detail.campaignId}/resume`, 'POST', 'resumedDone')}>{tr('resume')}</button>
                )}
                <button type="button" disabled={detail.status !== 'active'} onClick={() => void act(`/api/campaigns/${detail.campaignId}/trigger`, 'POST', 'triggered')}>
                  {tr('trigger')}
                </button>
                <button type="button" className="danger" onClick={() => void act(`/api/campaigns/${detail.campaignId}`, 'DELETE', 'deletedDone')}>{tr('remove')}</button>
              </div>
              <RunList runs={detail.runs} />
              {report && <FunnelTable report={report} />}
            </div>
          )}
        </section>
      </main>
    </>
  );
}

const RUN_STATUS: Record<RunStatus, TextKey> = { sending: 'runSending', awaiting_conversions: 'runAwaiting', completed: 'runCompleted' };

/** The campaign's latest runs: when each started and where it stands. */
function RunList({ runs }: { runs: CampaignDetail['runs'] }) {
  const { lang } = useI18n();
  const when = (iso: string) => new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  if (runs.length === 0) return <p className="muted">{text(lang, 'noRuns')}</p>;
  return (
    <div>
      <h4>{text(lang, 'runs')}</h4>
      <ul className="run-list" aria-label={text(lang, 'runs')}>
        {runs.slice(0, 5).map((run) => (
          <li key={run.runId}>
            {when(run.startedAt)} · <span className="run-status">{text(lang, RUN_STATUS[run.status] ?? 'runSending')}</span>
            {run.status === 'awaiting_conversions' && run.windowEndsAt ? ` · ${text(lang, 'windowEnds', { at: when(run.windowEndsAt) })}` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

function FunnelTable({ report }: { report: Report }) {
  const { lang } = useI18n();
  const tr = (key: TextKey, vars?: Record<string, string | number>) => text(lang, key, vars);
  const points = (s: Significance) => `${s.uplift >= 0 ? '+' : ''}${(s.uplift * 100).toFixed(1)} pt`;
  const significance = (s: Significance | null) => (s ? `${points(s)} · ${tr('pValue')} ${s.pValue.toFixed(3)} · ${s.significant ? tr('significant') : tr('notSignificant')}` : '—');
  const row = (label: string, f: Funnel, s: Significance | null | undefined) => (
    <tr key={label}>
      <th scope="row">{label}</th>
      <td>{f.targeted}</td>
      <td>{f.sent}</td>
      <td>{f.delivered}</td>
      <td>{f.failed}</td>
      <td>{f.converted}</td>
      <td>{percent(f.conversionRate)}</td>
      <td>{f.revenue.toFixed(2)}</td>
      <td>{s === undefined ? '' : significance(s)}</td>
    </tr>
  );
  const uplift = report.upliftVsHoldout;
  return (
    <div className="table-scroll">
      <h4>{tr('report')}</h4>
      <p className="uplift-summary" data-testid="uplift-summary">
        {uplift
          ? tr('upliftSummary', {
              variants: percent(report.total.conversionRate),
              holdout: percent(report.holdout.conversionRate),
              uplift: points(uplift),
              p: uplift.pValue.toFixed(3),
              verdict: uplift.significant ? tr('significant') : tr('notSignificant'),
            })
          : tr('noUpliftYet')}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">{tr('variant')}</th>
            <th scope="col">{tr('targeted')}</th>
            <th scope="col">{tr('sent')}</th>
            <th scope="col">{tr('delivered')}</th>
            <th scope="col">{tr('failed')}</th>
            <th scope="col">{tr('converted')}</th>
            <th scope="col">{tr('rate')}</th>
            <th scope="col">{tr('revenue')}</th>
            <th scope="col">{tr('uplift')}</th>
          </tr>
        </thead>
        <tbody>
          {report.variants.map((v) => row(v.variant, v, v.upliftVsHoldout))}
          {row(tr('total'), report.total, report.upliftVsHoldout)}
          {row(tr('holdoutRow'), report.holdout, undefined)}
        </tbody>
      </table>
    </div>
  );
}

function CampaignForm({ call, marketerSegments, onCreated, onError }: { call: Call; marketerSegments: MarketerSegment[]; onCreated: (campaignId: string) => void; onError: (message: string) => void }) {
  const { lang } = useI18n();
  const tr = (key: TextKey) => text(lang, key);
  const [name, setName] = useState(lang === 'zh' ? '流失挽回' : 'Win-back');
  const [audience, setAudience] = useState<Segment[]>(WIN_BACK_SEGMENTS);
  const [segmentId, setSegmentId] = useState('');
  const [offer, setOffer] = useState({ amount: 30, threshold: 199, expiryDays: 14 });
  const [channels, setChannels] = useState<string[]>(['app', 'wechat', 'sms', 'email']);
  const [variantA, setVariantA] = useState({ zh: '{{name}},好久不见!送您{{amount}}元回归券 {{coupon}},满{{threshold}}元可用,{{expiry}}前有效。回复TD退订', en: 'We miss you, {{name}}! ¥{{amount}} off with {{coupon}} on orders over ¥{{threshold}}, until {{expiry}}. Reply STOP to opt out' });
  const [variantB, setVariantB] = useState({ zh: '', en: '' });
  const [holdout, setHoldout] = useState(10);
  const [cron, setCron] = useState('0 2 * * 1');
  const [quietOn, setQuietOn] = useState(true);
  const [quiet, setQuiet] = useState({ start: '21:00', end: '09:00' });
  const [cap, setCap] = useState({ maxMessages: 2, perDays: 7 });
  const [windowHours, setWindowHours] = useState(72);
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const variants = [{ id: 'a', weight: 1, templates: variantA }, ...(variantB.zh && variantB.en ? [{ id: 'b', weight: 1, templates: variantB }] : [])];
    try {
      const created = await call<{ campaignId: string }>('/api/campaigns', {
        method: 'POST',
        body: {
          name,
          audience: { ...(audience.length ? { segments: audience } : {}), ...(segmentId ? { segmentId } : {}) },
          offer,
          channels: CHANNELS.filter((c) => channels.includes(c)),
          variants,
          holdoutShare: holdout / 100,
          schedule: { cron },
          ...(quietOn ? { quietHours: { ...quiet, utcOffsetMinutes: 480 } } : {}),
          frequencyCap: cap,
          goal: { event: 'purchase', windowHours },
        },
      });
      onCreated(created.campaignId);
    } catch (failure) {
      onError(errorMessage(failure));
    }
  };
  const num = (value: string) => Number(value);

  return (
    <section className="card" aria-labelledby="new-campaign-title">
      <h2 id="new-campaign-title">{tr('newCampaign')}</h2>
      <form className="stacked" onSubmit={(e) => void submit(e)}>
        <label>
          {tr('name')} <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <fieldset>
          <legend>{tr('audience')}</legend>
          {ALL_SEGMENTS.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={audience.includes(s)} onChange={() => setAudience(toggle(audience, s))} /> {SEGMENT_NAMES[s][lang]}
            </label>
          ))}
          <label>
            {tr('marketerSegment')}{' '}
            <select value={segmentId} onChange={(e) => setSegmentId(e.target.value)}>
              <option value="">{tr('noMarketerSegment')}</option>
              {marketerSegments.map((m) => (
                <option key={m.segmentId} value={m.segmentId}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>{tr('offer')}</legend>
          <label>
            {tr('amount')} <input type="number" min={1} value={offer.amount} onChange={(e) => setOffer({ ...offer, amount: num(e.target.value) })} />
          </label>
          <label>
            {tr('threshold')} <input type="number" min={0} value={offer.threshold} onChange={(e) => setOffer({ ...offer, threshold: num(e.target.value) })} />
          </label>
          <label>
            {tr('expiryDays')} <input type="number" min={1} value={offer.expiryDays} onChange={(e) => setOffer({ ...offer, expiryDays: num(e.target.value) })} />
          </label>
        </fieldset>
        <fieldset>
          <legend>{tr('channels')}</legend>
          {CHANNELS.map((c) => (
            <label key={c}>
              <input type="checkbox" checked={channels.includes(c)} onChange={() => setChannels(toggle(channels, c))} /> {c}
            </label>
          ))}
        </fieldset>
        <p className="muted">{tr('placeholders')}</p>
        <label>
          {tr('variantA')} (中文) <textarea value={variantA.zh} onChange={(e) => setVariantA({ ...variantA, zh: e.target.value })} rows={2} />
        </label>
        <label>
          {tr('variantA')} (English) <textarea value={variantA.en} onChange={(e) => setVariantA({ ...variantA, en: e.target.value })} rows={2} />
        </label>
        <label>
          {tr('variantB')} (中文) <textarea value={variantB.zh} onChange={(e) => setVariantB({ ...variantB, zh: e.target.value })} rows={2} />
        </label>
        <label>
          {tr('variantB')} (English) <textarea value={variantB.en} onChange={(e) => setVariantB({ ...variantB, en: e.target.value })} rows={2} />
        </label>
        <label>
          {tr('holdout')} <input type="number" min={0} max={50} value={holdout} onChange={(e) => setHoldout(num(e.target.value))} />
        </label>
        <label>
          {tr('cron')} <input value={cron} onChange={(e) => setCron(e.target.value)} required />
        </label>
        <fieldset>
          <legend>{tr('quiet')}</legend>
          <label>
            <input type="checkbox" checked={quietOn} onChange={() => setQuietOn(!quietOn)} /> {tr('quietOn')}
          </label>
          <label>
            {tr('quietFrom')} <input type="time" disabled={!quietOn} value={quiet.start} onChange={(e) => setQuiet({ ...quiet, start: e.target.value })} />
          </label>
          <label>
            {tr('quietUntil')} <input type="time" disabled={!quietOn} value={quiet.end} onChange={(e) => setQuiet({ ...quiet, end: e.target.value })} />
          </label>
        </fieldset>
        <fieldset>
          <legend>{tr('cap')}</legend>
          <label>
            {tr('capMessages')} <input type="number" min={1} value={cap.maxMessages} onChange={(e) => setCap({ ...cap, maxMessages: num(e.target.value) })} />
          </label>
          <label>
            {tr('capDays')} <input type="number" min={1} value={cap.perDays} onChange={(e) => setCap({ ...cap, perDays: num(e.target.value) })} />
          </label>
        </fieldset>
        <label>
          {tr('window')} <input type="number" min={1} value={windowHours} onChange={(e) => setWindowHours(num(e.target.value))} />
        </label>
        <button type="submit" className="primary">
          {tr('create')}
        </button>
      </form>
    </section>
  );
}
