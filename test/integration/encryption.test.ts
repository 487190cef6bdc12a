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
