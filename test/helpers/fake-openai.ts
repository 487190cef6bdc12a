import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an OpenAI-compatible provider, which this machine cannot reach: it serves
 * POST /v1/chat/completions on 127.0.0.1, records every request, and answers, fails or hangs as
 * told. Behaviours queue up; the last one repeats.
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  /** The request body as sent, for checking what left the process. */
  raw: string;
  body: { model?: string; messages?: ChatMessage[] } & Record<string, unknown>;
}

export type Behaviour =
  | { kind: 'answer'; content: string | ((request: RecordedRequest) => string) }
  | { kind: 'fail'; status: number }
  | { kind: 'hang' };

export interface FakeOpenAi {
  /** What to pass as the client's base URL, ending in /v1. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the queued behaviours. */
  respond(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export const answer = (content: Extract<Behaviour, { kind: 'answer' }>['content']): Behaviour => ({ kind: 'answer', content });
export const fail = (status = 500): Behaviour => ({ kind: 'fail', status });
export const hang = (): Behaviour => ({ kind: 'hang' });

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function completion(model: string | undefined, content: string) {
  return {
    id: `chatcmpl-fake-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model ?? 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  let queue: Behaviour[] = [answer('')];

  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}`, type: 'invalid_request_error' } });
        return;
      }
      const raw = await readBody(request);
      const recorded: RecordedRequest = { path: request.url, authorization: request.headers.authorization, raw, body: JSON.parse(raw) as RecordedRequest['body'] };
      requests.push(recorded);
      const behaviour = queue.length > 1 ? queue.shift()! : queue[0]!;
      switch (behaviour.kind) {
        case 'hang':
          return;
        case 'fail':
          sendJson(response, behaviour.status, { error: { message: 'the fake provider was told to fail', type: 'server_error' } });
          return;
        case 'answer': {
          const content = typeof behaviour.content === 'function' ? behaviour.content(recorded) : behaviour.content;
          sendJson(response, 200, completion(recorded.body.model, content));
        }
      }
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    respond(...behaviours: Behaviour[]) {
      queue = behaviours.length > 0 ? behaviours : [answer('')];
    },
    close() {
      // Hanging requests would keep the server open for ever.
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
