import type { Customer360 } from '../api';
import { useI18n } from '../i18n';
import { valueLabel } from '../labels';
import { formatTime } from '../live';

/** Who the customer is and what they have done: tier, tags, recent orders and events, past conversations, and cases with their history. */
export function Customer360Panel({ customer }: { customer: Customer360 }) {
  const { t, lang } = useI18n();
  const money = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { style: 'currency', currency: 'CNY' });
  return (
    <section className="card" aria-labelledby="c360-title">
      <h3 id="c360-title">{t('wb.customer')}</h3>
      <dl className="facts">
        <dt>ID</dt>
        <dd>
          {customer.name ? `${customer.name} · ` : ''}
          <code>{customer.customerId}</code>
        </dd>
        <dt>{t('wb.tier')}</dt>
        <dd>
          <span className={`tier tier-${customer.tier}`}>{valueLabel(lang, 'tier', customer.tier)}</span>
        </dd>
        <dt>{t('wb.tags')}</dt>
        <dd>{customer.tags.length ? customer.tags.map((tag) => <span key={tag} className="tag">{tag}</span>) : t('common.none')}</dd>
        {(customer.phone ?? customer.email) && (
          <>
            <dt>{t('wb.contact')}</dt>
            <dd>{[customer.phone, customer.email].filter(Boolean).join(' · ')}</dd>
          </>
        )}
        <dt>{t('wb.events')}</dt>
        <dd>{customer.eventCount}</dd>
        {customer.segment && (
          <>
            <dt>{t('wb.segment')}</dt>
            <dd>{customer.segment}</dd>
          </>
        )}
      </dl>
      {customer.doNotContact && <p className="notice">{t('wb.doNotContact')}</p>}

      <h4>{t('wb.orders')}</h4>
      {customer.recentOrders.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <ul className="plain-list">
          {customer.recentOrders.map((order) => (
            <li key={order.orderId}>
              <code>{order.orderId}</code> · {valueLabel(lang, 'orderStatus', order.status)} · {money.format(order.total)} · {formatTime(order.placedAt, lang)}
              {order.items && order.items.length > 0 && <div className="muted">{order.items.map((item) => `${item.sku} ×${item.quantity}`).join(', ')}</div>}
            </li>
          ))}
        </ul>
      )}

      <h4>{t('wb.conversations')}</h4>
      {customer.pastConversations.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <ul className="plain-list">
          {customer.pastConversations.map((c) => (
            <li key={c.conversationId}>
              <code>{c.conversationId}</code> · {c.channel ? valueLabel(lang, 'channel', c.channel) : '—'} · {c.status ? valueLabel(lang, 'conversationStatus', c.status) : '—'}
              {c.outcome ? ` (${c.outcome})` : ''} · {formatTime(c.lastMessageAt, lang)}
            </li>
          ))}
        </ul>
      )}

      {customer.recentEvents && (
        <>
          <h4>{t('wb.recentEvents')}</h4>
          {customer.recentEvents.length === 0 ? (
            <p className="muted">{t('common.none')}</p>
          ) : (
            <ul className="plain-list">
              {customer.recentEvents.map((event, i) => (
                <li key={`${event.type}-${i}`}>
                  {formatTime(event.occurredAt ?? event.at, lang)} · {valueLabel(lang, 'eventType', event.type)}
                  {event.sku ? ` · ${event.sku}` : ''}
                  {event.orderId ? ` · ${event.orderId}` : ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      <h4>{t('wb.cases')}</h4>
      {customer.cases.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <ul className="plain-list">
          {customer.cases.map((c) => (
            <li key={c.caseId}>
              <code>{c.caseId}</code> · {valueLabel(lang, 'caseType', c.type)} · <span className={`badge case-${c.state ?? c.status}`}>{valueLabel(lang, 'caseState', c.state ?? c.status)}</span>
              {c.orderId ? ` · ${c.orderId}` : ''}
              {c.createdAt ? ` · ${formatTime(c.createdAt, lang)}` : ''}
              {c.timeline && c.timeline.length > 0 && (
                <details className="case-timeline">
                  <summary>{t('wb.caseTimeline')}</summary>
                  <ol className="timeline">
                    {c.timeline.map((step, i) => (
                      <li key={`${step.at}-${i}`}>
                        <time dateTime={step.at}>{formatTime(step.at, lang)}</time> {valueLabel(lang, 'caseEvent', step.type ?? step.state ?? '')}
                        {(step.note ?? step.detail) ? ` · ${step.note ?? step.detail}` : ''}
                      </li>
                    ))}
                  </ol>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
