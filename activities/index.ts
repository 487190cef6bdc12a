import { createCatalogSource } from './catalog';
import { createConversationActivities } from './conversation';
import type { Models } from './db/models';
import { createDialogueActivities } from './dialogue';
import { createKnowledgeSource } from './knowledge';

/** Every activity the workers register, built from real dependencies handed in by the caller. */
export function createActivities(deps: { models: Models }) {
  const knowledge = createKnowledgeSource(deps.models);
  const catalog = createCatalogSource(deps.models);
  return {
    ...createConversationActivities({ models: deps.models, knowledge }),
    ...createDialogueActivities({ models: deps.models, catalog }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
