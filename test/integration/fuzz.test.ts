/**
 * Property-based fuzzing of every route of the running API (fast-check).
 *
 * Routes come from `system.api.routes` and their schemas from `/openapi.json`, so a route added later
 * is fuzzed without touching this file. Two phases send malformed requests:
 *
 * - a catalogue: every route × every named nasty input (path segments, path games, query strings,
 *   non-JSON bodies, credentials) and every schema rule broken one at a time, just over its limit;
 * - random cases from fast-check: broken bodies, odd Unicode, operators, deep nesting, bad encodings.
 *
 * Every response must be < 500, never 429, and every 4xx `{ error: { code, message } }`. No generated
 * body is valid, so no request may store anything: document counts of every collection but
 * `audit_log` (failed logins are audited, rightly) are compared before and after.
 */
import { SignJWT } from 'jose';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredRoute } from '../../api/route';
import {
  IGNORED_BODIES,
  NASTY_QUERIES,
  NASTY_SEGMENTS,
  NOT_JSON_BODIES,
  PATH_MANGLERS,
  bodyArb,
  describeCase,
  headerValue,
  queryArb,
  rawClient,
  responseProblem,
  segmentArb,
  singleViolations,
  toJson,
  unknownButValid,
  type BodyCase,
  type JsonSchema,
  type RawClient,
  type RawRequest,
  type RawResponse,
} from '../helpers/fuzz';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/** Random cases; the catalogue adds ≈3,600 more (18 routes today), so a run sends over 5,000 requests. */
const RANDOM_RUNS = 2_000;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** Request line and headers stay below Node's 16 KB limit (a 431 from Node is not the app's answer). */
const HEAD_BUDGET = 12_000;
const headSize = (req: RawRequest) => req.target.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);

interface FuzzRoute {
  method: string;
  path: string;
  params: Array<{ name: string; schema?: JsonSchema }>;
  queryNames: string[];
  body?: JsonSchema;
  /** Not a route of the API: a path that must get a JSON 404. */
  unknown?: boolean;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

let system: TestSystem;
let client: RawClient;
let routes: FuzzRoute[];
let auth: { admin: Record<string, string>; named: Array<{ label: string; headers: Record<string, string> }> };
let countsBefore: Record<string, number>;
const statuses = new Map<number, number>();
const problems: string[] = [];
let catalogueCount = 0;
let randomCount = 0;
const started = Date.now();

/** Document counts of every collection except the audit log. */
async function documentCounts(): Promise<Record<string, number>> {
  const db = system.db.connection.db;
  if (!db) throw new Error('not connected');
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  const counts: Record<string, number> = {};
  for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
    if (name === 'audit_log') continue;
    counts[name] = await db.collection(name).countDocuments();
  }
  return counts;
}

/**
 * Counts once the system's own start-up work is done: the worker's first journeys, the outbox
 * dispatcher and the scheduled rescoring write a few rows of their own shortly after start.
 */
async function settledCounts(): Promise<Record<string, number>> {
  let previous = await documentCounts();
  for (let quiet = 0; quiet < 2; ) {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const current = await documentCounts();
    quiet = JSON.stringify(current) === JSON.stringify(previous) ? quiet + 1 : 0;
    previous = current;
  }
  return previous;
}

function resolveRef(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref?.replace('#/components/schemas/', '');
  return ref ? doc.components?.schemas?.[ref] : schema;
}

/**
 * Routes that take no input at all and act when called by someone allowed to: any request that
 * passes their role check is a valid one, so they would write by design. Their access rules are
 * still checked by the role-matrix test.
 */
const ACT_WITHOUT_INPUT = new Set(['POST /api/rfm/rescore']);

