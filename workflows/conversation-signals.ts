import { defineSignal } from '@temporalio/workflow';

/**
 * Signals an escalation sends back to its conversation. They live apart from
 * conversation.ts only so the two workflow files need not import each other.
 */
export const agentJoinedSignal = defineSignal<[{ escalationId: string; agentId: string }]>('agentJoined');
export const agentMessageSignal = defineSignal<[{ escalationId: string; messageId: string; agentId: string; agentName: string; text: string }]>('agentMessage');
export const escalationEndedSignal = defineSignal<[{ escalationId: string; outcome: 'resolved' | 'handed_back'; askForRating: boolean }]>('escalationEnded');
