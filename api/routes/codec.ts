import type { PayloadCodec } from '@temporalio/common';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';

const base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

const payloadsBody = z.strictObject({
  payloads: z
    .array(z.object({ metadata: z.record(z.string().max(256), base64).optional(), data: base64.optional() }))
    .max(1_000),
});

type WirePayloads = z.infer<typeof payloadsBody>;

const fromWire = (body: WirePayloads) =>
  body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  }));

const toWire = (payloads: Array<{ metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }>) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  })),
});

/** CORS for the Temporal Web UI, which calls the codec endpoint from its own origin with the session cookie. */
export function codecCors(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowedOrigins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** Temporal's remote codec protocol, so authorised staff see decrypted payloads in the Temporal Web UI. */
export function codecRoutes(table: RouteTable, deps: { codec: PayloadCodec; audit: AuditLog }): void {
  table.add({
    method: 'post',
    path: '/api/codec/decode',
    summary: 'Decrypt workflow payloads (Temporal remote codec protocol); every call is audited',
    tags: ['ops'],
    access: { roles: ['ops', 'supervisor'], sessionCookie: true },
    body: payloadsBody,
    responses: { 200: { description: 'The decrypted payloads' } },
    handler: async ({ body, actor, origin, req }) => {
      let decoded;
      try {
        decoded = await deps.codec.decode(fromWire(body));
      } catch (error) {
        throw new HttpError(400, 'undecodable', `A payload could not be decrypted: ${error instanceof Error ? error.message : String(error)}`);
      }
      await deps.audit.record({ actor, action: 'codec.decode', details: { payloads: body.payloads.length, namespace: req.get('x-namespace') ?? null }, ...origin });
      return { body: toWire(decoded) };
    },
  });

  table.add({
    method: 'post',
    path: '/api/codec/encode',
    summary: 'Encrypt payloads (Temporal remote codec protocol), e.g. for signals sent from the Temporal Web UI',
    tags: ['ops'],
    access: { roles: ['ops', 'supervisor'], sessionCookie: true },
    body: payloadsBody,
    responses: { 200: { description: 'The encrypted payloads' } },
    handler: async ({ body }) => ({ body: toWire(await deps.codec.encode(fromWire(body))) }),
  });
}
