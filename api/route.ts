import type { Request, Response, Router } from 'express';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { hasAnyRole, type Principal, type StaffRole, type TokenService } from './auth';
import { errorBodySchema, HttpError } from './errors';
import { parseRequest } from './validation';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: anyone (customer-facing channels, health), or staff holding one of the roles. */
export type Access = { public: true } | { roles: readonly StaffRole[] };

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
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
export function createRouteTable(router: Router, registry: OpenAPIRegistry, tokens: TokenService): RouteTable {
  const routes: RegisteredRoute[] = [];

  async function authorise(req: Request, access: Access): Promise<Principal | undefined> {
    const header = req.get('authorization');
    if ('public' in access) return undefined;
    if (!header?.startsWith('Bearer ')) throw new HttpError(401, 'unauthenticated', 'This route needs a staff token: send "Authorization: Bearer <token>" from POST /api/auth/login.');
    const principal = await tokens.verify(header.slice('Bearer '.length).trim());
    if (!hasAnyRole(principal, access.roles)) {
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
        ...('public' in definition.access ? {} : { security: [{ bearerAuth: [] }], description: `Roles: ${definition.access.roles.join(', ')} (admin always).` }),
        request: {
          ...(definition.params ? { params: definition.params as never } : {}),
          ...(definition.query ? { query: definition.query as never } : {}),
          ...(definition.body ? { body: { content: { 'application/json': { schema: definition.body } } } } : {}),
        },
        responses,
      });

      router[definition.method](definition.path, async (req, res, next) => {
        try {
          const principal = await authorise(req, definition.access);
          const params = definition.params ? parseRequest(definition.params, req.params, 'path') : undefined;
          const query = definition.query ? parseRequest(definition.query, req.query, 'query') : undefined;
          const body = definition.body ? parseRequest(definition.body, req.body ?? {}, 'body') : undefined;
          const result = await definition.handler({ params, query, body, principal, req, res } as never);
          if (!res.headersSent) res.status(result.status ?? 200).json(result.body);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}
