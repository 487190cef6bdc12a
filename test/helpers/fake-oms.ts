import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../domain/oms/signature';

export interface FakeOmsRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  body?: Record<string, unknown>;
}

/**
 * A stand-in for a shop's OMS and payment gateway on 127.0.0.1, speaking the protocol the HTTP
 * adapter documents: signed requests, idempotency keys honoured, refusals as 4xx with a code.
 * Knobs let a test make it fail (5xx) a number of times or refuse refunds.
 */
export interface FakeOms {
  url: string;
  secret: string;
  requests: FakeOmsRequest[];
  refunds: Map<string, { refundId: string; orderId: string; amount: number }>;
  /** The next `times` requests to a path prefix answer 500. */
  failNext(pathPrefix: string, times: number): void;
  rejectRefunds: boolean;
  /**
   * Refunds are made on arrival but their answers held back until released: a crash in that gap is
   * the case where the gateway has paid and the caller never heard. Resolves with the first one held.
   */
  holdRefundAnswers(): Promise<FakeOmsRequest>;
  releaseHeld(): void;
  stop(): Promise<void>;
}

const DAY = 86_400_000;

export async function startFakeOms(secret = 'fake-oms-secret-0123456789'): Promise<FakeOms> {
  const orders = new Map([
    ['EXT-1001', { orderId: 'EXT-1001', status: 'delivered', placedAt: new Date(Date.now() - 6 * DAY).toISOString(), deliveredAt: new Date(Date.now() - 3 * DAY).toISOString(), total: 459, items: [{ sku: 'KB-BAG-01', name: '儿童书包', category: 'kids', quantity: 1 }] }],
  ]);
  const failures: Array<{ prefix: string; left: number }> = [];
  const labels = new Map<string, Record<string, unknown>>();
  let hold: { arrived: (request: FakeOmsRequest) => void; answers: Array<() => void> } | undefined;

  const read = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const fake: FakeOms = {
    url: '',
    secret,
    requests: [],
    refunds: new Map(),
    rejectRefunds: false,
    failNext(prefix, times) {
      failures.push({ prefix, left: times });
    },
    holdRefundAnswers() {
      return new Promise((arrived) => {
        hold = { arrived, answers: [] };
      });
    },
    releaseHeld() {
      const answers = hold?.answers ?? [];
      hold = undefined;
      for (const answer of answers) answer();
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((req, res) => {
    // A caller that died mid-request leaves a socket nobody reads; answering it must not throw.
    res.on('error', () => undefined);
    void (async () => {
      const raw = await read(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const problem = verifySignature({ secret, rawBody: raw, signature: req.headers[SIGNATURE_HEADER] as string | undefined, timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined, nowMs: Date.now(), toleranceMs: 300_000 });
      if (problem) return send(401, { error: `signature ${problem}` });
      const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      fake.requests.push({ method: req.method ?? 'GET', path, ...(idempotencyKey ? { idempotencyKey } : {}), ...(body ? { body } : {}) });
      const failure = failures.find((f) => path.startsWith(f.prefix) && f.left > 0);
      if (failure) {
        failure.left -= 1;
        return send(500, { error: 'temporarily unavailable' });
      }
      if (req.method === 'GET' && path.startsWith('/orders/')) {
        const order = orders.get(decodeURIComponent(path.slice('/orders/'.length)));
        return order ? send(200, order) : send(404, { code: 'order_not_found', message: 'no such order' });
      }
      if (req.method === 'POST' && path === '/returns/labels' && body && idempotencyKey) {
        if (!labels.has(idempotencyKey)) labels.set(idempotencyKey, { rmaId: body.rmaId, carrier: 'ZTO', trackingNumber: `ZTO${String(labels.size + 1).padStart(10, '0')}`, labelUrl: `https://oms.example/labels/${labels.size + 1}.pdf`, returnAddress: 'OMS Returns Centre, 1 Dock Rd, Suzhou' });
        return send(200, labels.get(idempotencyKey));
      }
      if (req.method === 'POST' && path === '/refunds' && body && idempotencyKey) {
        const earlier = fake.refunds.get(idempotencyKey);
        if (earlier) return send(200, { refundId: earlier.refundId, amount: earlier.amount, status: 'succeeded' });
        if (fake.rejectRefunds) return send(422, { code: 'refund_rejected', message: 'card account closed' });
        const refund = { refundId: `EXT-RF-${fake.refunds.size + 1}`, orderId: String(body.orderId), amount: Number(body.amount) };
        fake.refunds.set(idempotencyKey, refund);
        const answer = () => send(200, { refundId: refund.refundId, amount: refund.amount, status: 'succeeded' });
        if (!hold) return answer();
        hold.answers.push(answer);
        return hold.arrived(fake.requests.at(-1)!);
      }
      if (req.method === 'POST' && path === '/shipments/replacements') return send(409, { code: 'out_of_stock', message: 'nothing left' });
      return send(404, { error: 'no such route' });
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
