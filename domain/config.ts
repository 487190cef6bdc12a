import { z } from 'zod';
import { parseBusinessHours } from './escalation/business-hours';
import { parseQuietHours, parseRateLimits } from './channels/outbox-policy';
import { encodingAesKeyProblem } from './channels/wechat-crypto';
import type { ChannelSettings } from './channels/settings';
import { QUEUES, type Queue, type QueueSlaTargets } from './escalation/routing';

const DEMO_JWT_SECRET = 'loopdesk-embedded-demo-secret-change-me-0000';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 30m, 2h or 1d')
  .transform(parseDuration);

/** Complaints and refunds are worked over hours and days, not minutes like a chat; returns in between. */
const DEFAULT_SLA_QUEUES = 'complaints:1h/3d,finance:30m/1d,returns:15m/4h';
const QUEUE_SLA_ENTRY = /^([a-z]+):(\d+(?:ms|s|m|h|d))\/(\d+(?:ms|s|m|h|d))$/;

/** Why a per-queue SLA list such as "complaints:1h/3d,finance:30m/1d" can't be used, if it can't. */
function queueSlaProblem(spec: string): string | undefined {
  const seen = new Set<string>();
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = QUEUE_SLA_ENTRY.exec(entry);
    if (!match) return `"${entry}" is not queue:first-response/resolution, e.g. complaints:1h/3d`;
    const [, queue, first, resolution] = match as unknown as [string, string, string, string];
    if (!(QUEUES as readonly string[]).includes(queue)) return `"${queue}" is not a queue (one of ${QUEUES.join(', ')})`;
    if (seen.has(queue)) return `"${queue}" is given twice`;
    seen.add(queue);
    if (parseDuration(first) <= 0 || parseDuration(resolution) <= 0) return `"${entry}": targets must be longer than zero`;
    if (parseDuration(first) > parseDuration(resolution)) return `"${entry}": the first response target is longer than the resolution target`;
  }
  return undefined;
}

