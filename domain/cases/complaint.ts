/** How serious a complaint is, from what it says and who says it. */
export type ComplaintSeverity = 'low' | 'medium' | 'high' | 'critical';

export interface ComplaintSignals {
  details: string;
  /** Sentiment of the complaint text from the NLU. */
  sentiment: 'positive' | 'neutral' | 'negative';
  /** The conversation's own judgement, when the complaint came from one. */
  severityHint?: 'normal' | 'high';
  tier: 'standard' | 'silver' | 'gold' | 'platinum';
  /** Cases and conversations this customer opened in the last 30 days, this one excluded. */
  recentContacts: number;
}

const REGULATOR = /12315|消协|消费者协会|市场监管|监管|工商|媒体|曝光|律师|起诉|法院|regulator|consumer (association|council)|lawyer|sue|court|press|journalist/i;
const REPEAT_CONTACTS = 2;

export interface ComplaintAssessment {
  severity: ComplaintSeverity;
  priority: 'normal' | 'high';
  reasons: string[];
}

/**
 * Severity adds up the signals: a regulator or the media named (12315 above all) is critical on its
 * own; VIP tiers, repeat contact and anger each raise it a notch. High and critical go first.
 */
export function assessComplaint(signals: ComplaintSignals): ComplaintAssessment {
  const reasons: string[] = [];
  let points = 0;
  if (REGULATOR.test(signals.details)) {
    reasons.push('regulator_mentioned');
    points += 3;
  }
  if (signals.tier === 'gold' || signals.tier === 'platinum') {
    reasons.push('vip');
    points += 1;
  }
  if (signals.recentContacts >= REPEAT_CONTACTS) {
    reasons.push('repeat_contact');
    points += 1;
  }
  if (signals.sentiment === 'negative' || signals.severityHint === 'high') {
    reasons.push('negative_sentiment');
    points += 1;
  }
  const severity: ComplaintSeverity = points >= 3 ? 'critical' : points === 2 ? 'high' : points === 1 ? 'medium' : 'low';
  return { severity, priority: severity === 'high' || severity === 'critical' ? 'high' : 'normal', reasons };
}
