/**
 * Building blocks of the API fuzz test (test/integration/fuzz.test.ts): a raw HTTP client that sends
 * exactly the bytes it is given, and fast-check arbitraries for malformed requests. Bodies, path
 * parameters and query strings are derived from the OpenAPI document, so a route added later is
 * fuzzed without touching the test, and every generated body breaks at least one rule of its schema
 * (a valid body could legitimately create data, which the test forbids).
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

export interface RawRequest {
  method: string;
  /** The request target exactly as sent on the request line (percent-encoded where wanted). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the case is about, for failure messages. */
  label: string;
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

export interface RawClient {
  send(request: RawRequest): Promise<RawResponse>;
  /** Requests sent so far. */
  readonly sent: number;
  close(): void;
}

/**
 * node:http rather than fetch: fetch normalises `../`, refuses bodies on GET and re-encodes the
 * target, and the fuzzer wants the server to see exactly what it generated.
 */
export function rawClient(base: string, timeoutMs = 15_000): RawClient {
  const { hostname, port } = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sent = 0;

  const attempt = (request: RawRequest) =>
    new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...request.headers };
      if (request.body) headers['content-length'] = String(request.body.length);
      let answered = false;
      const req = http.request({ host: hostname, port: Number(port), method: request.method, path: request.target, headers, agent }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The server may answer (413) and stop reading before the body is written; the answer counts.
        if (!answered) reject(Object.assign(error, { retryable: req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') }));
      });
      req.end(request.body);
    });

  return {
    get sent() {
      return sent;
    },
    async send(request) {
      sent++;
      try {
        return await attempt(request);
      } catch (error) {
        // A kept-alive socket the server closed just as it was reused: the request never arrived.
        if (error instanceof Error && (error as { retryable?: boolean }).retryable) return attempt(request);
        throw error;
      }
    },
    close() {
      agent.destroy();
    },
  };
}

/** What is wrong with a response, or undefined: no 5xx, no 429, and every 4xx is `{ error: { code, message } }`. */
export function responseProblem(res: RawResponse): string | undefined {
  if (res.status >= 500) return `server error ${res.status}`;
  if (res.status === 429) return 'rate limited (429) although the test config disables rate limits';
  if (res.status < 400) return undefined;
  if (!/^application\/json\b/i.test(res.contentType)) return `${res.status} with content-type "${res.contentType}" instead of JSON`;
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    return `${res.status} with a body that is not JSON`;
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error !== 'object') return `${res.status} without an "error" object`;
  if (typeof error.code !== 'string' || error.code.length === 0) return `${res.status} without a non-empty error.code`;
  if (typeof error.message !== 'string' || error.message.trim().length === 0) return `${res.status} without a non-empty error.message`;
  return undefined;
}

const preview = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

export function describeCase(request: RawRequest, res?: RawResponse): string {
  const body = request.body ? preview(JSON.stringify(request.body.subarray(0, 400).toString('latin1'))) + ` [${request.body.length} bytes]` : '(none)';
  return [
    `case: ${request.label}`,
    `request: ${request.method} ${preview(request.target, 400)}`,
    `headers: ${preview(JSON.stringify(request.headers, (_k, v: unknown) => (typeof v === 'string' && /^(Bearer )?eyJ/.test(v) ? `${v.slice(0, 16)}…(JWT)` : v)), 600)}`,
    `body: ${body}`,
    ...(res ? [`response: ${res.status} ${res.contentType} ${preview(res.text, 600)}`] : []),
  ].join('\n  ');
}

// ---------------------------------------------------------------------------------------------
// JSON values that JSON.stringify cannot express: repeated keys, `__proto__` keys, raw number text
// ---------------------------------------------------------------------------------------------

/** JSON text used verbatim (deep nesting, `1e400`, `-0`). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object as key/value pairs, so it may repeat a key or carry `__proto__`. */
export class Entries {
  constructor(readonly pairs: ReadonlyArray<readonly [string, Value]>) {}
}

export type Value = null | boolean | number | string | RawJson | Entries | Value[];

export function toJson(value: Value): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.pairs.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  return JSON.stringify(value) ?? 'null';
}

const obj = (record: Record<string, Value>) => new Entries(Object.entries(record));

// ---------------------------------------------------------------------------------------------
// Strings, keys and values
// ---------------------------------------------------------------------------------------------

