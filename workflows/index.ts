export { agentRouterWorkflow } from './agent-router';
export { conversationWorkflow } from './conversation';
export { escalationWorkflow } from './escalation';
