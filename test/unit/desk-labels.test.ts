import { describe, expect, it } from 'vitest';
import { CASE_STATUSES, CASE_TYPES } from '../../domain/cases/types';
import { CHANNELS } from '../../domain/conversation';
import { QUEUES } from '../../domain/escalation/routing';
import { EVENT_TYPES } from '../../domain/marketing/events';
import { valueLabel, type LabelKind } from '../../web/src/labels';

/** Every value the domain defines for these kinds, so a new one without words fails here. */
const DOMAIN_VALUES: Array<[LabelKind, readonly string[]]> = [
  ['queue', QUEUES],
  ['priority', ['normal', 'high']],
  ['channel', CHANNELS],
  ['caseType', CASE_TYPES],
  ['caseState', CASE_STATUSES],
  ['eventType', EVENT_TYPES],
  ['orderStatus', ['paid', 'shipped', 'delivered', 'cancelled', 'returned']],
  ['handoffReason', ['requested', 'negative_sentiment', 'low_confidence', 'loan', 'vip_complaint', 'verification_failed', 'unresolved', 'verified_request']],
  ['alertKind', ['queued', 'first_response_warning', 'first_response_breach', 'resolution_warning', 'resolution_breach', 'complaint_ack_missed', 'case_approval_overdue']],
];

describe('desk labels', () => {
  it.each(DOMAIN_VALUES)('has Chinese words for every %s', (kind, values) => {
    for (const value of values) {
      const zh = valueLabel('zh', kind, value);
      expect(zh, `${kind} ${value}`).not.toBe(value);
      expect(zh, `${kind} ${value}`).toMatch(/[\u4e00-\u9fff]/);
      expect(valueLabel('en', kind, value), `${kind} ${value}`).not.toBe('');
    }
  });

  it('shows a value it does not know as it came, in both languages', () => {
    expect(valueLabel('zh', 'alertKind', 'complaint_tier_9')).toBe('complaint_tier_9');
    expect(valueLabel('en', 'queue', 'toString')).toBe('toString');
  });
});