/** Characters that break naive code: NUL, bidi and zero-width marks, BOM, emoji, lone surrogates, line separators. */
export const ODD_CHARS = [
  '\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066',
  '\u2028', '\u2029', '\u3000', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '\u0301', '😀', '👩‍👩‍👧', '🇨🇳', '𠀀', '中', 'ﷺ',
  '\n', '\r', '\t', '"', "'", '\\', '/', '$', '.', '%', '&', '=', '?', '#', '<', '>', '{', '}', '[', ']',
];

const oddChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_CHARS) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

export const NASTY_STRINGS = [
  '', ' ', '   ', '\u3000', '\u200b', '\u0000', 'null', 'undefined', 'true', '0', '-1', 'NaN', 'Infinity', '1e400',
  '$ne', '$where', '$gt', '{"$ne":null}', '{"$where":"1"}', '__proto__', 'constructor', 'prototype', 'toString',
  '../../../etc/passwd', '..\\..\\windows\\win.ini', '%00', '%s%s%s%n', '${7*7}', '{{7*7}}', '<script>alert(1)</script>',
  "' OR '1'='1", '"; DROP TABLE users; --', 'admin', 'ops', 'root', '\u202eevil.exe', 'a\u0000b', '\ud800', '\udfff\ud800',
];

const longString = fc
  .tuple(fc.constantFrom('x', '中', '😀', '\u200b', '\u0000', ' '), fc.constantFrom(65, 101, 129, 257, 1_000, 4_001, 20_000, 70_000, 100_001))
  .map(([c, n]) => c.repeat(n));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(oddChar, { maxLength: 40 }).map((cs) => cs.join('')) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: longString },
);

/** Short strings only: for keys, headers and paths, where 100 KB would just be a 431 or a 413. */
const shortNastyString = fc.oneof(
  { weight: 6, arbitrary: fc.array(oddChar, { maxLength: 30 }).map((cs) => cs.join('')) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
);

export const OPERATOR_OBJECTS: Entries[] = [
  obj({ $ne: null }),
  obj({ $where: '1' }),
  obj({ $gt: '' }),
  obj({ $regex: '.*' }),
  obj({ $exists: true }),
  obj({ $in: ['admin', 'ops'] }),
  obj({ $nin: [] }),
  obj({ $expr: obj({ $eq: [1, 1] }) }),
  obj({ $function: obj({ body: 'function(){return true}', args: [], lang: 'js' }) }),
  obj({ $jsonSchema: obj({}) }),
  obj({ $elemMatch: obj({ $ne: null }) }),
  obj({ $set: obj({ roles: ['admin'] }) }),
  new Entries([['__proto__', obj({ admin: true })]]),
  new Entries([['constructor', obj({ prototype: obj({ admin: true }) })]]),
];

export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('$where', '$ne', '$gt', '$expr', '$function', '$set', '$', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'a.b', 'a.$', '\u0000', 'x\u0000', '\u202e', 'roles', 'admin', 'isAdmin', 'password', '_id', '__v') },
  { weight: 2, arbitrary: shortNastyString },
);

const NUMBERS: Value[] = [0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE, new RawJson('-0'), new RawJson('1e400'), new RawJson('-1e400'), new RawJson('123456789012345678901234567890'), new RawJson('0.0000000000000000000001')];

export const nastyLeaf: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom(...OPERATOR_OBJECTS) },
);

/** Deeply nested arrays/objects as raw JSON text (JSON.stringify itself would overflow the stack). */
export const deepJson: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(50, 500, 5_000, 20_000, 40_000), fc.constantFrom('array', 'object', 'operator'))
  .map(([depth, kind]) => {
    if (kind === 'array') return new RawJson('['.repeat(depth) + ']'.repeat(depth));
    if (kind === 'object') return new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    return new RawJson('{"$ne":'.repeat(depth) + 'null' + '}'.repeat(depth));
  });

const { value: nestedValue } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'nasty-value' },
    { weight: 5, arbitrary: nastyLeaf },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(nastyKey, tie('value')), { maxLength: 4 }).map((pairs) => new Entries(pairs)) },
  ),
}));

export const nastyValue: fc.Arbitrary<Value> = fc.oneof({ weight: 12, arbitrary: nestedValue }, { weight: 1, arbitrary: deepJson });

// ---------------------------------------------------------------------------------------------
// Values that break a JSON schema (from the OpenAPI document)
// ---------------------------------------------------------------------------------------------

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  $ref?: string;
}

const typeOf = (schema: JsonSchema): string | undefined => (typeof schema.type === 'string' ? schema.type : undefined);

