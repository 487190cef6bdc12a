import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createAnswerer, type LlmSettings } from './answer';
import { createCatalogSource, createCoPurchaseSource } from './catalog';
import { createOutboxActivities } from './channels/outbox';
import { defaultChannelSettings, type ChannelSettings } from '../domain/channels/settings';
import { createConversationActivities } from './conversation';
import type { Models } from './db/models';
import { createDialogueActivities } from './dialogue';
import { createCaseActivities, createCaseStarter } from './cases';
import { orderSystemFor, type CaseDeps } from './oms';
import { createEscalationActivities } from './escalation';
import { createKnowledgeSource } from './knowledge';
import { createLiveFeed } from './live';
import { withMarketing } from './marketing';

export interface ActivityDeps {
  models: Models;
  /** For the activities that signal other workflows (the desk's router). */
  client: Client;
  taskQueue: string;
  /** An OpenAI-compatible model; without one the embedded answerer serves. */
  llm?: LlmSettings;
  log?: Pick<Logger, 'warn'>;
  /** Channel providers and outbox settings; without them sends fail as "not configured". */
  channels?: ChannelSettings;
  /** Case timers and thresholds and the order system (embedded unless an OMS URL is configured). */
  cases?: CaseDeps;
}

/** Every activity the workers register, built from real dependencies handed in by the caller. */
export function createActivities(deps: ActivityDeps) {
  const knowledge = createKnowledgeSource(deps.models);
  const catalog = createCatalogSource(deps.models);
  const coPurchases = createCoPurchaseSource(deps.models);
  const live = createLiveFeed(deps.models);
  const publish = (streams: string[], event: { type: string; data: Record<string, unknown> }, key: string) => live.publish(streams, event, key);
  const answerer = createAnswerer({ knowledge, catalog: () => catalog.products(), ...(deps.llm ? { llm: deps.llm } : {}), ...(deps.log ? { log: deps.log } : {}) });
  const caseStarter = createCaseStarter({ client: deps.client, taskQueue: deps.taskQueue, ...(deps.cases ? { settings: deps.cases.settings, indexed: deps.cases.indexed ?? true } : {}) });
  return withMarketing({
    ...createConversationActivities({ models: deps.models, answerer, coPurchases: () => coPurchases.coPurchases(), publish }),
    ...createDialogueActivities({ models: deps.models, catalog, cases: caseStarter }),
    ...createCaseActivities({ models: deps.models, oms: orderSystemFor(deps.models, deps.cases?.oms), publish, client: deps.client }),
    ...createEscalationActivities({ models: deps.models, client: deps.client, taskQueue: deps.taskQueue, publish }),
    ...createOutboxActivities({ models: deps.models, client: deps.client, taskQueue: deps.taskQueue, channels: deps.channels ?? defaultChannelSettings() }),
    async publishLive(input: { streams: string[]; event: { type: string; data: Record<string, unknown> }; idempotencyKey: string }): Promise<number> {
      return live.publish(input.streams, input.event, input.idempotencyKey);
    },
  }, { models: deps.models, client: deps.client, taskQueue: deps.taskQueue, ...(deps.log ? { log: deps.log } : {}) });
}

export type Activities = ReturnType<typeof createActivities>;