/** Per-queue SLA targets from a list checked by queueSlaProblem; an empty list leaves every queue on SLA_FIRST_RESPONSE/SLA_RESOLUTION. */
export function parseQueueSla(spec: string): QueueSlaTargets {
  const targets: QueueSlaTargets = {};
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [, queue, first, resolution] = QUEUE_SLA_ENTRY.exec(entry) as unknown as [string, Queue, string, string];
    targets[queue] = { firstResponseMs: parseDuration(first), resolutionMs: parseDuration(resolution) };
  }
  return targets;
}

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('loopdesk'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_UI_ORIGINS: z.string().optional(),
  MONGODB_URI: z.string().optional(),
  MONGODB_PORT: z.coerce.number().int().min(1).max(65535).default(27017),
  LOOPDESK_DATA_DIR: z.string().default('.data'),
  LOOPDESK_CACHE_DIR: z.string().optional(),
  /** Unset: on, except in production (where turning it on also needs LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION). */
  LOOPDESK_SEED_DEMO: booleanFlag.optional(),
  LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION: booleanFlag.default(false),
  LOOPDESK_DEMO_PASSWORD: z.string().min(8, 'at least 8 characters').default('loopdesk-demo'),
  /** The first admin, created at API start when no admin exists yet (api/services/admin-bootstrap.ts). */
  LOOPDESK_ADMIN_EMAIL: z.email('an e-mail address such as ops@example.com; it becomes the admin\'s username').toLowerCase().max(64, 'at most 64 characters').optional(),
  LOOPDESK_ADMIN_PASSWORD: z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters').optional(),
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  PAYLOAD_KEYS: z.string().min(1).optional(),
  WIDGET_IDENTITY_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  RATE_LIMIT_LOGIN: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_PUBLIC: z.coerce.number().int().min(1).default(120),
  JWT_TTL: durationMs.default(parseDuration('12h')),
  CONVERSATION_IDLE_TIMEOUT: durationMs.default(parseDuration('30m')),
  SLA_FIRST_RESPONSE: durationMs.default(parseDuration('2m')),
  SLA_RESOLUTION: durationMs.default(parseDuration('30m')),
  SLA_QUEUES: z
    .string()
    .default(DEFAULT_SLA_QUEUES)
    .superRefine((spec, ctx) => {
      const problem = queueSlaProblem(spec);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  BUSINESS_HOURS: z
    .string()
    .default('24x7')
    .refine((spec) => {
      try {
        parseBusinessHours(spec);
        return true;
      } catch {
        return false;
      }
    }, '"24x7" or e.g. "mon-fri 09:00-18:00 +08:00"'),
  CSAT_WAIT: durationMs.default(parseDuration('24h')),
  CONVERSATION_TURN_CAP: z.coerce.number().int().min(2).max(10_000).default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url('a URL such as https://api.openai.com/v1').optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT: durationMs.default(parseDuration('8s')),
  SMTP_INBOUND_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_INBOUND_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  SMTP_INBOUND_ENABLED: booleanFlag.default(true),
  SMTP_RELAY_HOST: z.string().min(1).optional(),
  SMTP_RELAY_PORT: z.coerce.number().int().min(1).max(65535).default(25),
  SMTP_RELAY_SECURE: booleanFlag.default(false),
  SMTP_RELAY_USER: z.string().min(1).optional(),
  SMTP_RELAY_PASSWORD: z.string().optional(),
  EMAIL_FROM: z.string().min(3).default('Loopdesk <support@loopdesk.local>'),
  PUBLIC_BASE_URL: z.url('the API as customers reach it, such as https://support.example.com').optional(),
  SMS_GATEWAY_URL: z.url('a URL such as https://sms.example.com/v1').optional(),
  SMS_API_KEY: z.string().min(1).optional(),
  SMS_SIGNING_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  APP_WEBHOOK_URL: z.url('a URL such as https://app.example.com/loopdesk/messages').optional(),
  APP_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  PHONE_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  WECHAT_TOKEN: z.string().regex(/^[A-Za-z0-9]{3,32}$/, '3-32 letters or digits, as set in the Official Account console').optional(),
  WECHAT_APP_ID: z.string().min(1).optional(),
  WECHAT_APP_SECRET: z.string().min(1).optional(),
  WECHAT_API_BASE: z.url('a URL such as https://api.weixin.qq.com').default('https://api.weixin.qq.com'),
  WECHAT_ACCOUNT_ID: z.string().min(1).default('gh_loopdesk'),
  WECHAT_ENCODING_AES_KEY: z
    .string()
    .superRefine((key, ctx) => {
      const problem = encodingAesKeyProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; copy the EncodingAESKey from the Official Account console (43 characters)` });
    })
    .optional(),
  OUTBOX_POLL_INTERVAL: durationMs.default(parseDuration('2s')),
  OUTBOX_RATE_LIMITS: z
    .string()
    .default('sms:20/s,email:10/s,wechat:50/s,app:50/s')
    .refine((spec) => {
      try {
        parseRateLimits(spec);
        return true;
      } catch {
        return false;
      }
    }, 'comma-separated "<channel>:<count>/<window>", e.g. "sms:20/s,email:10/s"'),
  QUIET_HOURS: z
    .string()
    .default('21:00-08:00 +08:00')
    .refine((spec) => {
      try {
        parseQuietHours(spec);
        return true;
      } catch {
        return false;
      }
    }, '"off" or e.g. "21:00-08:00 +08:00"'),
  REFUND_APPROVAL_THRESHOLD: z.coerce.number().min(0).default(2000),
  REFUND_APPROVAL_WAIT: durationMs.default(parseDuration('24h')),
  REFUND_APPROVAL_DEADLINE: durationMs.default(parseDuration('72h')),
  GOODWILL_APPROVAL_THRESHOLD: z.coerce.number().min(0).default(200),
  CASE_PICKUP_REMINDERS: z
    .string()
    .default('3d,7d')
    .refine((list) => list.split(',').every((d) => /^\d+(ms|s|m|h|d)$/.test(d.trim())), 'durations such as 3d,7d'),
  CASE_PICKUP_DEADLINE: durationMs.default(parseDuration('14d')),
  CASE_CSAT_WAIT: durationMs.default(parseDuration('3d')),
  COMPLAINT_ACK_SLA: durationMs.default(parseDuration('1h')),
  COMPLAINT_TIERS: z
    .string()
    .default('24h,72h')
    .refine((list) => list.split(',').every((d) => /^\d+(ms|s|m|h|d)$/.test(d.trim())), 'durations such as 24h,72h'),
  OMS_BASE_URL: z.url('a URL such as https://oms.example.internal/api').optional(),
  OMS_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  WEBHOOK_TOLERANCE: durationMs.default(parseDuration('5m')),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).optional(),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).max(1_000).optional(),
  LIVE_FEED_RETENTION: durationMs.default(parseDuration('24h')),
});

export type AppConfig = ReturnType<typeof parseConfig>;

/** Every environment variable the configuration reads (.env.example must list each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

/** Parses the process environment once at start-up; throws one readable message listing every bad variable. */
export function parseConfig(env: Record<string, string | undefined>) {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.WECHAT_ENCODING_AES_KEY && !e.WECHAT_APP_ID) {
    throw new ConfigError('Invalid configuration:\n  WECHAT_APP_ID: required with WECHAT_ENCODING_AES_KEY (every encrypted message carries the AppID it was encrypted for, and it is checked)');
  }
  if (e.REFUND_APPROVAL_DEADLINE <= e.REFUND_APPROVAL_WAIT) {
    throw new ConfigError('Invalid configuration:\n  REFUND_APPROVAL_DEADLINE: must be longer than REFUND_APPROVAL_WAIT (both count from the request for approval)');
  }
  if (Boolean(e.LOOPDESK_ADMIN_EMAIL) !== Boolean(e.LOOPDESK_ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration:\n  LOOPDESK_ADMIN_EMAIL, LOOPDESK_ADMIN_PASSWORD: set both to create the first admin, or neither');
  }
  if (e.NODE_ENV === 'production' && e.LOOPDESK_SEED_DEMO === true && !e.LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION) {
    throw new ConfigError(
      'Invalid configuration:\n  LOOPDESK_SEED_DEMO: refused in production: the demo users (admin, ops, supervisor, agent, marketer) share a password published in the README, so anyone could log in as admin. ' +
        'Set LOOPDESK_SEED_DEMO=false and create the first admin with LOOPDESK_ADMIN_EMAIL and LOOPDESK_ADMIN_PASSWORD; for a throw-away demo only, LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION=true overrides this.',
    );
  }
  const missingInProduction = [
    ...(e.JWT_SECRET ? [] : ['JWT_SECRET: required in production (at least 32 characters)']),
    ...(e.PAYLOAD_KEYS ? [] : ['PAYLOAD_KEYS: required in production ("id:base64-of-32-bytes", comma-separated for rotation)']),
    ...(e.WIDGET_IDENTITY_SECRET ? [] : ['WIDGET_IDENTITY_SECRET: required in production (at least 32 characters)']),
    ...(e.OMS_BASE_URL && !e.OMS_SECRET ? ['OMS_SECRET: required with OMS_BASE_URL'] : []),
  ];
  if (e.NODE_ENV === 'production' && missingInProduction.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${missingInProduction.map((line) => `  ${line}`).join('\n')}`);
  }
  return {
    env: e.NODE_ENV,
    http: { port: e.PORT, host: e.HOST },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      embeddedPort: e.TEMPORAL_PORT,
      embeddedUiPort: e.TEMPORAL_UI_PORT,
      /** Browser origins of the Temporal Web UI allowed to call the codec endpoint. */
      uiOrigins: (e.TEMPORAL_UI_ORIGINS ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT},http://localhost:${e.TEMPORAL_UI_PORT}`)
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    mongo: { uri: e.MONGODB_URI, embeddedPort: e.MONGODB_PORT },
    dataDir: e.LOOPDESK_DATA_DIR,
    cacheDir: e.LOOPDESK_CACHE_DIR,
    seedDemo: e.LOOPDESK_SEED_DEMO ?? e.NODE_ENV !== 'production',
    /** Created once at API start when no admin exists; both set or neither. */
    bootstrapAdmin: e.LOOPDESK_ADMIN_EMAIL && e.LOOPDESK_ADMIN_PASSWORD ? { email: e.LOOPDESK_ADMIN_EMAIL, password: e.LOOPDESK_ADMIN_PASSWORD } : undefined,
    demoPassword: e.LOOPDESK_DEMO_PASSWORD,
    auth: { jwtSecret: e.JWT_SECRET ?? DEMO_JWT_SECRET, jwtTtlMs: e.JWT_TTL },
    /** Unset only on the embedded default before the supervisor has made a key; see payloadCodecFor. */
    payloadKeys: e.PAYLOAD_KEYS,
    /** The shop's backend signs a logged-in customer's id with this, so the chat widget can't be told to be someone else. */
    widgetIdentitySecret: e.WIDGET_IDENTITY_SECRET ?? `${DEMO_JWT_SECRET}-widget`,
    rateLimits: { loginPerMinute: e.RATE_LIMIT_LOGIN, publicPerMinute: e.RATE_LIMIT_PUBLIC },
    conversation: { idleTimeoutMs: e.CONVERSATION_IDLE_TIMEOUT, turnCap: e.CONVERSATION_TURN_CAP },
    desk: {
      sla: { firstResponseMs: e.SLA_FIRST_RESPONSE, resolutionMs: e.SLA_RESOLUTION },
      slaByQueue: parseQueueSla(e.SLA_QUEUES),
      businessHours: e.BUSINESS_HOURS,
      csatWaitMs: e.CSAT_WAIT,
    },
    logLevel: e.LOG_LEVEL,
    /** An OpenAI-compatible chat endpoint for answers; without an API key the embedded answerer serves alone. */
    llm: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL, timeoutMs: e.LLM_TIMEOUT },
    channels: channelSettings(e),
    /** Return and complaint cases: approval thresholds (¥), timers, and the order system they talk to. */
    cases: {
      refundApprovalThreshold: e.REFUND_APPROVAL_THRESHOLD,
      approvalWaitMs: e.REFUND_APPROVAL_WAIT,
      approvalDeadlineMs: e.REFUND_APPROVAL_DEADLINE,
      goodwillApprovalThreshold: e.GOODWILL_APPROVAL_THRESHOLD,
      pickupReminderMs: e.CASE_PICKUP_REMINDERS.split(',').map((d) => parseDuration(d.trim())),
      pickupDeadlineMs: e.CASE_PICKUP_DEADLINE,
      csatWaitMs: e.CASE_CSAT_WAIT,
      complaintAckMs: e.COMPLAINT_ACK_SLA,
      complaintTierMs: e.COMPLAINT_TIERS.split(',').map((d) => parseDuration(d.trim())),
    },
    /** The embedded order system unless OMS_BASE_URL names a real OMS/payment gateway. */
    oms: { baseUrl: e.OMS_BASE_URL, secret: e.OMS_SECRET },
    /** Carrier and warehouse webhooks are signed with this (HMAC-SHA256); unset = a demo secret, and in production the webhooks stay shut. */
    webhooks: { secret: e.WEBHOOK_SECRET ?? (e.NODE_ENV === 'production' ? undefined : `${DEMO_JWT_SECRET}-webhooks`), toleranceMs: e.WEBHOOK_TOLERANCE },
    /** Worker tuning: how many workflows stay cached (not replayed) and how much runs at once; unset ones keep the SDK's defaults. */
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentLocalActivities: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      workflowTaskPollers: e.WORKER_WORKFLOW_TASK_POLLERS,
    },
    /** Live events older than this are deleted: a client reconnecting later reloads instead of catching up. */
    live: { retentionMs: e.LIVE_FEED_RETENTION },
  };
}