const NON_STRINGS: Value[] = [0, 1, -1, 1.5, true, false, null, [], ['x'], obj({}), obj({ x: 'y' }), new RawJson('1e400')];
/** Values z.coerce.number() would still refuse (no null, booleans or numeric strings). */
const NON_NUMBERS: Value[] = ['abc', '1O', '', ' ', [1, 2], obj({}), obj({ $gt: 0 }), '0x', '--1'];
const NON_ARRAYS: Value[] = ['x', '', 0, 1, true, null, obj({}), obj({ 0: 'ops', length: 1 })];
const NON_OBJECTS: Value[] = ['x', '', 0, true, null, [], [obj({})]];

function wrongType(type: string): fc.Arbitrary<Value> {
  const fixed = type === 'string' ? NON_STRINGS : type === 'number' || type === 'integer' ? NON_NUMBERS : type === 'array' ? NON_ARRAYS : type === 'object' ? NON_OBJECTS : ['x', 0, null, [], obj({})];
  const operators = type === 'object' ? [] : OPERATOR_OBJECTS; // an operator object is still an object
  return fc.oneof(fc.constantFrom(...fixed), ...(operators.length ? [fc.constantFrom(...operators)] : []), ...(type === 'object' ? [] : [deepJson]));
}

const DATE_TIME_GARBAGE = ['yesterday', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01', '2026-01-01T24:00:00Z', '2026-01-01T00:00:60Z', '1e400', '-1', '0', '+275760-09-13T00:00:00.001Z', '2026-01-01T00:00:00+25:00', '2026-01-01 00:00:00'];

/** Strings that may or may not satisfy a string schema, to reach the deeper checks. */
const SAMPLE_STRINGS = ['fz-fuzz-1', 'fz1', 'fuzz', 'fffffffffffffff0', 'f'.repeat(64), 'YQ==', 'x', 'hello', '你好'];

/** A plausible, often valid, value for a schema; the body as a whole is broken elsewhere. */
export function plausible(schema: JsonSchema, depth = 0): fc.Arbitrary<Value> {
  if (schema.enum?.length) return fc.constantFrom(...(schema.enum as Value[]));
  switch (typeOf(schema)) {
    case 'string': {
      const re = schema.pattern ? new RegExp(schema.pattern) : undefined;
      const ok = SAMPLE_STRINGS.filter((s) => (!re || re.test(s)) && s.length <= (schema.maxLength ?? Infinity) && s.length >= (schema.minLength ?? 0));
      return ok.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ok) }, { weight: 1, arbitrary: nastyString }) : nastyString;
    }
    case 'integer':
      return fc.integer({ min: Math.ceil(schema.minimum ?? -1_000), max: Math.floor(schema.maximum ?? 1_000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 2 || !schema.items ? fc.constant([]) : fc.array(plausible(schema.items, depth + 1), { maxLength: 3 });
    case 'object':
      return depth > 2 ? fc.constant(obj({})) : plausibleEntries(schema, depth + 1).map((pairs) => new Entries(pairs));
    default:
      return nastyValue;
  }
}

function plausibleEntries(schema: JsonSchema, depth = 0): fc.Arbitrary<Array<[string, Value]>> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, prop]) =>
    fc.option(fc.oneof({ weight: 3, arbitrary: plausible(prop, depth) }, { weight: 1, arbitrary: nastyValue }), { nil: undefined, freq: 4 }).map((v): Array<[string, Value]> => (v === undefined ? [] : [[name, v]])),
  );
  return fc.tuple(...fields).map((parts) => parts.flat());
}

type Breaker = (pairs: Array<[string, Value]>) => Array<[string, Value]>;

/** Changes that each make an object break its schema; applied in any order, one keeps it broken. */
function objectBreakers(schema: JsonSchema, depth: number): Array<fc.Arbitrary<Breaker>> {
  const names = Object.keys(schema.properties ?? {});
  const breakers: Array<fc.Arbitrary<Breaker>> = [];
  if (schema.additionalProperties === false) {
    breakers.push(
      fc.tuple(nastyKey.filter((k) => !names.includes(k)), nastyValue).map(([k, v]): Breaker => (pairs) => [...pairs, [k, v]]),
    );
  }
  for (const name of schema.required ?? []) breakers.push(fc.constant<Breaker>((pairs) => pairs.filter(([k]) => k !== name)));
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const bad = invalidFor(prop, depth + 1);
    if (!bad) continue;
    // keepEarlier repeats the key: JSON.parse keeps the last one, the bad one.
    breakers.push(fc.tuple(bad, fc.boolean()).map(([v, keepEarlier]): Breaker => (pairs) => [...(keepEarlier ? pairs : pairs.filter(([k]) => k !== name)), [name, v]]));
  }
  return breakers;
}