function fuzzRoutes(registered: RegisteredRoute[], doc: OpenApiDocument): FuzzRoute[] {
  const fromTable = registered.filter((route) => !ACT_WITHOUT_INPUT.has(`${route.method.toUpperCase()} ${route.path}`)).map((route): FuzzRoute => {
    const operation = doc.paths[route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[route.method];
    const parameters = operation?.parameters ?? [];
    const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
    return {
      method: route.method.toUpperCase(),
      path: route.path,
      params: names.map((name) => ({ name, schema: parameters.find((p) => p.in === 'path' && p.name === name)?.schema })),
      queryNames: parameters.filter((p) => p.in === 'query').map((p) => p.name),
      body: resolveRef(doc, operation?.requestBody?.content?.['application/json']?.schema),
    };
  });
  const unknown = (method: string, path: string): FuzzRoute => ({ method, path, params: path.includes(':id') ? [{ name: 'id' }] : [], queryNames: [], unknown: true });
  return [...fromTable, unknown('GET', '/no-such-route'), unknown('POST', '/api/no-such-thing/:id'), unknown('DELETE', '/api/conversations')];
}

function concretePath(route: FuzzRoute, segments: string[]): string {
  let i = 0;
  return route.path.replace(/:([A-Za-z0-9_]+)/g, () => segments[i++] ?? 'x');
}

const baselineSegments = (route: FuzzRoute) => route.params.map((p) => unknownButValid(p.schema));

/** A body no route accepts: for requests whose method or path differ from the route's own. */
const OPERATOR_BODY: BodyCase = { body: Buffer.from('{"$where":"1","$ne":null}'), headers: { 'content-type': 'application/json' }, label: 'operators only' };

function baselineBody(route: FuzzRoute): BodyCase | undefined {
  return route.body ? OPERATOR_BODY : undefined;
}

function request(route: FuzzRoute, parts: { method?: string; segments?: string[]; mangle?: (p: string) => string; query?: string; headers?: Record<string, string>; body?: BodyCase; label: string }): RawRequest {
  const path = (parts.mangle ?? ((p: string) => p))(concretePath(route, parts.segments ?? baselineSegments(route)));
  const body = parts.body ?? baselineBody(route);
  return {
    method: parts.method ?? route.method,
    target: parts.query === undefined ? path : `${path}?${parts.query}`,
    headers: { ...(parts.headers ?? auth.admin), ...(body?.headers ?? {}) },
    body: body?.body,
    label: `${route.method} ${route.path}: ${parts.label}${body ? ` [body: ${body.label}]` : ''}`,
  };
}

/** Sends one case and checks the answer; returns the problem, if any, with the case. */
async function exercise(route: FuzzRoute, req: RawRequest): Promise<string | undefined> {
  let res: RawResponse;
  try {
    res = await client.send(req);
  } catch (error) {
    return `no response (${error instanceof Error ? error.message : String(error)})\n  ${describeCase(req)}`;
  }
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  let problem = responseProblem(res);
  // Every generated body is invalid, so a route that takes a body must never accept one.
  if (!problem && route.body && req.method === route.method && res.status < 300) problem = `accepted an invalid body with ${res.status}`;
  return problem ? `${problem}\n  ${describeCase(req, res)}` : undefined;
}

/** Problems grouped by kind and route, then the first few in full. */
function report(found: string[]): string {
  const kinds = new Map<string, number>();
  for (const problem of found) {
    const kind = `${problem.split('\n')[0]} on ${/case: (\S+ \S+?): /.exec(problem)?.[1] ?? '?'}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const tally = [...kinds.entries()].map(([kind, n]) => `  ${n} × ${kind}`).join('\n');
  return `${found.length} problem(s):\n${tally}\n\nFirst cases:\n${found.slice(0, 12).join('\n\n')}`;
}

beforeAll(async () => {
  system = await startTestSystem('fuzz');
  client = rawClient(system.api.url);
  const doc = (await http(system.api.url, 'GET', '/openapi.json')).json as unknown as OpenApiDocument;
  routes = fuzzRoutes(system.api.routes, doc);

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const admin = await system.token('admin');
  const key = new TextEncoder().encode(system.config.auth.jwtSecret);
  const jwt = (claims: Record<string, unknown>, opts: { alg?: string; iss?: string; aud?: string; sub?: string; exp?: number | string; key?: Uint8Array } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
      .setIssuer(opts.iss ?? 'loopdesk')
      .setAudience(opts.aud ?? 'loopdesk-staff')
      .setSubject(opts.sub ?? 'admin')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '1h')
      .sign(opts.key ?? key);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const widget = await http(system.api.url, 'POST', '/api/widget/sessions', { body: {} });
  const customer = (widget.json as { token: string }).token;
  const wellFormedKey = `ldk_0123456789abcdef_${'A'.repeat(43)}`;

  auth = {
    admin: bearer(admin),
    named: [
      { label: 'no credentials', headers: {} },
      { label: 'ops token', headers: bearer(await system.token('ops')) },
      { label: 'agent token', headers: bearer(await system.token('agent')) },
      { label: 'marketer token', headers: bearer(await system.token('marketer')) },
      { label: 'supervisor token', headers: bearer(await system.token('supervisor')) },
      { label: 'customer token', headers: bearer(customer) },
      { label: '"Bearer" alone', headers: { authorization: 'Bearer' } },
      { label: '"Bearer " alone', headers: { authorization: 'Bearer ' } },
      { label: 'lower-case scheme', headers: { authorization: `bearer ${admin}` } },
      { label: 'Basic scheme', headers: { authorization: 'Basic YWRtaW46bG9vcGRlc2stZGVtbw==' } },
      { label: 'token + suffix', headers: bearer(`${admin}x`) },
      { label: 'token twice', headers: bearer(`${admin} ${admin}`) },
      { label: 'token, no signature', headers: bearer(admin.split('.').slice(0, 2).join('.') + '.') },
      { label: '4 KB token', headers: bearer('a'.repeat(4_000)) },
      { label: 'three dots', headers: bearer('...') },
      { label: 'JSON in token', headers: bearer('{"$ne":null}') },
      { label: 'alg none', headers: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', roles: ['admin'], iss: 'loopdesk', aud: 'loopdesk-staff', exp: 4e9 })}.`) },
      { label: 'payload not JSON', headers: bearer(`${b64({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}.AAAA`) },
      { label: 'wrong secret', headers: bearer(await jwt({ roles: ['admin'] }, { key: new TextEncoder().encode('x'.repeat(32)) })) },
      { label: 'expired', headers: bearer(await jwt({ roles: ['admin'] }, { exp: Math.floor(Date.now() / 1000) - 60 })) },
      { label: 'unknown role', headers: bearer(await jwt({ roles: ['root'] })) },
      { label: 'roles as string', headers: bearer(await jwt({ roles: 'admin' })) },
      { label: 'roles as operator', headers: bearer(await jwt({ roles: { $ne: null } })) },
      { label: 'empty subject', headers: bearer(await jwt({ roles: ['admin'] }, { sub: '' })) },
      { label: 'wrong issuer', headers: bearer(await jwt({ roles: ['admin'] }, { iss: 'evil' })) },
      { label: 'HS512', headers: bearer(await jwt({ roles: ['admin'] }, { alg: 'HS512' })) },
      { label: 'customer audience without cid', headers: bearer(await jwt({ roles: ['admin'] }, { aud: 'loopdesk-customer' })) },
      { label: 'customer token for "fz-fuzz-1"', headers: bearer(await jwt({ cid: 'fz-fuzz-1' }, { aud: 'loopdesk-customer', sub: 'fz-customer' })) },
      { label: 'empty X-Api-Key', headers: { 'x-api-key': '' } },
      { label: 'X-Api-Key "ldk_"', headers: { 'x-api-key': 'ldk_' } },
      { label: 'well-formed unknown X-Api-Key', headers: { 'x-api-key': wellFormedKey } },
      { label: 'X-Api-Key operator', headers: { 'x-api-key': '{"$ne":null}' } },
      { label: 'X-Api-Key Latin-1', headers: { 'x-api-key': 'ldk_\u00e9\u00ff_\u00fe' } },
      { label: '4 KB X-Api-Key', headers: { 'x-api-key': `ldk_${'a'.repeat(4_000)}` } },
      { label: 'unknown X-Api-Key with admin token', headers: { 'x-api-key': wellFormedKey, ...bearer(admin) } },
      { label: 'session cookie "%"', headers: { cookie: 'loopdesk_session=%' } },
      { label: 'session cookie bad escape', headers: { cookie: 'loopdesk_session=%E0%A4%A' } },
      { label: 'session cookie CESU-8', headers: { cookie: 'loopdesk_session=%ED%A0%80' } },
      { label: 'session cookie garbage', headers: { cookie: 'loopdesk_session=garbage' } },
      { label: 'session cookie without value', headers: { cookie: 'loopdesk_session' } },
      { label: 'session cookie twice', headers: { cookie: 'loopdesk_session=x; loopdesk_session=%zz' } },
      { label: 'admin session cookie', headers: { cookie: `loopdesk_session=${admin}` } },
      { label: 'cookie soup', headers: { cookie: '=; ;;==; a=%; $ne=1' } },
    ],
  };
  countsBefore = await settledCounts();
}, 240_000);

