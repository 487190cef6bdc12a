import type { Client } from '@temporalio/client';
import type mongoose from 'mongoose';
import { z } from 'zod';
import type { RouteTable } from '../route';

const PROBE_TIMEOUT_MS = 2_000;

const componentSchema = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number().optional(), error: z.string().optional() });
const healthSchema = z.object({ status: z.enum(['ok', 'degraded']), temporal: componentSchema, mongodb: componentSchema });

async function probe(check: () => Promise<unknown>): Promise<z.infer<typeof componentSchema>> {
  const started = Date.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)),
    ]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}

export function healthRoutes(table: RouteTable, deps: { client: Client; connection: mongoose.Connection }): void {
  table.add({
    method: 'get',
    path: '/health',
    summary: 'Whether Temporal and MongoDB are reachable',
    tags: ['ops'],
    access: { public: true },
    responses: {
      200: { description: 'Both are reachable', schema: healthSchema },
      503: { description: 'One of them is not', schema: healthSchema },
    },
    handler: async () => {
      const [temporal, mongodb] = await Promise.all([
        probe(() => deps.client.workflowService.getSystemInfo({})),
        probe(async () => {
          if (!deps.connection.db) throw new Error('not connected');
          await deps.connection.db.admin().ping();
        }),
      ]);
      const ok = temporal.status === 'up' && mongodb.status === 'up';
      return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', temporal, mongodb } };
    },
  });
}