/** An object that breaks its schema in one to three ways, or undefined if we cannot be sure to break it. */
export function invalidObject(schema: JsonSchema, depth = 0): fc.Arbitrary<Entries> | undefined {
  const breakers = objectBreakers(schema, depth);
  if (breakers.length === 0) return undefined;
  return fc
    .tuple(plausibleEntries(schema, depth), fc.array(fc.oneof(...breakers), { minLength: 1, maxLength: 3 }))
    .map(([pairs, apply]) => new Entries(apply.reduce((acc, breaker) => breaker(acc), pairs)));
}

/** A value that surely fails `schema`, or undefined when the schema says too little to be sure. */
export function invalidFor(schema: JsonSchema, depth = 0): fc.Arbitrary<Value> | undefined {
  const type = typeOf(schema);
  if (!type || depth > 3) return undefined;
  const options: Array<fc.Arbitrary<Value>> = [wrongType(type)];
  if (type === 'string') {
    if (schema.maxLength !== undefined && schema.maxLength < 60_000) {
      const max = schema.maxLength;
      // Each is one code point: zod here counts code points, not UTF-16 units, so 51 emoji fit in 100.
      options.push(fc.constantFrom('x', '中', '😀', '\u200b', '\u0000').map((c) => c.repeat(max + 1)));
    }
    if ((schema.minLength ?? 0) > 0) options.push(fc.constant(''));
    if (schema.enum?.length) {
      const allowed = schema.enum;
      options.push(fc.oneof(shortNastyString, fc.constantFrom(...allowed.map((v) => `${String(v).toUpperCase()} `))).filter((s) => !allowed.includes(s)));
    }
    if (schema.pattern) {
      const re = new RegExp(schema.pattern);
      options.push(fc.oneof(shortNastyString, fc.constantFrom(...SAMPLE_STRINGS.map((s) => `${s}\u0000`), ...SAMPLE_STRINGS.map((s) => ` ${s}`))).filter((s) => !re.test(s)));
    }
    if (schema.format === 'date-time') options.push(fc.constantFrom(...DATE_TIME_GARBAGE));
  }
  if (type === 'integer') options.push(fc.constantFrom<Value>(1.5, 0.1, new RawJson('1e400')));
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) options.push(fc.constant(schema.minimum - 1));
    if (schema.maximum !== undefined) options.push(fc.constant(schema.maximum + 1));
  }
  if (type === 'array') {
    const sample: Value = schema.items?.enum?.length ? (schema.items.enum[0] as Value) : typeOf(schema.items ?? {}) === 'object' ? obj({}) : 'x';
    if (schema.maxItems !== undefined && schema.maxItems < 5_000) options.push(fc.constant(Array.from({ length: schema.maxItems + 1 }, () => sample)));
    if ((schema.minItems ?? 0) > 0) options.push(fc.constant([]));
    const badItem = schema.items ? invalidFor(schema.items, depth + 1) : undefined;
    if (badItem) options.push(fc.tuple(fc.array(fc.constant(sample), { maxLength: 2 }), badItem).map(([good, bad]) => [...good, bad]));
  }
  if (type === 'object') {
    const bad = invalidObject(schema, depth);
    if (bad) options.push(bad);
  }
  return fc.oneof(...options);
}

// ---------------------------------------------------------------------------------------------
// Request parts
// ---------------------------------------------------------------------------------------------

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as on the wire). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Path segments as sent: traversal, NUL, malformed or overlong escapes, CESU-8 lone surrogates, operators. */
export const NASTY_SEGMENTS = [
  '..', '.', '...', '%2e%2e', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '..%2f..%2f..%2fetc%2fpasswd', '..%5c..%5cwindows', '%00', 'a%00', '%00a',
  '%', '%%', '%zz', '%2', '%E0%A4%A', '%C0%80', '%C0%AE%C0%AE', '%ED%A0%80', '%ED%BF%BF', '%F4%90%80%80', '%FF', '%FE%FF', '%E2%80%AE', '%E2%80%8B',
  '%EF%BB%BF', '%F0%9F%98%80', '%0A', '%0D%0A', '%20', '+', '%2B', '%3B', ';', ',', '$ne', '%24ne', '$where', '%7B%22%24ne%22%3Anull%7D', '[$ne]',
  '%5B%24ne%5D', 'null', 'undefined', '__proto__', 'constructor', 'prototype', '*', '~', "'", '%27%20OR%201%3D1', '"', '<', '>', '|', '\\', '%5C',
  '@', ':', 'a:b', '-a', '_a', 'a'.repeat(129), 'a'.repeat(4_000), 'f'.repeat(17), 'F'.repeat(16), 'g'.repeat(16),
];

