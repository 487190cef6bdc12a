import { createConversationActivities } from './conversation';
import type { Models } from './db/models';
import { createKnowledgeSource } from './knowledge';

/** Every activity the workers register, built from real dependencies handed in by the caller. */
export function createActivities(deps: { models: Models }) {
  const knowledge = createKnowledgeSource(deps.models);
  return {
    ...createConversationActivities({ models: deps.models, knowledge }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
