import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { connectDatabase } from '../activities/db/models';
import { createLiveFeed, startLiveFeedPruning } from '../activities/live';
import { payloadCodecFor } from '../activities/security/payload-codec';
import { seedDemoData, seedReferenceData } from '../activities/seed';
import type { AppConfig } from '../domain/config';
import { startInboundSmtp } from '../activities/channels/email';
import { createApp } from './app';
import { createAuditLog } from '../activities/audit';
import { bootstrapFirstAdmin } from './services/admin-users';
import { ensureRfmSchedule } from './services/marketing';
import type { RegisteredRoute } from './route';
import { connectTemporalClient } from './temporal';

export interface RunningApi {
  url: string;
  routes: RegisteredRoute[];
  port: number;
  /** The inbound SMTP server's port, when it runs. */
  smtpPort?: number;
  stop(): Promise<void>;
}

/** Connects the API to Temporal and MongoDB, seeds what it should, and listens. */
export async function startApi(
  config: AppConfig,
  endpoints: { temporalAddress: string; mongoUri: string },
  opts: { log: Logger },
): Promise<RunningApi> {
  const db = await connectDatabase(endpoints.mongoUri);
  await seedReferenceData(db.models);
  if (config.seedDemo) {
    const { created } = await seedDemoData(db.models, { demoPassword: config.demoPassword });
    if (created) opts.log.info('demo customers, orders, events and users seeded');
  }
  if (config.bootstrapAdmin) {
    const outcome = await bootstrapFirstAdmin({ models: db.models, audit: createAuditLog(db.models) }, config.bootstrapAdmin);
    if (outcome === 'created') opts.log.info({ username: config.bootstrapAdmin.email }, 'first admin created from LOOPDESK_ADMIN_EMAIL; log in with it and LOOPDESK_ADMIN_PASSWORD');
    if (outcome === 'username_taken') opts.log.warn({ username: config.bootstrapAdmin.email }, 'no admin exists, but a user named like LOOPDESK_ADMIN_EMAIL does and is no admin: nothing created; use `npm run -s admin -- create-user` instead');
  }
  const codec = payloadCodecFor(config.payloadKeys);
  const client = await connectTemporalClient(endpoints.temporalAddress, config.temporal.namespace, codec);
  await ensureRfmSchedule(client, config.temporal.taskQueue);
  const { app, routes, channels } = createApp({ config, client, db, log: opts.log, codec });
  const pruning = startLiveFeedPruning(createLiveFeed(db.models), config.live.retentionMs, (err) => opts.log.warn({ err }, 'old live events not deleted; trying again later'));
  const inbound = config.channels.email.inbound;
  const smtp = inbound.enabled
    ? await startInboundSmtp({ host: inbound.host, port: inbound.port, receive: (message) => channels.receive(message), receiveBounce: (report) => channels.bounces.receive(report), onError: (err) => opts.log.warn({ err }, 'inbound e-mail not taken') })
    : undefined;
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  return {
    url: `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`,
    port,
    routes,
    ...(smtp ? { smtpPort: smtp.port } : {}),
    async stop() {
      pruning.stop();
      await smtp?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await client.connection.close();
      await db.close();
    },
  };
}
