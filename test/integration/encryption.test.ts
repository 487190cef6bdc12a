import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING, payloadCodecFor } from '../../activities/security/payload-codec';
import { connectTemporalClient } from '../../api/temporal';
import { conversationWorkflowId } from '../../domain/conversation';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

const History = proto.temporal.api.history.v1.History;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('encryption');
});

afterAll(async () => {
  await system?.stop();
});

const PHONE = '13912345678';
const ID_CARD = '11010519491231002X';
const EMAIL = 'li.secret@example.cn';

describe('workflow payload encryption', () => {
  it('keeps personal data out of the raw Temporal history', async () => {
    const text = `我的手机号是${PHONE},身份证${ID_CARD},邮箱${EMAIL},退款到信用卡要多久?`;
    const sent = await http(system.api.url, 'POST', '/api/conversations/enc-1/messages', { token: await system.token('ops'), body: { channel: 'web', customerId: 'c-1002', text } });
    expect(sent.status).toBe(200);

    const raw = await Connection.connect({ address: system.endpoints.temporalAddress });
    try {
      const response = await raw.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: conversationWorkflowId('enc-1') } });
      const bytes = Buffer.from(History.encode(response.history!).finish());
      const historyText = bytes.toString('latin1') + bytes.toString('utf8');
      for (const secret of [PHONE, ID_CARD, EMAIL, '退款到信用卡']) expect(historyText).not.toContain(secret);
      expect(historyText).toContain(ENCRYPTED_ENCODING);
      expect(response.history!.events!.length).toBeGreaterThan(3);
    } finally {
      await raw.close();
    }
  });

  it('still lets the application read its own history', async () => {
    const client = await connectTemporalClient(system.endpoints.temporalAddress, 'default', payloadCodecFor(system.config.payloadKeys));
    try {
      const history = await client.workflow.getHandle(conversationWorkflowId('enc-1')).fetchHistory();
      const update = history.events?.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      const payload = update?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0];
      const [decoded] = await payloadCodecFor(system.config.payloadKeys).decode([payload!]);
      expect(new TextDecoder().decode(decoded!.data!)).toContain(PHONE);
    } finally {
      await client.connection.close();
    }
  });
});

describe('codec endpoint for the Temporal Web UI', () => {
  async function encryptedUpdatePayload() {
    const history = await system.client.workflow.getHandle(conversationWorkflowId('enc-1')).fetchHistory();
    const raw = await Connection.connect({ address: system.endpoints.temporalAddress });
    try {
      const response = await raw.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: conversationWorkflowId('enc-1') } });
      const event = response.history!.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(history.events?.length).toBeGreaterThan(0);
      return event!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;
    } finally {
      await raw.close();
    }
  }

  const wire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
    payloads: [{ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') }],
  });

  it('decrypts a history payload for ops and refuses agents', async () => {
    const body = wire(await encryptedUpdatePayload());
    const ops = await http(system.api.url, 'POST', '/api/codec/decode', { token: await system.token('ops'), body });
    expect(ops.status).toBe(200);
    const decoded = (ops.json.payloads as Array<{ data: string }>)[0]!;
    expect(Buffer.from(decoded.data, 'base64').toString('utf8')).toContain(PHONE);
    const agent = await http(system.api.url, 'POST', '/api/codec/decode', { token: await system.token('agent'), body });
    expect(agent.status).toBe(403);
    const audit = await http(system.api.url, 'GET', '/api/audit?action=codec.decode', { token: await system.token('admin') });
    expect((audit.json.entries as unknown[]).length).toBeGreaterThanOrEqual(1);
  });

  it('works from the Web UI origin with the session cookie set at login', async () => {
    const login = await fetch(`${system.api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'supervisor', password: 'loopdesk-demo' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const uiOrigin = system.config.temporal.uiOrigins[0]!;
    const preflight = await fetch(`${system.api.url}/api/codec/decode`, { method: 'OPTIONS', headers: { origin: uiOrigin, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const decoded = await fetch(`${system.api.url}/api/codec/decode`, {
      method: 'POST',
      headers: { origin: uiOrigin, cookie, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify(wire(await encryptedUpdatePayload())),
    });
    expect(decoded.status).toBe(200);
    const foreign = await fetch(`${system.api.url}/api/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 400 for a payload it cannot decrypt', async () => {
    const body = { payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('nope').toString('base64') }, data: 'AAAA' }] };
    const res = await http(system.api.url, 'POST', '/api/codec/decode', { token: await system.token('ops'), body });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('"nope"');
  });
});
