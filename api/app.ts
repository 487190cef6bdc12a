import express from 'express';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../activities/db/models';
import type { AppConfig } from '../domain/config';
import { createTokenService } from './auth';
import { errorHandler, HttpError } from './errors';
import { createRouteTable, type RegisteredRoute } from './route';
import { authRoutes } from './routes/auth';
import { conversationRoutes } from './routes/conversations';
import { healthRoutes } from './routes/health';
import { createConversationService } from './services/conversations';

const BODY_LIMIT = '64kb';

export interface AppDeps {
  config: AppConfig;
  client: Client;
  db: Database;
  log: Logger;
}

export function createApp(deps: AppDeps): { app: express.Express; routes: RegisteredRoute[] } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: BODY_LIMIT }));

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const router = express.Router();
  const tokens = createTokenService({ secret: deps.config.auth.jwtSecret, ttlMs: deps.config.auth.jwtTtlMs });
  const table = createRouteTable(router, registry, tokens);

  const conversations = createConversationService({
    client: deps.client,
    models: deps.db.models,
    taskQueue: deps.config.temporal.taskQueue,
    idleTimeoutMs: deps.config.conversation.idleTimeoutMs,
    turnCap: deps.config.conversation.turnCap,
  });

  healthRoutes(table, { client: deps.client, connection: deps.db.connection });
  authRoutes(table, { models: deps.db.models, tokens });
  conversationRoutes(table, conversations);

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Loopdesk API', version: '0.1.0', description: 'Customer service and marketing in one durable loop.' },
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  app.use(router);
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `No route ${req.method} ${req.path}. See GET /openapi.json for the routes.`)));
  app.use(errorHandler(deps.log));
  return { app, routes: [...table.routes, { method: 'get', path: '/openapi.json', access: { public: true } }] };
}
