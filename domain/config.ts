import { z } from 'zod';
import { parseBusinessHours } from './escalation/business-hours';

const DEMO_JWT_SECRET = 'loopdesk-embedded-demo-secret-change-me-0000';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 30m, 2h or 1d')
  .transform(parseDuration);

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
  LOOPDESK_SEED_DEMO: booleanFlag.default(true),
  LOOPDESK_DEMO_PASSWORD: z.string().min(8, 'at least 8 characters').default('loopdesk-demo'),
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  PAYLOAD_KEYS: z.string().min(1).optional(),
  WIDGET_IDENTITY_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  RATE_LIMIT_LOGIN: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_PUBLIC: z.coerce.number().int().min(1).default(120),
  JWT_TTL: durationMs.default(parseDuration('12h')),
  CONVERSATION_IDLE_TIMEOUT: durationMs.default(parseDuration('30m')),
  SLA_FIRST_RESPONSE: durationMs.default(parseDuration('2m')),
  SLA_RESOLUTION: durationMs.default(parseDuration('30m')),
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
});

export type AppConfig = ReturnType<typeof parseConfig>;

/** Parses the process environment once at start-up; throws one readable message listing every bad variable. */
export function parseConfig(env: Record<string, string | undefined>) {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const missingInProduction = [
    ...(e.JWT_SECRET ? [] : ['JWT_SECRET: required in production (at least 32 characters)']),
    ...(e.PAYLOAD_KEYS ? [] : ['PAYLOAD_KEYS: required in production ("id:base64-of-32-bytes", comma-separated for rotation)']),
    ...(e.WIDGET_IDENTITY_SECRET ? [] : ['WIDGET_IDENTITY_SECRET: required in production (at least 32 characters)']),
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
    seedDemo: e.LOOPDESK_SEED_DEMO,
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
      businessHours: e.BUSINESS_HOURS,
      csatWaitMs: e.CSAT_WAIT,
    },
    logLevel: e.LOG_LEVEL,
    /** An OpenAI-compatible chat endpoint for answers; without an API key the embedded answerer serves alone. */
    llm: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL, timeoutMs: e.LLM_TIMEOUT },
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
