import type { NextFunction, Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Models } from '../../activities/db/models';
import { createLiveFeed, createLiveHub, liveStreams, type LiveEvent, type LiveHub, type LiveHubOptions } from '../../activities/live';
import { hasAnyRole, type StaffRole } from '../auth';
import { HttpError } from '../errors';
import type { RouteResult, RouteTable } from '../route';
import { conversationIdSchema } from './conversations';

const KEEPALIVE_MS = 15_000;
/** How long EventSource waits before reconnecting after the stream drops. */
const RECONNECT_MS = 2_000;
/** A stream ends after this long and the client reconnects, so its token is checked again and expiry or revocation takes effect. */
const MAX_STREAM_MS = 30 * 60_000;
/** A client this far behind is cut off; it reconnects and catches up from the database. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const SUPERVISOR_ROLES: readonly StaffRole[] = ['supervisor'];
const SEQ_PATTERN = /^\d{1,15}$/;

const conversationPath = '/api/conversations/:id/events';
const agentPath = '/api/agents/me/events';

const streamQuery = z.strictObject({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Replay the events after this seq, then stream. A Last-Event-ID header (sent by EventSource when it reconnects) wins over it.'),
  access_token: z
    .string()
    .max(4096)
    .optional()
    .describe('The bearer token, for EventSource, which cannot send headers; checked like "Authorization: Bearer". Other clients should send the header, since URLs end up in logs.'),
});

const STREAM_DESCRIPTION =
  'A text/event-stream (send "Accept: text/event-stream"). Each message has "id: <seq>", "event: <type>" and "data: {seq, type, at, data}" as JSON; ' +
  '": keepalive" comments every 15 s. The stream ends after 30 minutes and EventSource reconnects with Last-Event-ID, missing nothing.';

/** One SSE message. Multi-line data becomes several `data:` lines, which the client joins with newlines. */
export function formatSseMessage(message: { id?: number | string; event?: string; data: string }): string {
  const lines: string[] = [];
  if (message.id !== undefined) lines.push(`id: ${message.id}`);
  if (message.event !== undefined) lines.push(`event: ${message.event}`);
  for (const line of message.data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return `${lines.join('\n')}\n\n`;
}

/** A comment line: clients ignore it, proxies see traffic and keep the connection open. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/\r\n|\r|\n/g, ' ')}\n\n`;
}

/** What a client receives for one event; the streams it was published to are not shown. */
export function liveEventMessage(event: LiveEvent): string {
  return formatSseMessage({ id: event.seq, event: event.type, data: JSON.stringify({ seq: event.seq, type: event.type, at: event.at.toISOString(), data: event.data }) });
}

/**
 * Sent once catch-up is done. An id with no data moves EventSource's Last-Event-ID without firing an
 * event, so a client that started "from now" and drops before any event resumes from here.
 */
export function liveMarker(cursor: number): string {
  return `: live\nid: ${cursor}\n\n`;
}

/** Where a stream resumes: the Last-Event-ID header of a reconnecting EventSource, else `?after=`, else from now on (undefined). */
export function resumeCursor(lastEventId: string | undefined, after: number | undefined): number | undefined {
  const header = lastEventId?.trim();
  if (!header) return after;
  if (!SEQ_PATTERN.test(header)) throw new HttpError(400, 'invalid_request', 'Last-Event-ID must be the id of an event this stream sent (a sequence number).');
  return Number(header);
}

/** Whether the client asked for an event stream; a plain request would otherwise hang open forever. */
export function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

/**
 * EventSource cannot send headers, so these routes alone also take the token as `?access_token=`.
 * It is moved into the Authorization header, where the route table verifies it like any bearer token.
 */
function acceptQueryToken(req: Request, _res: Response, next: NextFunction): void {
  const token = req.query.access_token;
  if (typeof token === 'string' && token && !req.get('authorization') && !req.get('x-api-key')) req.headers.authorization = `Bearer ${token}`;
  next();
}

function openStream(
  hub: LiveHub,
  log: Pick<Logger, 'warn'>,
  ctx: { req: Request; res: Response; query: z.output<typeof streamQuery> },
  streams: string[],
): RouteResult {
  const { req, res } = ctx;
  if (!acceptsEventStream(req.get('accept'))) {
    throw new HttpError(406, 'not_acceptable', 'This route streams Server-Sent Events: send "Accept: text/event-stream" (EventSource does).');
  }
  const afterSeq = resumeCursor(req.get('last-event-id'), ctx.query.after);

  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  res.write(`retry: ${RECONNECT_MS}\n\n`);

  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    clearTimeout(lifetime);
    subscription.close();
    res.end();
  };
  const write = (chunk: string) => {
    if (ended) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      end();
      res.destroy();
    }
  };
  const keepalive = setInterval(() => write(formatSseComment('keepalive')), KEEPALIVE_MS);
  const lifetime = setTimeout(end, MAX_STREAM_MS);
  const subscription = hub.subscribe(streams, afterSeq, {
    deliver: (events) => {
      for (const event of events) write(liveEventMessage(event));
    },
    live: (cursor) => write(liveMarker(cursor)),
    fail: (error) => {
      log.warn({ err: error, streams }, 'live stream stopped: the feed could not be read');
      end();
    },
  });
  res.on('close', end);
  return { body: undefined };
}

/**
 * Server-Sent Events for agents and customers, fed by activities through `createLiveFeed().publish`
 * (possibly in another process) and read by one shared poller per API process.
 */
export function liveRoutes(table: RouteTable, deps: { models: Models; router: Router; log: Pick<Logger, 'warn'>; hub?: LiveHubOptions }): LiveHub {
  const hub = createLiveHub(createLiveFeed(deps.models), {
    ...deps.hub,
    onPollError: deps.hub?.onPollError ?? ((error) => deps.log.warn({ err: error }, 'live feed poll failed; retrying')),
  });
  deps.router.get([conversationPath, agentPath], acceptQueryToken);

  table.add({
    method: 'get',
    path: conversationPath,
    summary: "A conversation's live events (Server-Sent Events), with catch-up from Last-Event-ID or ?after=",
    tags: ['live'],
    access: { roles: ['ops', 'supervisor', 'agent'], customer: true },
    params: z.strictObject({ id: conversationIdSchema }),
    query: streamQuery,
    responses: {
      200: { description: STREAM_DESCRIPTION },
      406: { description: 'The request did not accept text/event-stream' },
    },
    handler: ({ params, query, req, res }) => Promise.resolve(openStream(hub, deps.log, { req, res, query }, [liveStreams.conversation(params.id)])),
  });

  table.add({
    method: 'get',
    path: agentPath,
    summary: "The caller's live events (Server-Sent Events): their own stream, and the supervisors' stream for supervisors",
    tags: ['live'],
    access: { roles: ['agent', 'supervisor'] },
    query: streamQuery,
    responses: {
      200: { description: STREAM_DESCRIPTION },
      406: { description: 'The request did not accept text/event-stream' },
    },
    handler: ({ query, principal, req, res }) => {
      if (!principal || principal.kind === 'customer') throw new HttpError(403, 'forbidden', 'This stream is for staff.');
      const streams = [liveStreams.agent(principal.subject), ...(hasAnyRole(principal.roles, SUPERVISOR_ROLES) ? [liveStreams.supervisors] : [])];
      return Promise.resolve(openStream(hub, deps.log, { req, res, query }, streams));
    },
  });

  return hub;
}
