import { defineSignal } from '@temporalio/workflow';

/**
 * Signals an escalation sends back to its conversation. They live apart from
 * conversation.ts only so the two workflow files need not import each other.
 */
export const agentJoinedSignal = defineSignal<[{ escalationId: string; agentId: string }]>('agentJoined');
export const agentMessageSignal = defineSignal<[{ escalationId: string; messageId: string; agentId: string; agentName: string; text: string }]>('agentMessage');
export const escalationEndedSignal = defineSignal<[{ escalationId: string; outcome: 'resolved' | 'handed_back'; askForRating: boolean }]>('escalationEnded');
/**
 * A message for a customer in an open web chat that the outbox cannot send (a case's notice, a desk
 * reply on a case's task): it joins the transcript as a system line, once per notice id.
 */
export const chatNoticeSignal = defineSignal<[{ noticeId: string; text: string }]>('chatNotice');
/**
 * What a call centre's agent said on a phone call, from the call's transcript: it joins the
 * transcript as an agent line in its place among the caller's turns, once per line id. The bot does
 * not answer it and nothing is sent.
 */
export const callAgentLineSignal = defineSignal<[{ lineId: string; text: string }]>('callAgentLine');
