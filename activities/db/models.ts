import { profileCommands } from './profile';
import mongoose, { Schema, type InferSchemaType, type Model } from 'mongoose';
import { channelMessageSchema, deliveryClaimSchema, type ChannelMessageDoc, type DeliveryClaimDoc } from './channels';
import { emailBounceSchema, type EmailBounceDoc } from './email-bounces';
import { createMarketingModels, customerMarketingFields } from './marketing';
import { openCaseClaimSchema, type OpenCaseClaimDoc } from './case-claims';
import { refundSlotSchema, type RefundSlotDoc } from './refund-ledger';
import { caseTaskSchema, goodwillCouponSchema, paymentSchema, refundSchema, shipmentSchema, webhookEventSchema, type CaseTaskDoc, type GoodwillCouponDoc, type PaymentDoc, type RefundDoc, type ShipmentDoc, type WebhookEventDoc } from './cases';

/**
 * Loopdesk's business data. Every collection stays inside what both MongoDB and FerretDB v1 support
 * (no transactions, change streams, $lookup, $facet, TTL/partial/text indexes, nested arrays):
 * see README, "Database compatibility".
 */

const localizedText = { zh: { type: String }, en: { type: String } };

const userSchema = new Schema(
  {
    username: { type: String, required: true, unique: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    roles: { type: [String], required: true },
    demo: { type: Boolean, default: false },
  },
  { timestamps: true },
);

const customerSchema = new Schema(
  {
    customerId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    lang: { type: String, enum: ['zh', 'en'], default: 'zh' },
    tier: { type: String, enum: ['standard', 'silver', 'gold', 'platinum'], default: 'standard' },
    phone: { type: String },
    email: { type: String },
    wechatOpenId: { type: String },
    webVisitorIds: { type: [String], default: [] },
    appUserIds: { type: [String], default: [] },
    consent: {
      sms: { type: Boolean, default: false },
      email: { type: Boolean, default: false },
      wechat: { type: Boolean, default: false },
      app: { type: Boolean, default: false },
    },
    doNotContact: { type: Boolean, default: false },
    tags: { type: [String], default: [] },
    ...customerMarketingFields,
  },
  { timestamps: true },
);
customerSchema.index({ 'rfm.segment': 1, customerId: 1 });

const productSchema = new Schema(
  {
    sku: { type: String, required: true, unique: true },
    name: localizedText,
    brand: { type: String, required: true },
    category: { type: String, required: true, index: true },
    price: { type: Number, required: true },
    currency: { type: String, required: true },
    stock: { type: Number, default: null },
    attributes: { type: Schema.Types.Mixed, default: {} },
    related: { type: [String], default: [] },
    /** Order in the catalog, which breaks ties when a mention fits several products. */
    position: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false },
);

const knowledgeArticleSchema = new Schema(
  {
    articleId: { type: String, required: true, unique: true },
    lang: { type: String, enum: ['zh', 'en'], required: true },
    title: { type: String, required: true },
    tags: { type: [String], default: [] },
    body: { type: String, required: true },
  },
  { timestamps: true },
);

const orderSchema = new Schema(
  {
    orderId: { type: String, required: true, unique: true },
    customerId: { type: String, required: true, index: true },
    status: { type: String, enum: ['paid', 'shipped', 'delivered', 'cancelled', 'returned'], required: true },
    items: [{ sku: { type: String, required: true }, quantity: { type: Number, required: true }, price: { type: Number, required: true } }],
    total: { type: Number, required: true },
    currency: { type: String, default: 'CNY' },
    placedAt: { type: Date, required: true },
    shippedAt: { type: Date },
    deliveredAt: { type: Date },
    carrier: { type: String },
    trackingNumber: { type: String },
  },
  { timestamps: true },
);

const behaviourEventSchema = new Schema(
  {
    eventId: { type: String, required: true, unique: true },
    customerId: { type: String, required: true },
    type: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    properties: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, minimize: false },
);
behaviourEventSchema.index({ customerId: 1, occurredAt: -1 });

/** One row per transcript entry; `entryId` makes a retried write a no-op. */
const messageSchema = new Schema(
  {
    entryId: { type: String, required: true, unique: true },
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    role: { type: String, enum: ['customer', 'bot', 'agent', 'system'], required: true },
    channel: { type: String, required: true },
    customerId: { type: String, required: true },
    text: { type: String, required: true },
    citations: { type: [String], default: [] },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);
messageSchema.index({ conversationId: 1, seq: 1 });

const conversationSchema = new Schema(
  {
    conversationId: { type: String, required: true, unique: true },
    customerId: { type: String, required: true, index: true },
    channel: { type: String, required: true },
    status: { type: String, enum: ['open', 'closed'], required: true },
    turns: { type: Number, default: 0 },
    lastMessageAt: { type: Date },
    closedAt: { type: Date },
    outcome: { type: String },
  },
  { timestamps: true },
);

const apiKeySchema = new Schema(
  {
    keyId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    secretHash: { type: String, required: true },
    roles: { type: [String], required: true },
    createdBy: { type: String, required: true },
    revokedAt: { type: Date },
    lastUsedAt: { type: Date },
  },
  { timestamps: true },
);

/** Append-only: the application inserts audit entries and never updates or deletes them. */
const auditEntrySchema = new Schema(
  {
    at: { type: Date, required: true },
    actor: {
      kind: { type: String, enum: ['staff', 'service', 'customer', 'system', 'anonymous'], required: true },
      id: { type: String, required: true },
      roles: { type: [String], default: [] },
    },
    action: { type: String, required: true },
    target: { type: { type: String }, id: { type: String } },
    outcome: { type: String, enum: ['success', 'failure'], required: true },
    ip: { type: String },
    userAgent: { type: String },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: false, minimize: false },
);
auditEntrySchema.index({ at: -1 });
auditEntrySchema.index({ action: 1, at: -1 });
auditEntrySchema.index({ 'target.id': 1, at: -1 });

/** A one-time code sent to a customer; only its hash is kept. Attempts are keyed by message, so a retried check counts once. */
const otpChallengeSchema = new Schema(
  {
    challengeId: { type: String, required: true, unique: true },
    customerId: { type: String, required: true },
    codeHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    attempts: { type: [String], default: [] },
    verifiedAt: { type: Date },
  },
  { timestamps: true },
);

/** The outbox: every message Loopdesk sends, keyed so a retry never sends twice. */
const deliverySchema = new Schema(
  {
    idempotencyKey: { type: String, required: true, unique: true },
    channel: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    to: { type: String, required: true },
    text: { type: String, required: true },
    purpose: { type: String, required: true },
    status: { type: String, enum: ['queued', 'sent', 'delivered', 'failed'], default: 'queued' },
    providerMessageId: { type: String },
    /** The dispatcher sends a queued row no earlier than this (quiet hours, WeChat's passive-reply window). */
    notBefore: { type: Date },
    conversationId: { type: String },
    /** Channel specifics: an e-mail's subject and thread headers. */
    meta: { type: Schema.Types.Mixed },
    failureReason: { type: String },
    attempts: { type: Number },
    sentAt: { type: Date },
    deliveredAt: { type: Date },
    /** The row this one replaces after it failed, and the channels tried before it. */
    fallbackOf: { type: String },
    triedChannels: { type: [String], default: undefined },
    /** What queued it when a report reads rows back by it: a campaign run's id. */
    source: { type: String },
  },
  { timestamps: true },
);
deliverySchema.index({ status: 1, createdAt: 1 });
deliverySchema.index({ source: 1 });
deliverySchema.index({ channel: 1, providerMessageId: 1 });

/** Read model of return and complaint cases; `requestKey` makes opening one idempotent. */
const caseSchema = new Schema(
  {
    caseId: { type: String, required: true, unique: true },
    requestKey: { type: String, required: true, unique: true },
    type: { type: String, enum: ['return', 'exchange', 'complaint'], required: true },
    status: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    conversationId: { type: String },
    orderId: { type: String },
    reason: { type: String },
    severity: { type: String },
    details: { type: String, default: '' },
    /** Kept by the case workflows: where the case stands, its facts and its timeline. */
    channel: { type: String },
    priority: { type: String },
    rmaId: { type: String, index: true },
    returnTrackingNumber: { type: String },
    closureReason: { type: String },
    closedAt: { type: Date },
    csatScore: { type: Number },
    view: { type: Schema.Types.Mixed },
    timeline: { type: [Schema.Types.Mixed], default: [] },
  },
  { timestamps: true },
);
caseSchema.index({ type: 1, status: 1, createdAt: -1 });

/** Read model of hand-offs from the bot to people. */
const escalationSchema = new Schema(
  {
    escalationId: { type: String, required: true, unique: true },
    requestKey: { type: String, required: true, unique: true },
    conversationId: { type: String, required: true, index: true },
    customerId: { type: String, required: true },
    channel: { type: String, required: true },
    reason: { type: String, required: true },
    status: { type: String, required: true },
    packet: { type: Schema.Types.Mixed, required: true },
    queue: { type: String },
    priority: { type: String },
    agentId: { type: String },
    openedAt: { type: Date },
    acceptedAt: { type: Date },
    firstResponseAt: { type: Date },
    endedAt: { type: Date },
    breaches: { type: [String], default: [] },
    csatScore: { type: Number },
    csatComment: { type: String },
    resolutionNote: { type: String },
    timeline: { type: Schema.Types.Mixed, default: [] },
  },
  { timestamps: true, minimize: false },
);
escalationSchema.index({ status: 1, queue: 1 });
escalationSchema.index({ agentId: 1, status: 1 });

/** People who work escalations: what they can handle and how much at once. */
const agentSchema = new Schema(
  {
    agentId: { type: String, required: true, unique: true },
    displayName: { type: String, required: true },
    skills: { type: [String], required: true },
    capacity: { type: Number, required: true, min: 1 },
    status: { type: String, enum: ['online', 'away', 'offline'], default: 'offline' },
    team: { type: String, default: 'default' },
  },
  { timestamps: true },
);

/** Supervisor alerts (queued work, SLA warnings and breaches); `alertKey` makes raising one idempotent. */
const alertSchema = new Schema(
  {
    alertKey: { type: String, required: true, unique: true },
    escalationId: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    queue: { type: String, required: true },
    priority: { type: String, required: true },
    conversationId: { type: String, required: true },
    agentId: { type: String },
    at: { type: Date, required: true },
    acknowledgedBy: { type: String },
    acknowledgedAt: { type: Date },
  },
  { timestamps: false },
);
alertSchema.index({ at: -1 });

/**
 * Live delivery: one row per published event, in one global order by `seq`; `streams` names who
 * receives it. The unique `seq` index is what hands out sequence numbers (activities/live.ts says
 * why not a counter) and `idempotencyKey` makes a retried publish a no-op.
 */
const liveEventSchema = new Schema(
  {
    /** The seq again: stores that index only `_id` (FerretDB v1) answer a lookup by it without a scan. */
    _id: { type: Number },
    seq: { type: Number, required: true },
    streams: { type: [String], required: true },
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    idempotencyKey: { type: String, required: true, unique: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, minimize: false },
);
liveEventSchema.pre('validate', function keyBySeq() {
  if (this._id === undefined || this._id === null) this._id = this.seq;
});
liveEventSchema.index({ seq: 1 }, { unique: true });
liveEventSchema.index({ streams: 1, seq: 1 });

export type UserDoc = InferSchemaType<typeof userSchema>;
export type AgentDoc = InferSchemaType<typeof agentSchema>;
export type AlertDoc = InferSchemaType<typeof alertSchema>;
export type OtpChallengeDoc = InferSchemaType<typeof otpChallengeSchema>;
export type DeliveryDoc = InferSchemaType<typeof deliverySchema>;
export type CaseDoc = InferSchemaType<typeof caseSchema>;
export type EscalationDoc = InferSchemaType<typeof escalationSchema>;
export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema>;
export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema>;
export type CustomerDoc = InferSchemaType<typeof customerSchema>;
export type ProductDoc = InferSchemaType<typeof productSchema>;
export type KnowledgeArticleDoc = InferSchemaType<typeof knowledgeArticleSchema>;
export type OrderDoc = InferSchemaType<typeof orderSchema>;
export type BehaviourEventDoc = InferSchemaType<typeof behaviourEventSchema>;
export type MessageDoc = InferSchemaType<typeof messageSchema>;
export type ConversationDoc = InferSchemaType<typeof conversationSchema>;
export type LiveEventDoc = InferSchemaType<typeof liveEventSchema>;

/** Models bound to one connection, so tests and processes never share hidden global state. */
export function createModels(connection: mongoose.Connection) {
  return {
    User: connection.model('User', userSchema, 'users') as Model<UserDoc>,
    Customer: connection.model('Customer', customerSchema, 'customers') as Model<CustomerDoc>,
    Product: connection.model('Product', productSchema, 'products') as Model<ProductDoc>,
    KnowledgeArticle: connection.model('KnowledgeArticle', knowledgeArticleSchema, 'knowledge_articles') as Model<KnowledgeArticleDoc>,
    Order: connection.model('Order', orderSchema, 'orders') as Model<OrderDoc>,
    BehaviourEvent: connection.model('BehaviourEvent', behaviourEventSchema, 'events') as Model<BehaviourEventDoc>,
    Message: connection.model('Message', messageSchema, 'messages') as Model<MessageDoc>,
    Conversation: connection.model('Conversation', conversationSchema, 'conversations') as Model<ConversationDoc>,
    ApiKey: connection.model('ApiKey', apiKeySchema, 'api_keys') as Model<ApiKeyDoc>,
    AuditEntry: connection.model('AuditEntry', auditEntrySchema, 'audit_log') as Model<AuditEntryDoc>,
    OtpChallenge: connection.model('OtpChallenge', otpChallengeSchema, 'otp_challenges') as Model<OtpChallengeDoc>,
    Delivery: connection.model('Delivery', deliverySchema, 'deliveries') as Model<DeliveryDoc>,
    Case: connection.model('Case', caseSchema, 'cases') as Model<CaseDoc>,
    Escalation: connection.model('Escalation', escalationSchema, 'escalations') as Model<EscalationDoc>,
    LiveEvent: connection.model('LiveEvent', liveEventSchema, 'live_events') as Model<LiveEventDoc>,
    Agent: connection.model('Agent', agentSchema, 'agents') as Model<AgentDoc>,
    Alert: connection.model('Alert', alertSchema, 'alerts') as Model<AlertDoc>,
    Shipment: connection.model('Shipment', shipmentSchema, 'shipments') as Model<ShipmentDoc>,
    Payment: connection.model('Payment', paymentSchema, 'payments') as Model<PaymentDoc>,
    Refund: connection.model('Refund', refundSchema, 'refunds') as Model<RefundDoc>,
    CaseTask: connection.model('CaseTask', caseTaskSchema, 'case_tasks') as Model<CaseTaskDoc>,
    GoodwillCoupon: connection.model('GoodwillCoupon', goodwillCouponSchema, 'goodwill_coupons') as Model<GoodwillCouponDoc>,
    WebhookEvent: connection.model('WebhookEvent', webhookEventSchema, 'webhook_events') as Model<WebhookEventDoc>,
    OpenCaseClaim: connection.model('OpenCaseClaim', openCaseClaimSchema, 'open_case_claims') as Model<OpenCaseClaimDoc>,
    RefundSlot: connection.model('RefundSlot', refundSlotSchema, 'refund_slots') as Model<RefundSlotDoc>,
    ChannelMessage: connection.model('ChannelMessage', channelMessageSchema, 'channel_messages') as Model<ChannelMessageDoc>,
    DeliveryClaim: connection.model('DeliveryClaim', deliveryClaimSchema, 'delivery_claims') as Model<DeliveryClaimDoc>,
    EmailBounce: connection.model('EmailBounce', emailBounceSchema, 'email_bounces') as Model<EmailBounceDoc>,
    ...createMarketingModels(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

export interface Database {
  connection: mongoose.Connection;
  models: Models;
  close(): Promise<void>;
}

export async function connectDatabase(uri: string): Promise<Database> {
  // Query filters built from request data can never smuggle in operators such as $ne or $where.
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: false, sanitizeFilter: true, monitorCommands: Boolean(process.env.LOOPDESK_DB_PROFILE) });
  await connection.asPromise();
  profileCommands(connection);
  const models = createModels(connection);
  await Promise.all(Object.values(models).map((model: { createIndexes: () => Promise<unknown> }) => model.createIndexes()));
  return { connection, models, close: () => connection.close() };
}
