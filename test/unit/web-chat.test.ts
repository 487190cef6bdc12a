import { describe, expect, it } from 'vitest';
import type { HandoffPacket, LiveMessage } from '../../web/src/api';
import { awaitsRating, chatReducer, emptyChat, handoffState, type ChatState } from '../../web/src/shop/chat-model';
import { formatDuration } from '../../web/src/live';
import { suggestedReply } from '../../web/src/workbench/suggestions';

const at = '2026-11-24T10:00:00.000Z';
const live = (seq: number, role: LiveMessage['role'], text: string, citations: string[] = []): LiveMessage => ({ conversationId: 'web-1', seq, role, text, at, citations });
const run = (...actions: Parameters<typeof chatReducer>[1][]): ChatState => actions.reduce(chatReducer, emptyChat());

describe('the chat widget transcript', () => {
  it('shows a message once whether the HTTP reply or the live stream brings it first, in either order', () => {
    const replyFirst = run(
      { kind: 'sending', messageId: 'm1', text: '几天内可以退货?' },
      { kind: 'replied', messageId: 'm1', reply: '7天无理由退货', citations: ['kb-return-policy'], handedOff: false },
      { kind: 'live', message: live(1, 'customer', '几天内可以退货?') },
      { kind: 'live', message: live(2, 'bot', '7天无理由退货', ['kb-return-policy']) },
    );
    const streamFirst = run(
      { kind: 'sending', messageId: 'm1', text: '几天内可以退货?' },
      { kind: 'live', message: live(1, 'customer', '几天内可以退货?') },
      { kind: 'live', message: live(2, 'bot', '7天无理由退货', ['kb-return-policy']) },
      { kind: 'replied', messageId: 'm1', reply: '7天无理由退货', citations: ['kb-return-policy'], handedOff: false },
    );
    for (const state of [replyFirst, streamFirst]) {
      expect(state.entries.map((e) => [e.role, e.text, e.seq])).toEqual([
        ['customer', '几天内可以退货?', 1],
        ['bot', '7天无理由退货', 2],
      ]);
      expect(state.entries[1]?.citations).toEqual(['kb-return-policy']);
    }
  });

  it('ignores a replayed entry after a reconnect', () => {
    const once = run({ kind: 'live', message: live(3, 'agent', 'Hello, I am Li') });
    expect(chatReducer(once, { kind: 'live', message: live(3, 'agent', 'Hello, I am Li') })).toBe(once);
  });

  it('follows the hand-off: waiting, with an agent, then asked for a rating until the customer answers', () => {
    let state = run(
      { kind: 'sending', messageId: 'm1', text: '转人工' },
      { kind: 'replied', messageId: 'm1', reply: '正在为您转接', citations: [], handedOff: true },
      { kind: 'live', message: live(1, 'customer', '转人工') },
      { kind: 'live', message: live(2, 'bot', '正在为您转接') },
    );
    expect(handoffState(state)).toBe('waiting');
    state = chatReducer(state, { kind: 'live', message: live(4, 'agent', '您好,我是李客服') });
    expect(handoffState(state)).toBe('with_agent');
    state = chatReducer(state, { kind: 'live', message: live(5, 'system', '本次服务已结束。请为我们的服务打分(1-5分,5分最满意)。') });
    expect(handoffState(state)).toBe('ended');
    expect(awaitsRating(state.entries)).toBe(true);
    state = chatReducer(state, { kind: 'live', message: live(6, 'customer', '5') });
    expect(awaitsRating(state.entries)).toBe(false);
  });

  it("shows a case's notice without taking it for an agent joining", () => {
    let state = run({ kind: 'live', message: live(1, 'system', '您的退货申请 RMA-1A2B 已生成退货单,请在 14 天内寄回。') });
    expect(handoffState(state)).toBe('bot');
    expect(state.desk).toBe('none');
    expect(state.entries.map((e) => e.role)).toEqual(['system']);
    state = chatReducer(state, { kind: 'live', message: live(2, 'system', '客服 李客服 已接入,正在为您服务。') });
    expect(state.desk).toBe('joined');
  });

  it('marks a message that could not be sent, and sends it again under the same id', () => {
    let state = run({ kind: 'sending', messageId: 'm1', text: 'hi' }, { kind: 'failed', messageId: 'm1' });
    expect(state.entries[0]?.delivery).toBe('failed');
    state = chatReducer(state, { kind: 'retrying', messageId: 'm1' });
    expect(state.entries).toMatchObject([{ messageId: 'm1', delivery: 'sending' }]);
  });
});

describe('the workbench helpers', () => {
  const packet: HandoffPacket = {
    reason: 'vip_complaint',
    summary: '',
    lang: 'en',
    intents: [{ intent: 'complaint', confidence: 0.9, sentiment: 'negative' }, { intent: 'human_agent', confidence: 0.95, sentiment: 'neutral' }],
    slots: { order_id: 'LD20261004' },
    verified: true,
    recentTurns: [],
  };

  it('suggests a first reply in the customer language that shows the agent read the hand-off', () => {
    const reply = suggestedReply(packet, 'Li', 'Emily Chen');
    expect(reply).toContain('Hello Emily Chen');
    expect(reply).toContain("I'm sorry");
    expect(reply).toContain('your complaint (order LD20261004)');
    expect(suggestedReply({ ...packet, lang: 'zh', reason: 'requested', intents: [] }, '李客服')).toBe('您好!我是客服李客服,接下来由我为您服务。我已经看过您之前的对话记录,请问还有什么需要补充的吗?');
  });

  it('formats SLA countdowns, overdue ones with a minus sign', () => {
    expect(formatDuration(245_000)).toBe('4:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-12_000)).toBe('-0:12');
  });
});
