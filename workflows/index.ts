export { agentRouterWorkflow } from './agent-router';
export { conversationWorkflow } from './conversation';
export { escalationWorkflow } from './escalation';
export { complaintCaseWorkflow } from './complaint-case';
export { returnCaseWorkflow } from './return-case';
export { outboxDispatcherWorkflow } from './outbox';