afterAll(async () => {
  client?.close();
  await system?.stop();
});

describe('fuzzing every route', () => {
  it('enumerates the routes and their schemas', () => {
    expect(routes.filter((r) => !r.unknown).length).toBe(system.api.routes.length - ACT_WITHOUT_INPUT.size);
    expect(routes.some((r) => r.path === '/openapi.json')).toBe(true);
    // Path parameters are documented, so valid-looking segments can be told from real ones.
    const undocumented = routes.filter((r) => !r.unknown).flatMap((r) => r.params.filter((p) => !p.schema).map((p) => `${r.path} :${p.name}`));
    expect(undocumented).toEqual([]);
  });

  it('survives the catalogue of nasty inputs on every route', async () => {
    const cases: Array<[FuzzRoute, RawRequest]> = [];
    for (const route of routes) {
      const add = (parts: Parameters<typeof request>[1]) => cases.push([route, request(route, parts)]);
      add({ label: 'baseline' });
      route.params.forEach((param, i) => {
        for (const segment of NASTY_SEGMENTS) {
          const segments = baselineSegments(route);
          segments[i] = segment;
          add({ segments, label: `:${param.name} = ${segment.slice(0, 40)}` });
        }
      });
      PATH_MANGLERS.forEach((mangle, i) => add({ mangle, body: OPERATOR_BODY, label: `path game ${i}` }));
      for (const query of NASTY_QUERIES) add({ query, label: `query ${query.slice(0, 40)}` });
      const emptyIsRefused = !route.body || (route.body.required ?? []).length > 0;
      for (const body of [...NOT_JSON_BODIES, ...(emptyIsRefused ? IGNORED_BODIES : [])]) add({ body, label: 'non-JSON or odd body' });
      if (route.body) {
        for (const { label, value } of singleViolations(route.body)) {
          add({ body: { body: Buffer.from(toJson(value), 'utf8'), headers: { 'content-type': 'application/json' }, label }, label: 'one rule broken' });
        }
      }
      for (const { label, headers } of auth.named) add({ headers, label: `credentials: ${label}` });
    }
    for (const [route, req] of cases) {
      const problem = await exercise(route, req);
      if (problem) problems.push(problem);
    }
    catalogueCount = cases.length;
    expect(problems.length, report(problems)).toBe(0);
  }, 60_000);

  it('survives random malformed requests (fast-check)', async () => {
    const authArb = fc.oneof(
      { weight: 14, arbitrary: fc.constant({ label: 'admin', headers: auth.admin }) },
      { weight: 4, arbitrary: fc.constantFrom(...auth.named) },
      { weight: 1, arbitrary: headerValue.map((v) => ({ label: 'garbage Authorization', headers: { authorization: v } })) },
      { weight: 1, arbitrary: headerValue.map((v) => ({ label: 'garbage bearer', headers: { authorization: `Bearer ${v}` } })) },
      { weight: 1, arbitrary: headerValue.map((v) => ({ label: 'garbage X-Api-Key', headers: { 'x-api-key': v } })) },
      { weight: 1, arbitrary: headerValue.map((v) => ({ label: 'garbage cookie', headers: { cookie: `loopdesk_session=${v}` } })) },
    );
    const extraHeaders = fc.record(
      {
        origin: fc.oneof(fc.constantFrom('null', 'http://evil.example', ...system.config.temporal.uiOrigins), headerValue),
        'x-namespace': headerValue,
        'user-agent': headerValue,
        'x-forwarded-for': fc.oneof(fc.constantFrom('not-an-ip', '::1, 10.0.0.1', '999.999.999.999', ''), headerValue),
        accept: fc.constantFrom('text/html', '*/*', 'application/xml', ''),
        'x-http-method-override': fc.constantFrom('DELETE', 'PUT'),
      },
      { requiredKeys: [] },
    );
    const requestArb = (route: FuzzRoute) =>
      fc
        .record({
          methodSwap: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') }),
          segments: fc.tuple(...route.params.map((p) => fc.oneof({ weight: 2, arbitrary: fc.constant(unknownButValid(p.schema)) }, { weight: 3, arbitrary: segmentArb(p.schema) }))),
          mangle: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...PATH_MANGLERS) }),
          query: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: queryArb(route.queryNames) }),
          credentials: authArb,
          body: bodyArb(route.body),
          extra: extraHeaders,
        })
        .map(({ methodSwap, segments, mangle, query, credentials, body, extra }) => {
          // Another method or path may reach another route: send a body no route accepts.
          const elsewhere = (methodSwap !== undefined && methodSwap !== route.method) || mangle !== undefined;
          const sentBody = elsewhere && body ? OPERATOR_BODY : body;
          const req = request(route, { method: methodSwap, segments, mangle, query, headers: { ...extra, ...credentials.headers }, body: sentBody, label: `random, ${credentials.label}` });
          // Node refuses a request head over 16 KB with a bare 431 before the app sees it: stay under.
          if (headSize(req) > HEAD_BUDGET) return { route, req: request(route, { method: methodSwap, segments, mangle, query, headers: credentials.headers, body: sentBody, label: `random, ${credentials.label}` }) };
          return { route, req };
        });
    const property = fc.asyncProperty(fc.oneof(...routes.map(requestArb)), async ({ route, req }) => {
      randomCount++;
      const problem = await exercise(route, req);
      if (problem) throw new Error(problem);
    });
    await fc.assert(property, { numRuns: RANDOM_RUNS, seed: SEED });
  }, 60_000);

  it('stored nothing: every collection but the audit log holds as many documents as before', async () => {
    expect(await documentCounts()).toEqual(countsBefore);
  });

  it('sent enough requests', () => {
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`fuzz: ${client.sent} requests to ${routes.length} routes (${catalogueCount} catalogue + ${randomCount} random incl. shrinking) in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${summary}`);
    expect(client.sent).toBeGreaterThanOrEqual(2_000);
  });
});