/** Inbound webhook secrets fall back to demo values outside production, like the other secrets. */
function channelSettings(e: z.output<typeof environmentSchema>): ChannelSettings {
  const demo = (name: string) => (e.NODE_ENV === 'production' ? undefined : `${DEMO_JWT_SECRET}-${name}`);
  return {
    sms: { ...(e.SMS_GATEWAY_URL ? { gatewayUrl: e.SMS_GATEWAY_URL } : {}), ...(e.SMS_API_KEY ? { apiKey: e.SMS_API_KEY } : {}), ...optional('signingSecret', e.SMS_SIGNING_SECRET ?? demo('sms')) },
    app: { ...(e.APP_WEBHOOK_URL ? { webhookUrl: e.APP_WEBHOOK_URL } : {}), ...optional('secret', e.APP_WEBHOOK_SECRET ?? demo('app')) },
    phone: optional('secret', e.PHONE_WEBHOOK_SECRET ?? demo('phone')),
    email: {
      inbound: { host: e.SMTP_INBOUND_HOST, port: e.SMTP_INBOUND_PORT, enabled: e.SMTP_INBOUND_ENABLED },
      relay: { ...(e.SMTP_RELAY_HOST ? { host: e.SMTP_RELAY_HOST } : {}), port: e.SMTP_RELAY_PORT, secure: e.SMTP_RELAY_SECURE, ...(e.SMTP_RELAY_USER ? { user: e.SMTP_RELAY_USER } : {}), ...(e.SMTP_RELAY_PASSWORD ? { password: e.SMTP_RELAY_PASSWORD } : {}) },
      from: e.EMAIL_FROM,
      // Signed with a key derived from JWT_SECRET (see domain/marketing/unsubscribe-token.ts).
      unsubscribe: { secret: e.JWT_SECRET ?? DEMO_JWT_SECRET, baseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}` },
    },
    wechat: {
      ...optional('token', e.WECHAT_TOKEN ?? (e.NODE_ENV === 'production' ? undefined : 'loopdeskdemo')),
      ...(e.WECHAT_APP_ID ? { appId: e.WECHAT_APP_ID } : {}),
      ...(e.WECHAT_APP_SECRET ? { appSecret: e.WECHAT_APP_SECRET } : {}),
      ...(e.WECHAT_ENCODING_AES_KEY ? { encodingAesKey: e.WECHAT_ENCODING_AES_KEY } : {}),
      apiBase: e.WECHAT_API_BASE,
      accountId: e.WECHAT_ACCOUNT_ID,
    },
    outbox: {
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL,
      rateLimits: parseRateLimits(e.OUTBOX_RATE_LIMITS),
      ...optional('quietHours', parseQuietHours(e.QUIET_HOURS)),
      passiveWindowMs: 5_000,
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