/** Request targets for whole-path games on a route's concrete path. */
export const PATH_MANGLERS: Array<(path: string) => string> = [
  (p) => p,
  (p) => `${p}/`,
  (p) => `${p}//`,
  (p) => `/${p}`,
  (p) => p.toUpperCase(),
  (p) => `${p}/..`,
  (p) => `${p}/%2e%2e`,
  (p) => `${p};x=1`,
  (p) => `${p}%00`,
  (p) => `${p}%`,
  (p) => `${p}.json`,
  (p) => `/${p.slice(1).replace(/\//g, '%2F')}`,
  (p) => p.replace('/api/', '/api/./'),
  (p) => p.replace('/api/', '/api/x/../'),
  (p) => `${p}#fragment`,
];

/** Query strings as sent, after the `?`. */
export const NASTY_QUERIES = [
  '', '&', '&&&', '=', '==', 'limit=-1', 'limit=0', 'limit=501', 'limit=1e400', 'limit=NaN', 'limit=1.5', 'limit=%20', 'limit=0x10', 'limit=',
  'limit[$gt]=0', 'limit[]=1', 'limit[0]=1', 'limit=1&limit=2', 'a=1&a=2', 'action=a&action=b', 'action[$ne]=x', 'actor[$regex]=.*',
  'from=yesterday', 'from=2026-02-30T00:00:00Z', 'to=%00', 'target=%', 'target=%zz', 'action=%E0%A4%A', '%=1', '%zz=1', '__proto__=1',
  '__proto__[admin]=1', 'constructor[prototype][admin]=1', 'toString=1', 'reveal=TRUE', 'reveal=1', 'reveal=true&reveal=true', 'reveal[]=true',
  `action=${'a'.repeat(65)}`, `actor=${'a'.repeat(129)}`, `x=${'a'.repeat(3_000)}`, 'action=%F0%9F%98%80%E2%80%AE%00', '$where=1', '%24where=1',
  'a.b=1', 'a%00=1', ';=;', '?', '??a=1',
];

/** Header values Node accepts (tab, printable ASCII, Latin-1) that mean nothing to us. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', '$ne', '{"$ne":null}', 'a'.repeat(4_000), '\u00ff\u00fe', 'é', 'Bearer', 'Bearer ', 'bearer x', 'Basic YWRtaW46bG9vcGRlc2stZGVtbw==') },
);

/** Parameter values from a route's OpenAPI parameter schema that pass its pattern but name nothing real. */
export function unknownButValid(schema: JsonSchema | undefined): string {
  const re = schema?.pattern ? new RegExp(schema.pattern) : undefined;
  return ['fz-fuzz-1', 'fffffffffffffff0', 'fz1'].find((s) => !re || re.test(s)) ?? 'fz-fuzz-1';
}

/** A raw path segment, guaranteed never to name a real record: anything valid starts with "fz". */
export function segmentArb(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const re = schema?.pattern ? new RegExp(schema.pattern) : undefined;
  const safe = (raw: string) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return true;
    }
    return !re || !re.test(decoded) || decoded.startsWith('fz');
  };
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...NASTY_SEGMENTS) },
      { weight: 3, arbitrary: shortNastyString.map(percentEncode) },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:~!$&\'()*+,;=@%[]'.split('')), maxLength: 30 }) },
      { weight: 1, arbitrary: fc.integer({ min: 129, max: 4_000 }).map((n) => 'z'.repeat(n)) },
      { weight: 2, arbitrary: fc.constant(unknownButValid(schema)) },
      { weight: 1, arbitrary: fc.stringMatching(/^fz[a-f0-9]{14}$/) },
    )
    .filter(safe);
}

