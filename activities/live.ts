import { ApplicationFailure } from '@temporalio/common';
import mongoose from 'mongoose';
import type { Models } from './db/models';

/**
 * Live delivery: activities publish events to named streams, the API streams them to agents and
 * customers. Every event gets one global sequence number, so a client that reconnects with the last
 * number it saw is sent exactly what it missed.
 */

/** Who receives an event. Publish to every stream that should see it; there is no wildcard. */
export const liveStreams = {
  conversation: (conversationId: string) => `conversation:${conversationId}`,
  agent: (username: string) => `agent:${username}`,
  queue: (name: string) => `queue:${name}`,
  supervisors: 'supervisors',
} as const;

export interface LiveEventInput {
  /** Becomes the SSE `event:` field, e.g. `message.created`. */
  type: string;
  data: Record<string, unknown>;
}

export interface LiveEvent {
  seq: number;
  streams: string[];
  type: string;
  data: Record<string, unknown>;
  at: Date;
}

export interface PublishLiveInput {
  streams: string[];
  event: LiveEventInput;
  /** The same key published twice stores one event, so a retried activity publishes once. */
  idempotencyKey: string;
}

const DUPLICATE_KEY = 11000;
/** How long a publish keeps losing races for a seq to other processes before it gives up and lets Temporal retry it. */
const ALLOCATION_BUDGET_MS = 10_000;
const MAX_BACKOFF_MS = 20;
/** How many seqs above a guessed one must be free for the guess to count as the highest plus one. */
const HOLE_LOOKAHEAD = 2;
const MAX_READ_LIMIT = 1000;
const MAX_STREAMS = 32;
const MAX_DATA_BYTES = 64 * 1024;
/** Printable, no spaces: `conversation:<id>`, `agent:<username>`, … */
const STREAM_PATTERN = /^[^\s\p{Cc}]{1,200}$/u;
const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

