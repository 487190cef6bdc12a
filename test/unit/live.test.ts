import { describe, expect, it } from 'vitest';
import { contiguousRun, liveEventProblem } from '../../activities/live';
import { HttpError } from '../../api/errors';
import { acceptsEventStream, formatSseComment, formatSseMessage, liveEventMessage, liveMarker, resumeCursor } from '../../api/routes/live';

describe('SSE formatting', () => {
  it('writes id, event and data lines and ends the message with a blank line', () => {
    expect(formatSseMessage({ id: 7, event: 'message.created', data: '{"text":"hi"}' })).toBe('id: 7\nevent: message.created\ndata: {"text":"hi"}\n\n');
    expect(formatSseMessage({ data: 'x' })).toBe('data: x\n\n');
  });

  it('splits multi-line data into data lines, so a newline can never end the message early', () => {
    expect(formatSseMessage({ data: 'one\ntwo\r\nthree\rfour' })).toBe('data: one\ndata: two\ndata: three\ndata: four\n\n');
  });

  it('keeps a comment on one line', () => {
    expect(formatSseComment('keepalive')).toBe(': keepalive\n\n');
    expect(formatSseComment('a\nb')).toBe(': a b\n\n');
  });

  it('sends an event as its seq, type and JSON envelope, without the streams it went to', () => {
    const message = liveEventMessage({ seq: 42, streams: ['conversation:c-1', 'agent:alice'], type: 'message.created', data: { text: '第一行\n第二行' }, at: new Date('2026-11-24T08:00:00Z') });
    expect(message).toBe('id: 42\nevent: message.created\ndata: {"seq":42,"type":"message.created","at":"2026-11-24T08:00:00.000Z","data":{"text":"第一行\\n第二行"}}\n\n');
    expect(message).not.toContain('alice');
  });

  it('marks the end of catch-up with an id and no data, which moves Last-Event-ID without firing an event', () => {
    expect(liveMarker(9)).toBe(': live\nid: 9\n\n');
    expect(liveMarker(9)).not.toContain('data:');
  });
});

describe('resumeCursor', () => {
  it('prefers the Last-Event-ID of a reconnecting EventSource to ?after=', () => {
    expect(resumeCursor('12', 3)).toBe(12);
    expect(resumeCursor(' 12 ', undefined)).toBe(12);
    expect(resumeCursor(undefined, 3)).toBe(3);
    expect(resumeCursor('', 3)).toBe(3);
    expect(resumeCursor(undefined, undefined)).toBeUndefined();
  });

  it('refuses a Last-Event-ID this API never sent', () => {
    for (const bad of ['-1', '1.5', 'abc', '1e3', '9'.repeat(16)]) {
      expect(() => resumeCursor(bad, undefined), bad).toThrow(HttpError);
    }
  });
});

describe('acceptsEventStream', () => {
  it('is true only when the client asks for text/event-stream', () => {
    expect(acceptsEventStream('text/event-stream')).toBe(true);
    expect(acceptsEventStream('application/json, Text/Event-Stream;q=0.9')).toBe(true);
    expect(acceptsEventStream('*/*')).toBe(false);
    expect(acceptsEventStream(undefined)).toBe(false);
  });
});

describe('contiguousRun', () => {
  it('advances over seqs that follow each other', () => {
    expect(contiguousRun(4, [5, 6, 7], undefined)).toEqual({ upTo: 7 });
    expect(contiguousRun(4, [], undefined)).toEqual({ upTo: 4 });
  });

  it('stops before a hole the first time it is seen, and passes it when the next read shows it again', () => {
    const first = contiguousRun(4, [5, 7, 8], undefined);
    expect(first).toEqual({ upTo: 5, holeBefore: 7 });
    expect(contiguousRun(first.upTo, [7, 8], first.holeBefore)).toEqual({ upTo: 8 });
  });

  it('delivers a late event that fills the hole on the second read, in order', () => {
    const first = contiguousRun(4, [5, 7], undefined);
    expect(contiguousRun(first.upTo, [6, 7], first.holeBefore)).toEqual({ upTo: 7 });
  });

  it('passes only the hole it saw before, and stops again at the next one', () => {
    expect(contiguousRun(4, [7, 8, 10], 7)).toEqual({ upTo: 8, holeBefore: 10 });
  });
});

describe('liveEventProblem', () => {
  const event = { type: 'message.created', data: { text: 'hi' } };

  it('accepts a well-formed event', () => {
    expect(liveEventProblem(['conversation:web-1', 'agent:alice@example.com', 'supervisors'], event, 'turn-1:reply')).toBeUndefined();
  });

  it('names what is wrong with a malformed one', () => {
    expect(liveEventProblem([], event, 'k')).toMatch(/1-32 streams/);
    expect(liveEventProblem(['has space'], event, 'k')).toMatch(/not a valid stream name/);
    expect(liveEventProblem(['supervisors'], { ...event, type: 'bad\ntype' }, 'k')).toMatch(/event type/);
    expect(liveEventProblem(['supervisors'], event, '')).toMatch(/idempotencyKey/);
    expect(liveEventProblem(['supervisors'], { type: 'x', data: [] as unknown as Record<string, unknown> }, 'k')).toMatch(/must be an object/);
    expect(liveEventProblem(['supervisors'], { type: 'x', data: { blob: 'x'.repeat(70_000) } }, 'k')).toMatch(/at most/);
  });
});