export function queryArb(knownNames: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 3, arbitrary: knownNames.length ? fc.constantFrom(...knownNames) : fc.constant('q') },
    { weight: 1, arbitrary: fc.tuple(knownNames.length ? fc.constantFrom(...knownNames) : fc.constant('q'), fc.constantFrom('[$gt]', '[$ne]', '[]', '[0]', '[__proto__]', '.$where')).map(([k, s]) => k + s) },
    { weight: 1, arbitrary: nastyKey.map(percentEncode) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: shortNastyString.map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('-1', '0', '1', '500', '501', '1e400', 'NaN', 'true', 'false', '%', '%zz', '%E0%A4%A', '%ED%A0%80', '%00', '2026-02-30T00:00:00Z', '2026-01-01T00:00:00Z') },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_QUERIES) },
    { weight: 3, arbitrary: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')) },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

export interface BodyCase {
  body?: Buffer;
  headers: Record<string, string>;
  label: string;
}

const json = (text: string, label: string, contentType = 'application/json'): BodyCase => ({ body: Buffer.from(text, 'utf8'), headers: { 'content-type': contentType }, label });
const bytes = (buffer: Buffer, label: string, contentType = 'application/json'): BodyCase => ({ body: buffer, headers: { 'content-type': contentType }, label });

/** Content types body-parser either parses as JSON or refuses (415/400): a body sent with them is never silently `{}`. */
const PARSED_OR_REFUSED_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset=latin1', 'application/json; charset=utf-7', 'application/json; charset=bogus', 'application/json; charset=utf-16le', 'application/json; charset=utf-32'];
/** Content types whose bodies the JSON parser skips, so the route sees `{}`. */
const IGNORED_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/vnd.api+json', 'application/*', 'application/json, text/plain', 'json', ';;', ''];

const BYTE_SOUP = [
  [0xed, 0xa0, 0x80], // CESU-8 lone surrogate
  [0xc0, 0x80], // overlong NUL
  [0xff, 0xfe], // UTF-16 BOM
  [0xef, 0xbb, 0xbf], // UTF-8 BOM
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xe2, 0x82], // truncated
  [0x00],
  [0xe2, 0x80, 0xae], // RTL override
];

/** JSON text with raw bytes inside a string, plus an operator key so the object is invalid for a strict schema. */
function bytesInString(field: string, soup: number[][]): Buffer {
  return Buffer.concat([Buffer.from(`{${JSON.stringify(field)}:"`), ...soup.map((b) => Buffer.from(b)), Buffer.from('","$where":"1"}')]);
}

/** Bodies that are not JSON at all, or not an object, sent as application/json. */
export const NOT_JSON_BODIES: BodyCase[] = [
  json('{', 'truncated'),
  json('{"a":1,}', 'trailing comma'),
  json("{'a':1}", 'single quotes'),
  json('{"a":NaN}', 'NaN'),
  json('{"a":undefined}', 'undefined'),
  json('{"a":1}}', 'extra brace'),
  json('{"a" 1}', 'missing colon'),
  json('"string"', 'top-level string'),
  json('123', 'top-level number'),
  json('null', 'top-level null'),
  json('true', 'top-level true'),
  json('[]', 'top-level array'),
  json('[{"$where":"1"}]', 'array of operators'),
  json(' ', 'blank'),
  json('\u0000', 'NUL'),
  json('<xml/>', 'xml'),
  json('a=1&b=2', 'form'),
  json('{"a":"\\ud800"}', 'escaped lone surrogate with unknown key'),
  json('{"a":"\\u0000"}', 'escaped NUL with unknown key'),
  json('\ufeff{"$where":"1"}', 'BOM then operator'),
  json('{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}', 'prototype pollution'),
  bytes(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), 'UTF-16 bytes'),
  bytes(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]), 'gzip magic without content-encoding'),
  bytes(bytesInString('text', BYTE_SOUP), 'raw invalid UTF-8 in a string'),
  bytes(bytesInString('x', [[0xed, 0xa0, 0x80]]), 'CESU-8 surrogate'),
  json('{"a":1}', 'JSON, charset utf-16', 'application/json; charset=utf-16'),
  json('{"$where":"1"}', 'charset latin1', 'application/json; charset=latin1'),
  json('{"$where":"1"}', 'unknown charset', 'application/json; charset=x-fuzz'),
  { body: Buffer.from('not gzip'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, label: 'bad gzip' },
  { body: Buffer.from('not deflate'), headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, label: 'bad deflate' },
  { body: Buffer.from('{"$where":"1"}'), headers: { 'content-type': 'application/json', 'content-encoding': 'x-fuzz' }, label: 'unknown encoding' },
  { body: Buffer.from('{"$where":"1"}'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' }, label: 'double encoding' },
  { body: gzipSync(Buffer.from(`{"x":"${'a'.repeat(9_000_000)}"}`)), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, label: 'gzip bomb (9 MB inflated)' },
  { body: gzipSync(Buffer.from('{"$where":"1","$ne":null}')), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, label: 'gzipped operators' },
  json(`{"x":"${'a'.repeat(64 * 1024)}"}`, 'just over 64 KB'),
  json(`{"x":"${'a'.repeat(64 * 1024 - 8)}"}`, 'exactly 64 KB'),
  json(`{"x":"${'a'.repeat(64 * 1024 - 7)}"}`, '64 KB + 1'),
  json(`{"x":"${'中'.repeat(40_000)}"}`, '120 KB of CJK'),
  json(`{"x":"${'a'.repeat(150_000)}"}`, '150 KB'),
  json('['.repeat(30_000) + ']'.repeat(30_000), 'arrays nested 30,000 deep'),
  json('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), 'objects nested 10,000 deep'),
];

/** Bodies that are never parsed into anything but `{}`: only for routes where `{}` is already refused. */
export const IGNORED_BODIES: BodyCase[] = [
  ...IGNORED_TYPES.map((t) => json('{"$where":"1"}', `content-type "${t}"`, t)),
  { body: Buffer.alloc(0), headers: { 'content-type': 'application/json' }, label: 'empty JSON body' },
  { body: Buffer.alloc(0), headers: {}, label: 'empty body, no content-type' },
];

/** Bodies for one route: mostly objects that break its schema, some not JSON at all. */
export function bodyArb(schema: JsonSchema | undefined): fc.Arbitrary<BodyCase | undefined> {
  const strictEmpty: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
  const target = schema ?? strictEmpty;
  // Without a way to break the schema for sure, send no objects at all: a valid one might store data.
  const broken = invalidObject(target);
  const emptyIsRefused = (target.required ?? []).length > 0 || !schema;
  const brokenJson = (entries: fc.Arbitrary<Entries>) => fc
    .tuple(entries, fc.constantFrom(...PARSED_OR_REFUSED_TYPES.slice(0, 3), ...PARSED_OR_REFUSED_TYPES), fc.constantFrom('none', 'none', 'none', 'gzip', 'identity'))
    .map(([entries, type, encoding]): BodyCase => {
      const text = Buffer.from(toJson(entries), 'utf8');
      const headers: Record<string, string> = { 'content-type': type };
      if (encoding !== 'none') headers['content-encoding'] = encoding;
      return { body: encoding === 'gzip' ? gzipSync(text) : text, headers, label: `broken object (${type}${encoding === 'none' ? '' : `, ${encoding}`})` };
    });
  const nonObject = fc
    .oneof(nastyValue, fc.array(nastyValue, { maxLength: 3 }))
    .filter((v) => !(v instanceof Entries))
    .map((v): BodyCase => json(toJson(v), 'not an object'));
  const soup = fc
    .tuple(fc.constantFrom(...Object.keys(target.properties ?? {}), 'x'), fc.array(fc.oneof(fc.constantFrom(...BYTE_SOUP), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => [...a].filter((b) => b !== 0x22 && b !== 0x5c))), { maxLength: 6 }))
    .map(([field, parts]) => bytes(bytesInString(field, parts), 'raw bytes in a string'));
  const garbage = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => bytes(Buffer.concat([Buffer.from('{"'), Buffer.from(a)]), 'random bytes after {"'));
  return fc.oneof(
    ...(emptyIsRefused ? [{ weight: schema ? 1 : 6, arbitrary: fc.constant(undefined) }] : []),
    ...(broken ? [{ weight: 12, arbitrary: brokenJson(broken) }] : []),
    { weight: 2, arbitrary: nonObject },
    { weight: 2, arbitrary: soup },
    { weight: 1, arbitrary: garbage },
    { weight: 2, arbitrary: fc.constantFrom(...NOT_JSON_BODIES.filter((b) => (b.body?.length ?? 0) < 200_000)) },
    ...(emptyIsRefused ? [{ weight: 1, arbitrary: fc.constantFrom(...IGNORED_BODIES) }] : []),
  );
}

// ---------------------------------------------------------------------------------------------
// One rule broken at a time (the catalogue): just over each limit, the rest of the body valid
// ---------------------------------------------------------------------------------------------

/** A fixed value that satisfies a schema as far as the document tells; only ever sent with one rule broken. */
export function firstValid(schema: JsonSchema): Value {
  if (schema.enum?.length) return schema.enum[0] as Value;
  switch (typeOf(schema)) {
    case 'string': {
      const re = schema.pattern ? new RegExp(schema.pattern) : undefined;
      const fits = (s: string) => (!re || re.test(s)) && s.length <= (schema.maxLength ?? Infinity) && s.length >= (schema.minLength ?? 0);
      return SAMPLE_STRINGS.find(fits) ?? 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 0, 1) }, () => firstValid(schema.items ?? {}));
    case 'object':
      return new Entries((schema.required ?? []).map((name) => [name, firstValid(schema.properties?.[name] ?? {})] as const));
    default:
      return null;
  }
}

