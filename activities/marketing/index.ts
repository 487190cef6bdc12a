import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AnswerInput, AnswerResult } from '../answer';
import type { ConversationClosedInput } from '../conversation';
import type { Models } from '../db/models';
import { styleReply } from '../../domain/marketing/experiments';
import { createCampaignActivities } from './campaigns';
import { createEventIngest } from './events';
import { createExperimentActivities } from './experiments';
import { createJourneyActivities } from './journeys';
import { createRfmStore } from './rfm';
import { createMarketingTemporal } from './temporal';

export interface MarketingDeps {
  models: Models;
  client: Client;
  taskQueue: string;
  log?: Pick<Logger, 'warn'>;
}

/** The current activity attempt (1 outside an activity). */
function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** Whether the server gave up on this activity attempt (it learns so through heartbeats). */
function cancelled(): boolean {
  try {
    return Context.current().cancellationSignal.aborted;
  } catch {
    return false;
  }
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity (a benchmark or a script): nothing to report to.
  }
}

/** The workflow a (local) activity runs for, when it runs for one. */
function callingWorkflow(): { workflowId: string; workflowType: string } | undefined {
  try {
    const info = Context.current().info;
    return info.workflowExecution && info.workflowType ? { workflowId: info.workflowExecution.workflowId, workflowType: info.workflowType } : undefined;
  } catch {
    return undefined;
  }
}

function conversationIdOf(workflow: { workflowId: string; workflowType: string } | undefined): string | undefined {
  return workflow?.workflowType === 'conversationWorkflow' && workflow.workflowId.startsWith('conversation-') ? workflow.workflowId.slice('conversation-'.length) : undefined;
}

/** The activities campaign, journey and RFM workflows run. */
export function createMarketingActivities(deps: MarketingDeps) {
  const rfm = createRfmStore(deps.models);
  const temporal = createMarketingTemporal({ client: deps.client, taskQueue: deps.taskQueue });
  const journeys = createJourneyActivities({ models: deps.models });
  const experiments = createExperimentActivities({ models: deps.models });
  const ingest = createEventIngest({ models: deps.models, rfm, temporal });

  return {
    ...createCampaignActivities({ models: deps.models, heartbeat, attempt, cancelled }),
    runJourney: (input: Parameters<typeof journeys.runJourney>[0]) => journeys.runJourney(input),
    ...experiments,

    /** Events recorded by the worker (conversation outcomes arrive through recordConversationClosed). */
    async ingestEvents(events: Parameters<typeof ingest.ingest>[0]) {
      return ingest.ingest(events);
    },

    /** The running aggregates rebuilt from the full purchase history, so a missed update never lingers. */
    async rebuildRfmAggregates(): Promise<{ events: number; customers: number }> {
      return rfm.rebuildAggregates(heartbeat);
    },

    async rescoreRfm(): Promise<{ customers: number; moved: number; winBacksStarted: number }> {
      const result = await rfm.rescore(Date.now(), heartbeat);
      let winBacksStarted = 0;
      for (const move of result.moves) {
        if (move.to === 'at_risk' && (await temporal.startJourney('win_back', move.customerId))) winBacksStarted++;
        heartbeat();
      }
      return { customers: result.customers, moved: result.moves.length, winBacksStarted };
    },

    /** Consumables near the end of their life: one reminder journey per purchase, ever. */
    async startReplenishmentJourneys(): Promise<number> {
      const due = await journeys.findReplenishmentsDue({ now: new Date().toISOString(), limit: 10_000 });
      let started = 0;
      for (const d of due) {
        if (await temporal.startJourney('replenishment', d.customerId, { sku: d.sku, purchaseEventId: d.purchaseEventId, instanceKey: d.purchaseEventId }, d.purchaseEventId)) started++;
      }
      return started;
    },

    /** What a closed conversation means for marketing: purchase intent starts asked-but-didn't-buy; experiments get their outcome. */
    async afterConversationClosed(input: ConversationClosedInput): Promise<void> {
      await experiments.attributeConversationClose(input);
      if (input.outcomes.includes('purchase_intent') && input.product) {
        await temporal.startJourney('asked_not_bought', input.customerId, { sku: input.product, since: input.closedAt });
      }
    },
  };
}

export type MarketingActivities = ReturnType<typeof createMarketingActivities>;

interface HookedActivities {
  loadCustomer(customerId: string): Promise<unknown>;
  answerMessage(input: Omit<AnswerInput, 'coPurchases'>): Promise<AnswerResult>;
  recordConversationClosed(input: ConversationClosedInput): Promise<void>;
  recordEscalation(view: { conversationId: string; csat?: { score: number } }): Promise<void>;
}

/**
 * Joins marketing to the service activities without changing the workflows: a conversation's
 * customer is assigned their reply-strategy variants when the conversation loads them, each
 * answer follows those variants, and closes and CSAT ratings are attributed to them.
 */
export function withMarketing<T extends HookedActivities>(base: T, deps: MarketingDeps): T & MarketingActivities {
  const marketing = createMarketingActivities(deps);
  const bestEffort = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      // Experiments measure the service; they never hold up a customer's conversation.
      deps.log?.warn({ err: error }, `marketing: ${what} failed`);
    }
  };
  return {
    ...base,
    ...marketing,
    async loadCustomer(customerId: string) {
      const summary = await base.loadCustomer(customerId);
      const conversationId = conversationIdOf(callingWorkflow());
      if (conversationId) await bestEffort('experiment assignment', () => marketing.assignReplyExperiments({ conversationId, customerId }));
      return summary;
    },
    async answerMessage(input: Omit<AnswerInput, 'coPurchases'>) {
      const conversationId = conversationIdOf(callingWorkflow());
      const settings = conversationId ? await marketing.replySettingsFor(conversationId, { recommend: input.recommend, style: 'standard' }) : { recommend: input.recommend, style: 'standard' as const };
      const answer = await base.answerMessage({ ...input, recommend: input.recommend && settings.recommend });
      return { ...answer, text: styleReply(answer.text, settings.style, input.lang) };
    },
    async recordConversationClosed(input: ConversationClosedInput) {
      await base.recordConversationClosed(input);
      await marketing.afterConversationClosed(input);
    },
    async recordEscalation(view: Parameters<T['recordEscalation']>[0]) {
      await base.recordEscalation(view);
      const score = view.csat?.score;
      if (score !== undefined) await bestEffort('CSAT attribution', () => marketing.attributeCsat({ conversationId: view.conversationId, score }));
    },
  };
}
