import type { Request, Response, Router } from 'express';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { AuditActor } from '../activities/audit';
import { hasAnyRole, type ApiKeyService, type Principal, type StaffRole, type TokenService } from './auth';
import { errorBodySchema, HttpError } from './errors';
import { parseRequest } from './validation';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone (health, login, starting a web chat), or callers holding one of the
 * roles (staff tokens and service API keys); `customer: true` also admits a web-chat customer's
 * token, for the one conversation named by the route's `:id`.
 */
export type Access = { public: true } | { roles: readonly StaffRole[]; customer?: boolean; sessionCookie?: boolean };

/** Set at login for pages that cannot send a header, such as the Temporal Web UI calling the codec endpoint. */
export const SESSION_COOKIE = 'loopdesk_session';

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      // A malformed cookie is no cookie.
      return undefined;
    }
  }
  return undefined;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  /** The caller as the audit log records it, with where the call came from. */
  actor: AuditActor;
  origin: { ip?: string; userAgent?: string };
  req: Request;
  res: Response;
}

export interface RouteResult {
  status?: number;
  body: unknown;
}

export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express style, e.g. `/api/conversations/:id`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * For routes that read the raw body themselves (to check a provider's signature over its bytes):
   * documented in OpenAPI only; the route validates it after the signature.
   */
  rawBody?: { contentType: string; schema: z.ZodType; description: string };
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

export interface RegisteredRoute {
  method: Method;
  path: string;
  access: Access;
}

export interface RouteTable {
  add<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(definition: RouteDefinition<P, Q, B>): void;
  readonly routes: RegisteredRoute[];
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const ERROR_RESPONSES: Record<number, string> = {
  400: 'The request is malformed; the message names each bad field.',
  401: 'No valid token was presented.',
  403: "The caller's role may not do this.",
};

/**
 * Declares each route once: it is mounted with its validation and role check, and documented in
 * the OpenAPI document from the same schemas, so the two cannot drift apart.
 */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { kind: 'anonymous', id: 'anonymous' };
  if (principal.kind === 'customer') return { kind: 'customer', id: principal.subject };
  return { kind: principal.kind, id: principal.subject, roles: principal.roles };
}

export function createRouteTable(router: Router, registry: OpenAPIRegistry, auth: { tokens: TokenService; apiKeys: ApiKeyService }): RouteTable {
  const routes: RegisteredRoute[] = [];

  async function identify(req: Request, access: Exclude<Access, { public: true }>): Promise<Principal | undefined> {
    const apiKey = req.get('x-api-key');
    if (apiKey) return auth.apiKeys.verify(apiKey);
    const header = req.get('authorization');
    const cookie = access.sessionCookie ? cookieValue(req, SESSION_COOKIE) : undefined;
    if (!header && cookie) return auth.tokens.verify(cookie);
    if (!header) return undefined;
    if (!header.startsWith('Bearer ')) throw new HttpError(401, 'unauthenticated', 'Send the token as "Authorization: Bearer <token>".');
    return auth.tokens.verify(header.slice('Bearer '.length).trim());
  }

  async function authorise(req: Request, access: Access): Promise<Principal | undefined> {
    if ('public' in access) return undefined;
    const principal = await identify(req, access);
    if (!principal) {
      throw new HttpError(401, 'unauthenticated', 'This route needs a token ("Authorization: Bearer <token>" from POST /api/auth/login) or an API key ("X-Api-Key").');
    }
    if (principal.kind === 'customer') {
      if (!access.customer) throw new HttpError(403, 'forbidden', 'A customer token cannot call this route.');
      if (req.params.id !== principal.conversationId) throw new HttpError(403, 'forbidden', 'This customer token belongs to another conversation.');
      return principal;
    }
    if (!hasAnyRole(principal.roles, access.roles)) {
      throw new HttpError(403, 'forbidden', `This route needs one of the roles: ${access.roles.join(', ')}.`);
    }
    return principal;
  }

  return {
    routes,
    add(definition) {
      routes.push({ method: definition.method, path: definition.path, access: definition.access });
      const responses: RouteConfig['responses'] = {};
      for (const [status, response] of Object.entries(definition.responses)) {
        responses[status] = response.schema
          ? { description: response.description, content: { 'application/json': { schema: response.schema } } }
          : { description: response.description };
      }
      const errorStatuses = [400, ...('public' in definition.access ? [] : [401, 403])];
      for (const status of errorStatuses) {
        responses[status] ??= { description: ERROR_RESPONSES[status] ?? 'Error', content: { 'application/json': { schema: errorBodySchema } } };
      }
      registry.registerPath({
        method: definition.method,
        path: openApiPath(definition.path),
        summary: definition.summary,
        tags: definition.tags,
        ...('public' in definition.access
          ? {}
          : {
              security: [{ bearerAuth: [] }, { apiKey: [] }],
              description: `Roles: ${definition.access.roles.join(', ')} (admin always)${definition.access.customer ? "; or the conversation's customer token" : ''}.`,
            }),
        request: {
          ...(definition.params ? { params: definition.params as never } : {}),
          ...(definition.query ? { query: definition.query as never } : {}),
          ...(definition.body ? { body: { content: { 'application/json': { schema: definition.body } } } } : {}),
          ...(definition.rawBody ? { body: { description: definition.rawBody.description, content: { [definition.rawBody.contentType]: { schema: definition.rawBody.schema } } } } : {}),
        },
        responses,
      });

      router[definition.method](definition.path, async (req, res, next) => {
        try {
          const principal = await authorise(req, definition.access);
          const params = definition.params ? parseRequest(definition.params, req.params, 'path') : undefined;
          const query = definition.query ? parseRequest(definition.query, req.query, 'query') : undefined;
          const body = definition.body ? parseRequest(definition.body, req.body ?? {}, 'body') : undefined;
          const origin = { ip: req.ip, userAgent: req.get('user-agent') };
          const result = await definition.handler({ params, query, body, principal, actor: actorOf(principal), origin, req, res } as never);
          if (!res.headersSent) res.status(result.status ?? 200).json(result.body);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}