function isDuplicateKeyError(error: unknown): boolean {
  return Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why an event cannot be published, or undefined when it can. */
export function liveEventProblem(streams: readonly string[], event: LiveEventInput, idempotencyKey: string): string | undefined {
  if (streams.length === 0 || streams.length > MAX_STREAMS) return `an event goes to 1-${MAX_STREAMS} streams, not ${streams.length}`;
  const badStream = streams.find((s) => !STREAM_PATTERN.test(s));
  if (badStream !== undefined) return `stream ${JSON.stringify(badStream)} is not a valid stream name (e.g. "conversation:<id>")`;
  if (!TYPE_PATTERN.test(event.type)) return `event type ${JSON.stringify(event.type)} must be 1-64 letters, digits or "_.:-", starting with a letter`;
  if (idempotencyKey.length === 0 || idempotencyKey.length > 200) return 'idempotencyKey must be 1-200 characters';
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return 'event data must be an object';
  if (Buffer.byteLength(JSON.stringify(event.data)) > MAX_DATA_BYTES) return `event data must be at most ${MAX_DATA_BYTES} bytes of JSON`;
  return undefined;
}

function toLiveEvent(row: { seq: number; streams: string[]; type: string; data?: unknown; at: Date }): LiveEvent {
  return { seq: row.seq, streams: row.streams, type: row.type, data: (row.data ?? {}) as Record<string, unknown>, at: row.at };
}

/**
 * The feed's sequence numbers come from the unique index on `seq`: a publisher stores its event at
 * the highest seq plus one and, when another process got there first, tries again. A counter
 * document bumped with `findOneAndUpdate`/`$inc` is not enough: FerretDB v1 does not apply `$inc`
 * (or a compare-and-set update) atomically, and 50 concurrent increments there hand out the same
 * value many times. Storing only ever above the highest stored seq also means no event can appear
 * below one a reader has already seen (as it could with a counter: take 9, take 10, store 10, store
 * 9), so readers need not hold anything back.
 */
export function createLiveFeed(models: Pick<Models, 'LiveEvent'>) {
  /** Publishes through this feed take turns, since they would only race each other for the same seq. */
  let turn: Promise<unknown> = Promise.resolve();
  /** The seq this feed stored last: while no other process publishes, the next one is free. */
  let lastStored: number | undefined;

  /** The highest stored seq: a scan of the whole feed on stores that only index `_id` lookups (FerretDB). */
  async function latestSeq(): Promise<number> {
    return (await models.LiveEvent.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean())?.seq ?? 0;
  }

  const taken = async (seq: number) => (await models.LiveEvent.exists({ _id: seq })) !== null;

  /**
   * The seq to try next. After this feed's own last one, the next is the highest plus one unless
   * another process has published since; a look at the few seqs above it (point reads by `_id`,
   * cheap on every store) catches that, and also steps over a hole someone left behind. Otherwise,
   * or when the guess loses the race anyway, ask for the highest.
   */
  async function nextSeq(guess: boolean): Promise<number> {
    if (guess && lastStored !== undefined) {
      const candidate = lastStored + 1;
      const above = await Promise.all(Array.from({ length: HOLE_LOOKAHEAD }, (_, i) => taken(candidate + 1 + i)));
      if (!above.some(Boolean)) return candidate;
    }
    return (await latestSeq()) + 1;
  }

  async function storedSeq(idempotencyKey: string): Promise<number | undefined> {
    return (await models.LiveEvent.findOne({ idempotencyKey }, { seq: 1 }).lean())?.seq;
  }

  async function append(streams: string[], event: LiveEventInput, idempotencyKey: string): Promise<number> {
    const giveUpAt = Date.now() + ALLOCATION_BUDGET_MS;
    for (let attempt = 1; ; attempt++) {
      const seq = await nextSeq(attempt === 1);
      try {
        await models.LiveEvent.create({ _id: seq, seq, streams: [...new Set(streams)], type: event.type, data: event.data, idempotencyKey, at: new Date() });
        lastStored = seq;
        return seq;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // The store does not say which index refused the row: either this key was published already, or the seq was taken.
        const stored = await storedSeq(idempotencyKey);
        if (stored !== undefined) return stored;
        if (Date.now() > giveUpAt) throw new Error(`no free live event seq after ${attempt} attempts: too many concurrent publishers; retry`, { cause: error });
        await sleep(Math.random() * Math.min(attempt, MAX_BACKOFF_MS));
      }
    }
  }

  return {
    /**
     * Appends one event for `streams` and returns its sequence number; publishing the same
     * idempotencyKey again returns the first event's number and stores nothing.
     */
    async publish(streams: string[], event: LiveEventInput, idempotencyKey: string): Promise<number> {
      const problem = liveEventProblem(streams, event, idempotencyKey);
      if (problem) throw ApplicationFailure.create({ type: 'InvalidLiveEvent', message: problem, nonRetryable: true });
      const published = turn.then(() => append(streams, event, idempotencyKey));
      turn = published.catch(() => undefined);
      return published;
    },

    /** Events of any of `streams` after `afterSeq` (and at most `upTo`), in sequence order. */
    async read(streams: string[], afterSeq: number, limit: number, opts: { upTo?: number } = {}): Promise<LiveEvent[]> {
      if (streams.length === 0) return [];
      const seq = mongoose.trusted({ $gt: afterSeq, ...(opts.upTo === undefined ? {} : { $lte: opts.upTo }) });
      const rows = await models.LiveEvent.find({ streams: mongoose.trusted({ $in: streams }), seq })
        .sort({ seq: 1 })
        .limit(Math.min(Math.max(1, limit), MAX_READ_LIMIT))
        .lean();
      return rows.map(toLiveEvent);
    },

    /**
     * The stored events among the `size` seqs after `afterSeq`, in sequence order: one point read
     * by `_id` each, so its cost does not grow with the feed (a range query scans the whole feed on
     * stores that only index equality lookups, such as the embedded FerretDB).
     */
    async readWindow(afterSeq: number, size: number): Promise<LiveEvent[]> {
      const seqs = Array.from({ length: size }, (_, i) => afterSeq + 1 + i);
      const rows = await Promise.all(seqs.map((seq) => models.LiveEvent.findById(seq).lean()));
      return rows.filter((row) => row !== null).map(toLiveEvent);
    },

    /** Deletes events published before `before`; returns how many. */
    async prune(before: Date): Promise<number> {
      return (await models.LiveEvent.deleteMany({ at: mongoose.trusted({ $lt: before }) })).deletedCount;
    },

    /** Events of every stream after `afterSeq`, in sequence order: what a shared poller fans out. */
    async readAll(afterSeq: number, limit: number): Promise<LiveEvent[]> {
      const rows = await models.LiveEvent.find({ seq: mongoose.trusted({ $gt: afterSeq }) })
        .sort({ seq: 1 })
        .limit(Math.min(Math.max(1, limit), MAX_READ_LIMIT))
        .lean();
      return rows.map(toLiveEvent);
    },

    /** The highest stored sequence number, 0 before the first event. */
    latestSeq,
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;

/** The feed as an activity, for workflows: `publishLive({ streams, event, idempotencyKey })` → the event's seq. */
export function createLiveActivities(models: Pick<Models, 'LiveEvent'>) {
  const feed = createLiveFeed(models);
  return {
    async publishLive(input: PublishLiveInput): Promise<number> {
      return feed.publish(input.streams, input.event, input.idempotencyKey);
    },
  };
}

/**
 * How far a poller may advance over `seqs` (stored seqs above `horizon`, ascending). Seqs are handed
 * out without holes, but a MongoDB query that yields mid-scan can return seq N+1 and miss an N
 * stored meanwhile; so the poller stops before a hole and reads again, and passes the hole only when
 * the next read shows it again (an event deleted since, say). `holeBefore` is the seq a hole was
 * seen before last time; the result's `holeBefore` is the one to pass next time.
 */
export function contiguousRun(horizon: number, seqs: readonly number[], holeBefore: number | undefined): { upTo: number; holeBefore?: number } {
  let upTo = horizon;
  for (const seq of seqs) {
    if (seq !== upTo + 1 && seq !== holeBefore) return { upTo, holeBefore: seq };
    upTo = seq;
  }
  return { upTo };
}

export interface LiveSink {
  /** Events in seq order, each after the last one delivered; never called again after close. */
  deliver(events: LiveEvent[]): void;
  /** Catch-up is done; from here events arrive as they are published. `cursor` is where a reconnect should resume. */
  live(cursor: number): void;
  /** The subscription could not continue (e.g. the database failed during catch-up); it is closed. */
  fail(error: unknown): void;
}

export interface LiveSubscription {
  close(): void;
}

export interface LiveHubOptions {
  pollIntervalMs?: number;
  /** How often, at most, the poller also reads the feed by range, to step over a gap wider than its window. */
  rangeReadIntervalMs?: number;
  onPollError?: (error: unknown) => void;
}

const DEFAULT_POLL_INTERVAL_MS = 300;
const DEFAULT_RANGE_READ_INTERVAL_MS = 10_000;
/**
 * Seqs a poll looks at by point reads; publishers leave no holes, so the next events are the next
 * seqs. A quiet feed is looked at a few seqs ahead, a busy one (the last poll found events) further.
 */
const POLL_WINDOW = 32;
const QUIET_POLL_WINDOW = 4;
const POLL_BATCH = 500;
const CATCH_UP_PAGE = 500;

interface Subscriber {
  streams: Set<string>;
  /** The last seq this subscriber has been given or skipped; undefined until a "from now" subscriber learns where now is. */
  cursor: number | undefined;
  sink: LiveSink;
  live: boolean;
  closed: boolean;
}

/**
 * One poller per process for every connected client: while anyone is subscribed it reads the feed
 * after the last seq it has seen, every `pollIntervalMs`, and hands each subscriber the events of
 * its streams. A new subscriber first catches up from the database to the poller's position and
 * then joins the fan-out, so it gets every event after its cursor exactly once, in order.
 */
export function createLiveHub(feed: LiveFeed, opts: LiveHubOptions = {}) {
  const pollIntervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const rangeReadIntervalMs = opts.rangeReadIntervalMs ?? DEFAULT_RANGE_READ_INTERVAL_MS;
  let lastRangeReadAt = 0;
  let busy = false;
  const subscribers = new Set<Subscriber>();
  /** The poller has fanned out every event up to here. */
  let horizon = 0;
  let holeBefore: number | undefined;
  /** Bumped whenever polling stops, so a poll still in flight from before is discarded. */
  let generation = 0;
  let started: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function deliverTo(subscriber: Subscriber, events: readonly LiveEvent[]): void {
    const after = subscriber.cursor ?? horizon;
    const fresh = events.filter((e) => e.seq > after && e.streams.some((s) => subscriber.streams.has(s)));
    const last = fresh.at(-1);
    if (!last || subscriber.closed) return;
    subscriber.cursor = last.seq;
    subscriber.sink.deliver(fresh);
  }

  /**
   * The events after the horizon: the next seqs by point reads. Only when none of them is there,
   * and not more often than every `rangeReadIntervalMs`, a range read as well, which finds events
   * beyond a gap wider than the window (events deleted before anyone read them).
   */
  async function nextBatch(): Promise<{ events: LiveEvent[]; full: boolean }> {
    const size = busy ? POLL_WINDOW : QUIET_POLL_WINDOW;
    const window = await feed.readWindow(horizon, size);
    busy = window.length > 0;
    if (window.length > 0 || Date.now() - lastRangeReadAt < rangeReadIntervalMs) return { events: window, full: window.length === size };
    lastRangeReadAt = Date.now();
    const batch = await feed.readAll(horizon, POLL_BATCH);
    return { events: batch, full: batch.length === POLL_BATCH };
  }

  /** One poll; true when another should follow at once (a full batch, or a hole to read again). */
  async function poll(pollGeneration: number): Promise<boolean> {
    const { events: batch, full } = await nextBatch();
    if (pollGeneration !== generation) return false;
    const run = contiguousRun(horizon, batch.map((e) => e.seq), holeBefore);
    const ready = batch.filter((e) => e.seq <= run.upTo);
    // No await from here on: a subscriber that sees this horizon must also get these events.
    horizon = run.upTo;
    holeBefore = run.holeBefore;
    for (const subscriber of subscribers) if (subscriber.live) deliverTo(subscriber, ready);
    return run.holeBefore !== undefined || full;
  }

  function schedule(pollGeneration: number, delayMs: number): void {
    if (pollGeneration !== generation) return;
    timer = setTimeout(() => {
      poll(pollGeneration).then(
        (more) => schedule(pollGeneration, more ? 0 : pollIntervalMs),
        (error: unknown) => {
          opts.onPollError?.(error);
          schedule(pollGeneration, pollIntervalMs);
        },
      );
    }, delayMs);
    timer.unref();
  }

  function ensurePolling(): Promise<void> {
    if (started) return started;
    const pollGeneration = generation;
    const starting = feed.latestSeq().then((latest) => {
      // Everything stored so far is history: subscribers read it from the database.
      if (pollGeneration !== generation) return;
      horizon = Math.max(horizon, latest);
      holeBefore = undefined;
    });
    started = starting;
    starting.then(
      () => schedule(pollGeneration, pollIntervalMs),
      () => {
        if (started === starting) started = undefined;
      },
    );
    return starting;
  }

  function stopPolling(): void {
    generation++;
    started = undefined;
    clearTimeout(timer);
    timer = undefined;
  }

  function remove(subscriber: Subscriber): void {
    subscriber.closed = true;
    subscribers.delete(subscriber);
    if (subscribers.size === 0) stopPolling();
  }

  async function catchUp(subscriber: Subscriber): Promise<void> {
    await ensurePolling();
    subscriber.cursor ??= horizon;
    while (!subscriber.closed) {
      const upTo = horizon;
      const page = await feed.read([...subscriber.streams], subscriber.cursor, CATCH_UP_PAGE, { upTo });
      if (subscriber.closed) return;
      deliverTo(subscriber, page);
      // Joining is synchronous with this check: every later poll fans out only events above `upTo`.
      if (page.length < CATCH_UP_PAGE && horizon === upTo) {
        subscriber.live = true;
        subscriber.sink.live(Math.max(subscriber.cursor, upTo));
        return;
      }
    }
  }

  return {
    /**
     * Streams every event of `streams` after `afterSeq` to `sink`, from the database first, then
     * live; without `afterSeq`, only events published from now on.
     */
    subscribe(streams: string[], afterSeq: number | undefined, sink: LiveSink): LiveSubscription {
      const subscriber: Subscriber = { streams: new Set(streams), cursor: afterSeq, sink, live: false, closed: false };
      subscribers.add(subscriber);
      catchUp(subscriber).catch((error: unknown) => {
        if (subscriber.closed) return;
        remove(subscriber);
        sink.fail(error);
      });
      return { close: () => remove(subscriber) };
    },

    /** How many clients are subscribed, whether the poller runs, and the last seq it fanned out. */
    stats(): { subscribers: number; polling: boolean; horizon: number } {
      return { subscribers: subscribers.size, polling: started !== undefined, horizon };
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;

const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * Keeps the feed bounded: every ten minutes (and once at start) deletes events older than
 * `retentionMs`. Several processes may prune the same feed; a delete is harmless to repeat.
 */
export function startLiveFeedPruning(feed: Pick<LiveFeed, 'prune'>, retentionMs: number, onError: (error: unknown) => void): { stop(): void } {
  const prune = () => {
    feed.prune(new Date(Date.now() - retentionMs)).catch(onError);
  };
  prune();
  const timer = setInterval(prune, PRUNE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
