import type { Client } from '@temporalio/client';
import { createCatalogSource } from './catalog';
import { createConversationActivities } from './conversation';
import type { Models } from './db/models';
import { createDialogueActivities } from './dialogue';
import { createEscalationActivities } from './escalation';
import { createKnowledgeSource } from './knowledge';
import { createLiveActivities, createLiveFeed } from './live';

export interface ActivityDeps {
  models: Models;
  /** For the activities that signal other workflows (the desk's router). */
  client: Client;
  taskQueue: string;
}

/** Every activity the workers register, built from real dependencies handed in by the caller. */
export function createActivities(deps: ActivityDeps) {
  const knowledge = createKnowledgeSource(deps.models);
  const catalog = createCatalogSource(deps.models);
  const live = createLiveFeed(deps.models);
  const publish = (streams: string[], event: { type: string; data: Record<string, unknown> }, key: string) => live.publish(streams, event, key);
  return {
    ...createConversationActivities({ models: deps.models, knowledge, publish }),
    ...createDialogueActivities({ models: deps.models, catalog }),
    ...createEscalationActivities({ models: deps.models, client: deps.client, taskQueue: deps.taskQueue, publish }),
    ...createLiveActivities(deps.models),
  };
}

export type Activities = ReturnType<typeof createActivities>;