const FIXED_WRONG: Record<string, Value[]> = {
  string: [0, true, null, [], ['x'], obj({ $ne: null }), obj({ $gt: '' }), obj({ $where: '1' })],
  integer: ['abc', [1, 2], obj({ $gt: 0 })],
  number: ['abc', [1, 2], obj({ $gt: 0 })],
  boolean: ['true', 0, obj({ $ne: false })],
  array: ['x', 0, null, obj({}), obj({ $in: ['admin'] })],
  object: ['x', 0, null, [], [obj({})]],
};

/** Single values that each break `schema` in one named way. */
export function violations(schema: JsonSchema, depth = 0): Array<[string, Value]> {
  const type = typeOf(schema);
  if (!type || depth > 3) return [];
  const out: Array<[string, Value]> = (FIXED_WRONG[type] ?? []).map((v) => [`wrong type ${toJson(v)}`, v]);
  if (type === 'string') {
    const valid = firstValid(schema);
    if (schema.maxLength !== undefined && schema.maxLength < 60_000) {
      out.push([`maxLength ${schema.maxLength} + 1`, 'x'.repeat(schema.maxLength + 1)], [`maxLength ${schema.maxLength} + 1 emoji`, '😀'.repeat(schema.maxLength + 1)]);
    }
    if ((schema.minLength ?? 0) > 0) out.push(['empty', '']);
    if (schema.enum?.length) out.push(['not in enum (case)', String(schema.enum[0]).toUpperCase()], ['not in enum (space)', `${String(schema.enum[0])} `], ['not in enum (zero-width)', `${String(schema.enum[0])}\u200b`]);
    if (schema.pattern && typeof valid === 'string') {
      const re = new RegExp(schema.pattern);
      const candidates: Array<[string, string]> = [
        ['NUL', `${valid}\u0000`], ['leading space', ` ${valid}`], ['RTL mark', `\u202e${valid}`], ['zero-width', `${valid}\u200b`],
        ['lone surrogate', `${valid}\ud800`], ['emoji', `${valid}😀`], ['operator', `$ne`], ['traversal', '../etc/passwd'], ['too long', `${valid}${'a'.repeat(200)}`],
      ];
      for (const [label, s] of candidates) if (!re.test(s)) out.push([`pattern: ${label}`, s]);
    }
    if (schema.format === 'date-time') for (const s of DATE_TIME_GARBAGE) out.push([`date-time ${s}`, s]);
  }
  if (type === 'integer') out.push(['fraction', 1.5]);
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) out.push(['minimum - 1', schema.minimum - 1]);
    if (schema.maximum !== undefined) out.push(['maximum + 1', schema.maximum + 1]);
  }
  if (type === 'array') {
    const item = firstValid(schema.items ?? {});
    if (schema.maxItems !== undefined && schema.maxItems < 5_000) out.push([`maxItems ${schema.maxItems} + 1`, Array.from({ length: schema.maxItems + 1 }, () => item)]);
    if ((schema.minItems ?? 0) > 0) out.push(['no items', []]);
    if (schema.items) for (const [label, v] of violations(schema.items, depth + 1)) out.push([`item: ${label}`, [v]]);
  }
  if (type === 'object') {
    for (const { label, value } of singleViolations(schema, depth + 1)) out.push([label, value]);
  }
  return out;
}

/** A body that is valid but for one broken rule, for each rule the schema states. */
export function singleViolations(schema: JsonSchema, depth = 0): Array<{ label: string; value: Entries }> {
  const base = firstValid(schema);
  const pairs = base instanceof Entries ? base.pairs : [];
  const out: Array<{ label: string; value: Entries }> = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const others = pairs.filter(([k]) => k !== name);
    for (const [label, v] of violations(prop, depth)) out.push({ label: `${name}: ${label}`, value: new Entries([...others, [name, v]]) });
    if (schema.required?.includes(name)) out.push({ label: `${name} missing`, value: new Entries(others) });
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [label, v] of violations(schema.additionalProperties, depth)) out.push({ label: `any key: ${label}`, value: new Entries([...pairs, ['k', v]]) });
  }
  if (schema.additionalProperties === false) {
    for (const key of ['$where', '$ne', '__proto__', 'constructor', 'isAdmin', '']) out.push({ label: `extra key "${key}"`, value: new Entries([...pairs, [key, obj({ $ne: null })]]) });
  }
  return out;
}
