import mongoose, { Schema, type InferSchemaType, type Model } from 'mongoose';

/**
 * Marketing's collections: segments, campaigns and their runs, the per-recipient funnel, coupons,
 * journeys and reply-strategy experiments. Exactly-once rests on unique keys (FerretDB has no
 * atomic read-modify-write): a retried write collides and is read back instead.
 */

/** Fields marketing adds to the customer profile (spread into the customer schema). */
export const customerMarketingFields = {
  /** Running purchase aggregates and the last RFM score; absent until the first purchase. */
  rfm: {
    frequency: { type: Number },
    monetary: { type: Number },
    firstPurchaseAt: { type: Date },
    lastPurchaseAt: { type: Date },
    r: { type: Number },
    f: { type: Number },
    m: { type: Number },
    segment: { type: String },
    segmentSince: { type: Date },
    scoredAt: { type: Date },
  },
  preferences: {
    categories: { type: [String], default: undefined },
    preferredChannel: { type: String },
    offers: { type: Boolean },
  },
  /** Set on a profile merged into another: it is kept for history and never contacted. */
  mergedInto: { type: String },
};

const segmentSchema = new Schema(
  {
    segmentId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    filter: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, minimize: false },
);

const campaignSchema = new Schema(
  {
    campaignId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    status: { type: String, enum: ['active', 'paused'], required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, minimize: false },
);

const campaignRunSchema = new Schema(
  {
    runId: { type: String, required: true, unique: true },
    campaignId: { type: String, required: true, index: true },
    status: { type: String, enum: ['sending', 'awaiting_conversions', 'completed'], required: true },
    startedAt: { type: Date, required: true },
    sentAt: { type: Date },
    windowEndsAt: { type: Date },
    completedAt: { type: Date },
    definition: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, minimize: false },
);

/** One row per run × audience member: the arm, what happened, and whether they converted. */
const campaignTargetSchema = new Schema(
  {
    targetKey: { type: String, required: true, unique: true },
    runId: { type: String, required: true },
    campaignId: { type: String, required: true },
    customerId: { type: String, required: true },
    variant: { type: String, required: true },
    holdout: { type: Boolean, required: true },
    outcome: { type: String, enum: ['holdout', 'sent', 'do_not_contact', 'no_consent', 'frequency_cap'], required: true },
    channel: { type: String },
    deliveryKey: { type: String },
    couponCode: { type: String },
    windowEndsAt: { type: Date },
    convertedAt: { type: Date },
    conversionEventId: { type: String },
    revenue: { type: Number },
  },
  { timestamps: true },
);
campaignTargetSchema.index({ runId: 1, customerId: 1 });
campaignTargetSchema.index({ customerId: 1, windowEndsAt: 1 });

/** A run's audience, read once at the start with one cursor and cut into pages the run then sends. */
const audiencePageSchema = new Schema(
  {
    pageKey: { type: String, required: true, unique: true },
    runId: { type: String, required: true, index: true },
    /** The snapshot attempt that wrote the page (absent on pages of runs begun before attempts were named). */
    snapshotId: { type: String, index: true },
    page: { type: Number, required: true },
    recipients: { type: [Schema.Types.Mixed], required: true },
  },
  { timestamps: false, minimize: false },
);

const couponSchema = new Schema(
  {
    couponKey: { type: String, required: true, unique: true },
    code: { type: String, required: true, unique: true },
    customerId: { type: String, required: true, index: true },
    source: { type: String, required: true },
    amount: { type: Number, required: true },
    threshold: { type: Number, required: true },
    category: { type: String },
    expiresAt: { type: Date, required: true },
    redeemedAt: { type: Date },
    redemptionEventId: { type: String },
    /** The outbox row that tells the customer about the coupon: if it is never sent, the coupon is voided. */
    deliveryKey: { type: String, index: true },
    voidedAt: { type: Date },
    voidReason: { type: String },
  },
  { timestamps: true },
);

/**
 * How a coupon was settled, once: redeemed on an order, or voided because nobody was told of it.
 * The unique code makes the first settlement win under concurrency (FerretDB has no atomic
 * conditional update); the coupon's own `redeemedAt` / `voidedAt` follow from the winner.
 */
const couponSettlementSchema = new Schema(
  {
    code: { type: String, required: true, unique: true },
    outcome: { type: String, enum: ['redeemed', 'voided'], required: true },
    customerId: { type: String, required: true, index: true },
    /** What identifies a repeat of the same redemption: the event id, or the order id when one is given. */
    redemptionKey: { type: String },
    orderId: { type: String },
    orderAmount: { type: Number },
    eventId: { type: String },
    reason: { type: String },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);

/** A journey that reached a customer; `grantKey` holds it to once per customer per period. */
const journeyGrantSchema = new Schema(
  {
    grantKey: { type: String, required: true, unique: true },
    journey: { type: String, required: true },
    customerId: { type: String, required: true },
    at: { type: Date, required: true },
    couponCode: { type: String },
    deliveryKey: { type: String },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: false, minimize: false },
);
journeyGrantSchema.index({ customerId: 1, journey: 1, at: -1 });

const rfmModelSchema = new Schema(
  {
    modelId: { type: String, required: true, unique: true },
    recencyDays: { type: [Number], required: true },
    frequency: { type: [Number], required: true },
    monetary: { type: [Number], required: true },
    customers: { type: Number, required: true },
    scoredAt: { type: Date, required: true },
  },
  { timestamps: false },
);

const experimentSchema = new Schema(
  {
    experimentId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    status: { type: String, enum: ['running', 'stopped'], required: true },
    variants: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, minimize: false },
);

/** One row per experiment × conversation: the sticky variant, then what the conversation led to. */
const exposureSchema = new Schema(
  {
    exposureKey: { type: String, required: true, unique: true },
    experimentId: { type: String, required: true, index: true },
    conversationId: { type: String, required: true, index: true },
    customerId: { type: String, required: true, index: true },
    variant: { type: String, required: true },
    at: { type: Date, required: true },
    closedAt: { type: Date },
    resolvedByBot: { type: Boolean },
    handedOff: { type: Boolean },
    convertedAt: { type: Date },
    revenue: { type: Number },
    csat: { type: Number },
  },
  { timestamps: false },
);

export type SegmentDoc = InferSchemaType<typeof segmentSchema>;
export type CampaignDoc = InferSchemaType<typeof campaignSchema>;
export type CampaignRunDoc = InferSchemaType<typeof campaignRunSchema>;
export type CampaignTargetDoc = InferSchemaType<typeof campaignTargetSchema>;
export type CouponDoc = InferSchemaType<typeof couponSchema>;
export type CouponSettlementDoc = InferSchemaType<typeof couponSettlementSchema>;
export type AudiencePageDoc = InferSchemaType<typeof audiencePageSchema>;
export type JourneyGrantDoc = InferSchemaType<typeof journeyGrantSchema>;
export type RfmModelDoc = InferSchemaType<typeof rfmModelSchema>;
export type ExperimentDoc = InferSchemaType<typeof experimentSchema>;
export type ExposureDoc = InferSchemaType<typeof exposureSchema>;

export function createMarketingModels(connection: mongoose.Connection) {
  return {
    Segment: connection.model('Segment', segmentSchema, 'segments') as Model<SegmentDoc>,
    Campaign: connection.model('Campaign', campaignSchema, 'campaigns') as Model<CampaignDoc>,
    CampaignRun: connection.model('CampaignRun', campaignRunSchema, 'campaign_runs') as Model<CampaignRunDoc>,
    CampaignTarget: connection.model('CampaignTarget', campaignTargetSchema, 'campaign_targets') as Model<CampaignTargetDoc>,
    Coupon: connection.model('Coupon', couponSchema, 'coupons') as Model<CouponDoc>,
    CouponSettlement: connection.model('CouponSettlement', couponSettlementSchema, 'coupon_settlements') as Model<CouponSettlementDoc>,
    AudiencePage: connection.model('AudiencePage', audiencePageSchema, 'campaign_audience_pages') as Model<AudiencePageDoc>,
    JourneyGrant: connection.model('JourneyGrant', journeyGrantSchema, 'journey_grants') as Model<JourneyGrantDoc>,
    RfmModel: connection.model('RfmModel', rfmModelSchema, 'rfm_models') as Model<RfmModelDoc>,
    Experiment: connection.model('Experiment', experimentSchema, 'experiments') as Model<ExperimentDoc>,
    Exposure: connection.model('Exposure', exposureSchema, 'experiment_exposures') as Model<ExposureDoc>,
  };
}

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if ('code' in error && error.code === DUPLICATE_KEY) return true;
  const writeErrors = 'writeErrors' in error && Array.isArray(error.writeErrors) ? (error.writeErrors as Array<{ code?: number; err?: { code?: number } }>) : [];
  return writeErrors.length > 0 && writeErrors.every((e) => (e.code ?? e.err?.code) === DUPLICATE_KEY);
}

/** Inserts rows whose unique keys may already exist (a retry, a replay); existing rows are kept as they are. */
export async function insertManyOnce(model: Model<never>, rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await model.insertMany(rows, { ordered: false });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/** Like insertManyOnce, and says which rows (by index) were already there. */
export async function insertReportingDuplicates(model: Model<never>, rows: object[]): Promise<number[]> {
  if (rows.length === 0) return [];
  try {
    await model.insertMany(rows, { ordered: false });
    return [];
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const writeErrors = (error as { writeErrors?: Array<{ index?: number; err?: { index?: number } }> }).writeErrors;
    // Without per-row detail (a single duplicate is reported as a plain error), treat every row as possibly there.
    if (!writeErrors?.length) return rows.map((_, i) => i);
    return writeErrors.map((e) => e.index ?? e.err?.index ?? -1).filter((i) => i >= 0);
  }
}

/**
 * Marks the operator clauses of a filter built by code (never from request data) as trusted, so
 * `sanitizeFilter` lets them through; mongoose only honours `trusted` on each clause, not on the
 * whole filter.
 */
export function trustedQuery<T extends object>(query: T): T {
  return Object.fromEntries(
    Object.entries(query).map(([path, clause]: [string, unknown]) => [
      path,
      clause && typeof clause === 'object' && !Array.isArray(clause) && !(clause instanceof Date) && Object.keys(clause).some((k) => k.startsWith('$')) ? mongoose.trusted(clause) : clause,
    ]),
  ) as T;
}
