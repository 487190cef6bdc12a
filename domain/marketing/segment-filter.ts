/**
 * Marketer-defined segments are conditions over named profile fields, never database operators
 * from the request: each field is declared here with the operators and value type it accepts, and
 * the query is built from that declaration alone.
 */
import { z } from 'zod';
import { RFM_SEGMENTS } from './rfm';

type FieldKind = 'enum' | 'number' | 'boolean' | 'tags' | 'daysAgo';

interface FieldSpec {
  path: string;
  kind: FieldKind;
  values?: readonly string[];
}

export const SEGMENT_FIELDS = {
  tier: { path: 'tier', kind: 'enum', values: ['standard', 'silver', 'gold', 'platinum'] },
  lang: { path: 'lang', kind: 'enum', values: ['zh', 'en'] },
  tags: { path: 'tags', kind: 'tags' },
  rfmSegment: { path: 'rfm.segment', kind: 'enum', values: RFM_SEGMENTS },
  recencyScore: { path: 'rfm.r', kind: 'number' },
  frequencyScore: { path: 'rfm.f', kind: 'number' },
  monetaryScore: { path: 'rfm.m', kind: 'number' },
  purchases: { path: 'rfm.frequency', kind: 'number' },
  spend: { path: 'rfm.monetary', kind: 'number' },
  daysSinceLastPurchase: { path: 'rfm.lastPurchaseAt', kind: 'daysAgo' },
  smsConsent: { path: 'consent.sms', kind: 'boolean' },
  emailConsent: { path: 'consent.email', kind: 'boolean' },
  wechatConsent: { path: 'consent.wechat', kind: 'boolean' },
  appConsent: { path: 'consent.app', kind: 'boolean' },
} as const satisfies Record<string, FieldSpec>;

export type SegmentField = keyof typeof SEGMENT_FIELDS;
const FIELD_NAMES = Object.keys(SEGMENT_FIELDS) as [SegmentField, ...SegmentField[]];

export const OPERATORS = ['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte', 'contains'] as const;
type Operator = (typeof OPERATORS)[number];

const ALLOWED_OPS: Record<FieldKind, readonly Operator[]> = {
  enum: ['eq', 'ne', 'in'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  daysAgo: ['gt', 'gte', 'lt', 'lte'],
  boolean: ['eq'],
  tags: ['contains', 'in'],
};

const scalar = z.union([z.string().max(64), z.number().finite(), z.boolean()]);

export const conditionSchema = z
  .strictObject({
    field: z.enum(FIELD_NAMES),
    op: z.enum(OPERATORS),
    value: z.union([scalar, z.array(z.string().max(64)).min(1).max(50)]),
  })
  .superRefine((c, ctx) => {
    const spec: FieldSpec = SEGMENT_FIELDS[c.field];
    if (!ALLOWED_OPS[spec.kind].includes(c.op)) {
      ctx.addIssue({ code: 'custom', message: `${c.field} takes the operators ${ALLOWED_OPS[spec.kind].join(', ')}, not ${c.op}` });
      return;
    }
    const wantsList = c.op === 'in';
    if (wantsList !== Array.isArray(c.value)) {
      ctx.addIssue({ code: 'custom', message: wantsList ? `"in" needs a list of values for ${c.field}` : `${c.op} needs a single value for ${c.field}` });
      return;
    }
    const values = Array.isArray(c.value) ? c.value : [c.value];
    for (const v of values) {
      const ok =
        spec.kind === 'number' || spec.kind === 'daysAgo'
          ? typeof v === 'number'
          : spec.kind === 'boolean'
            ? typeof v === 'boolean'
            : spec.kind === 'enum'
              ? typeof v === 'string' && spec.values!.includes(v)
              : typeof v === 'string';
      if (!ok) {
        const expected = spec.kind === 'enum' ? `one of ${spec.values!.join(', ')}` : spec.kind === 'daysAgo' ? 'a number of days' : spec.kind === 'tags' ? 'a tag' : `a ${spec.kind}`;
        ctx.addIssue({ code: 'custom', message: `${c.field} must be ${expected}; got ${JSON.stringify(v)}` });
      }
    }
  });

export const segmentFilterSchema = z.strictObject({ all: z.array(conditionSchema).min(1).max(20) });

export interface SegmentFieldSpec {
  field: SegmentField;
  kind: FieldKind;
  ops: readonly Operator[];
  values?: readonly string[];
}

/** The declared fields with their operators and values, for a console to build conditions from. */
export function segmentFieldCatalogue(): SegmentFieldSpec[] {
  return (Object.entries(SEGMENT_FIELDS) as Array<[SegmentField, FieldSpec]>).map(([field, spec]) => ({ field, kind: spec.kind, ops: ALLOWED_OPS[spec.kind], ...(spec.values ? { values: spec.values } : {}) }));
}
export type SegmentCondition = z.output<typeof conditionSchema>;
export type SegmentFilter = z.output<typeof segmentFilterSchema>;

const DAY = 86_400_000;
const MONGO_OP: Record<Exclude<Operator, 'contains'>, string> = { eq: '$eq', ne: '$ne', in: '$in', gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' };
/** "more than N days ago" is an earlier date, so the comparison turns round. */
const FLIPPED: Record<string, string> = { $gt: '$lt', $gte: '$lte', $lt: '$gt', $lte: '$gte' };

/** A database filter built only from declared paths and operators; the caller marks it trusted. */
export function segmentQuery(filter: SegmentFilter, now: number): Record<string, Record<string, unknown>> {
  const query: Record<string, Record<string, unknown>> = {};
  for (const c of filter.all) {
    const spec: FieldSpec = SEGMENT_FIELDS[c.field];
    const clause = (query[spec.path] ??= {});
    if (c.op === 'contains') {
      clause.$all = [...((clause.$all as unknown[]) ?? []), c.value];
    } else if (spec.kind === 'daysAgo') {
      clause[FLIPPED[MONGO_OP[c.op]]!] = new Date(now - (c.value as number) * DAY);
    } else {
      clause[MONGO_OP[c.op]] = c.value;
    }
  }
  return query;
}
