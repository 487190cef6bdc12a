import express from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import { createAuditLog } from '../activities/audit';
import type { Database } from '../activities/db/models';
import { createPrivacyService } from '../activities/privacy';
import type { AppConfig } from '../domain/config';
import { createApiKeyService, createTokenService } from './auth';
import { errorHandler, HttpError } from './errors';
import { createRouteTable, type RegisteredRoute } from './route';
import { adminRoutes, agentAdminRoutes } from './routes/admin';
import { createAgentAdminService } from './services/admin-agents';
import { authRoutes } from './routes/auth';
import { codecCors, codecRoutes } from './routes/codec';
import { channelRoutes } from './routes/channels';
import { conversationRoutes } from './routes/conversations';
import { deskRoutes } from './routes/desk';
import { caseRoutes } from './routes/cases';
import { omsWebhookRoutes } from './routes/oms-webhooks';
import { createCaseService } from './services/cases';
import { caseDepsFrom } from '../activities/oms';
import { healthRoutes } from './routes/health';
import { liveRoutes } from './routes/live';
import { createChannelService, type ChannelService } from './services/channels';
import { createConversationService } from './services/conversations';
import { createDeskService } from './services/desk';
import { marketingRoutes } from './services/marketing-routes';
import { CONTENT_SECURITY_POLICY, serveWebPages } from './web';
import { demoShopRoutes } from './routes/demo-shop';

const BODY_LIMIT = '64kb';
/** A workflow history page can carry many payloads. */
const CODEC_BODY_LIMIT = '8mb';
const MINUTE = 60_000;

export interface AppDeps {
  config: AppConfig;
  client: Client;
  db: Database;
  log: Logger;
  codec: PayloadCodec;
}

function limiter(limit: number, what: string) {
  return rateLimit({
    windowMs: MINUTE,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `Too many ${what}; wait a minute and try again.`)),
  });
}

export function createApp(deps: AppDeps): { app: express.Express; routes: RegisteredRoute[]; channels: ChannelService } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', 'loopback');
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
  app.use('/api/auth/login', limiter(deps.config.rateLimits.loginPerMinute, 'login attempts'));
  app.use(['/api/widget', '/api/conversations', '/api/unsubscribe'], limiter(deps.config.rateLimits.publicPerMinute, 'requests'));
  app.use('/api/codec', codecCors(deps.config.temporal.uiOrigins));
  app.use('/api/codec', express.json({ limit: CODEC_BODY_LIMIT }));
  // Carrier and warehouse webhooks are signed over their exact bytes too.
  app.use('/api/oms/webhooks', express.raw({ type: () => true, limit: BODY_LIMIT }));
  // Channel webhooks are signed over their exact bytes: keep the raw body for them.
  app.use('/api/channels', express.raw({ type: () => true, limit: BODY_LIMIT }));
  app.use(express.json({ limit: BODY_LIMIT }));

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-Api-Key' });
  const router = express.Router();
  const tokens = createTokenService({ secret: deps.config.auth.jwtSecret, ttlMs: deps.config.auth.jwtTtlMs });
  const apiKeys = createApiKeyService(deps.db.models);
  const audit = createAuditLog(deps.db.models);
  const table = createRouteTable(router, registry, { tokens, apiKeys });

  const conversations = createConversationService({
    client: deps.client,
    models: deps.db.models,
    taskQueue: deps.config.temporal.taskQueue,
    idleTimeoutMs: deps.config.conversation.idleTimeoutMs,
    turnCap: deps.config.conversation.turnCap,
    desk: deps.config.desk,
  });
  const desk = createDeskService({ client: deps.client, models: deps.db.models, taskQueue: deps.config.temporal.taskQueue });

  healthRoutes(table, { client: deps.client, connection: deps.db.connection });
  authRoutes(table, { models: deps.db.models, tokens, audit });
  conversationRoutes(table, conversations, { tokens, widgetIdentitySecret: deps.config.widgetIdentitySecret, audit, desk });
  codecRoutes(table, { codec: deps.codec, audit });
  deskRoutes(table, { desk, models: deps.db.models, audit });
  const cases = createCaseService({ client: deps.client, models: deps.db.models, taskQueue: deps.config.temporal.taskQueue, cases: caseDepsFrom(deps.config) });
  caseRoutes(table, { cases, audit });
  omsWebhookRoutes(table, { cases, secret: deps.config.webhooks.secret, toleranceMs: deps.config.webhooks.toleranceMs });
  adminRoutes(table, { models: deps.db.models, apiKeys, audit, privacy: createPrivacyService(deps.db.models) });
  agentAdminRoutes(table, { agents: createAgentAdminService({ client: deps.client, models: deps.db.models, taskQueue: deps.config.temporal.taskQueue, audit }) });
  liveRoutes(table, { models: deps.db.models, router, log: deps.log });
  const channels = createChannelService({ client: deps.client, models: deps.db.models, conversations, settings: deps.config.channels, taskQueue: deps.config.temporal.taskQueue, log: deps.log });
  channelRoutes(table, { channels, settings: deps.config.channels });
  marketingRoutes(table, { client: deps.client, models: deps.db.models, taskQueue: deps.config.temporal.taskQueue, audit, optOut: channels.optOut });
  if (deps.config.seedDemo && deps.config.env !== 'production') demoShopRoutes(table, { widgetIdentitySecret: deps.config.widgetIdentitySecret });

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Loopdesk API', version: '0.1.0', description: 'Customer service and marketing in one durable loop.' },
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  app.use(router);
  serveWebPages(app);
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `No route ${req.method} ${req.path}. See GET /openapi.json for the routes.`)));
  app.use(errorHandler(deps.log));
  return { app, routes: [...table.routes, { method: 'get', path: '/openapi.json', access: { public: true } }], channels };
}
