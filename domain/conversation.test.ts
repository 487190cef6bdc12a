import { describe, expect, it } from 'vitest';
import { emptyDialogue } from './dialogue/dialogue';
import { ConversationState, customerMessageProblem, MAX_MESSAGE_LENGTH } from './conversation';

const at = '2026-11-24T10:00:00.000Z';

describe('conversation state', () => {
  it('numbers transcript entries and turns in order', () => {
    const state = new ConversationState('c1', 'web', 'cust');
    expect(state.entry('customer', 'm1:in', 'hi', at).seq).toBe(1);
    expect(state.entry('bot', 'm1:out', 'hello', at).seq).toBe(2);
    const reply = state.completeTurn({ messageId: 'm1', reply: 'hello', citations: [], lang: 'en', intent: 'greeting', handedOff: false });
    expect(reply).toMatchObject({ conversationId: 'c1', turn: 1 });
    expect(state.view()).toMatchObject({ turns: 1, status: 'open' });
  });

  it('remembers replies so a retried message gets the same answer after continue-as-new', () => {
    const state = new ConversationState('c1', 'web', 'cust');
    state.entry('customer', 'm1:in', 'hi', at);
    const reply = state.completeTurn({ messageId: 'm1', reply: 'hello', citations: ['kb-x'], lang: 'en', intent: 'greeting', handedOff: false });
    const next = new ConversationState('c1', 'web', 'cust', state.carry({ dialogue: emptyDialogue() }));
    expect(next.replyTo('m1')).toEqual(reply);
    expect(next.entry('customer', 'm2:in', 'again', at).seq).toBe(2);
    expect(next.turns).toBe(1);
  });

  it('keeps only a bounded window of the transcript in memory', () => {
    const state = new ConversationState('c1', 'web', 'cust');
    for (let i = 0; i < 50; i++) state.entry('customer', `m${i}:in`, `text ${i}`, at);
    const window = state.view().recentTranscript;
    expect(window).toHaveLength(20);
    expect(window.at(-1)?.seq).toBe(50);
  });
});

describe('customer message checks', () => {
  const open = { channel: 'web' as const, customerId: 'cust', status: 'open' as const };
  const message = { messageId: 'm', channel: 'web' as const, customerId: 'cust', text: 'hello' };

  it('accepts a normal message', () => {
    expect(customerMessageProblem(message, open)).toBeUndefined();
  });

  it.each([
    [{ ...message, text: '  ' }, open, 'InvalidMessage'],
    [{ ...message, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, open, 'InvalidMessage'],
    [{ ...message, customerId: 'other' }, open, 'WrongCustomer'],
    [{ ...message, channel: 'sms' as const }, open, 'WrongChannel'],
    [message, { ...open, status: 'closed' as const }, 'ConversationClosed'],
  ])('refuses %#', (msg, state, type) => {
    expect(customerMessageProblem(msg, state)?.type).toBe(type);
  });
});
