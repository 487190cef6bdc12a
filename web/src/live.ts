import { useEffect, useRef, useState } from 'react';
import type { LiveEnvelope } from './api';

export type StreamState = 'idle' | 'connecting' | 'open' | 'down';

/** After the server refused or dropped a stream for good (EventSource gave up), try again this much later. */
const REOPEN_AFTER_MS = 5_000;

/**
 * Subscribes to a Server-Sent Events stream of the API. EventSource reconnects by itself after a
 * dropped connection and sends Last-Event-ID, so the server replays what was missed; when it gives
 * up (say the API restarted and answered 502), the stream is opened again a little later.
 * `onOpen` runs on every (re)connect, so a page can reload what a "from now" stream cannot replay.
 */
export function useEventStream(
  url: string | undefined,
  types: readonly string[],
  onEvent: (type: string, event: LiveEnvelope) => void,
  onOpen?: () => void,
): StreamState {
  const [state, setState] = useState<StreamState>('idle');
  const [attempt, setAttempt] = useState(0);
  const handlers = useRef({ onEvent, onOpen });
  useEffect(() => {
    handlers.current = { onEvent, onOpen };
  });
  const typeList = types.join(',');

  useEffect(() => {
    if (!url) {
      setState('idle');
      return;
    }
    setState('connecting');
    const source = new EventSource(url);
    let reopen: ReturnType<typeof setTimeout> | undefined;
    source.onopen = () => {
      setState('open');
      handlers.current.onOpen?.();
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setState('connecting');
        return;
      }
      setState('down');
      reopen = setTimeout(() => setAttempt((n) => n + 1), REOPEN_AFTER_MS);
    };
    for (const type of typeList.split(',')) {
      source.addEventListener(type, (message: MessageEvent<string>) => {
        let envelope: LiveEnvelope;
        try {
          envelope = JSON.parse(message.data) as LiveEnvelope;
        } catch {
          // Not ours to show: the stream only ever sends JSON.
          return;
        }
        handlers.current.onEvent(type, envelope);
      });
    }
    return () => {
      clearTimeout(reopen);
      source.close();
    };
  }, [url, typeList, attempt]);

  return state;
}

/** The current time, ticking every `intervalMs`: for countdowns. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Calls `run` at most once per `delayMs`, however many events ask for it: a burst of events costs one reload. */
export function useDebounced(run: () => void, delayMs = 150): () => void {
  const latest = useRef(run);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    latest.current = run;
  });
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      // Reset too: React may mount again after this cleanup (StrictMode does), and a stale id would block every later call.
      timer.current = undefined;
    },
    [],
  );
  return useRef(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, delayMs);
  }).current;
}

/** "4:05", "1:02:03" or "-0:12" for a duration in milliseconds. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1_000);
  const hours = Math.floor(total / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${sign}${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${sign}${minutes}:${seconds}`;
}

export function formatTime(iso: string | number | undefined, lang: string): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
