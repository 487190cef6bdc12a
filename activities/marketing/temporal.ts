import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { JOURNEY_RULES, journeyWorkflowId, type JourneyKind } from '../../domain/marketing/journeys';
import { conversionSignal } from '../../workflows/campaign';
import { journeyWorkflow, type JourneyWorkflowInput } from '../../workflows/journey';
import type { Conversion } from './campaigns';

/** Marketing's ways into Temporal: starting journeys and signalling conversions to campaign runs. */
export function createMarketingTemporal(deps: { client: Client; taskQueue: string }) {
  return {
    /**
     * Starts a journey unless one is already running (or, with a scope, ever ran) for the same
     * customer: the workflow id is the guard against two journeys of a kind reaching someone at once.
     */
    async startJourney(kind: JourneyKind, customerId: string, extra: Omit<JourneyWorkflowInput, 'kind' | 'customerId' | 'waitMs'> & { waitMs?: number } = {}, scope = ''): Promise<boolean> {
      try {
        await deps.client.workflow.start(journeyWorkflow, {
          workflowId: journeyWorkflowId(kind, customerId, scope),
          taskQueue: deps.taskQueue,
          args: [{ kind, customerId, waitMs: JOURNEY_RULES[kind].waitMs, ...extra }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          ...(scope ? { workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : {}),
        });
        return true;
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      }
    },

    /** A run whose window has closed has finished; its conversions are no longer counted. */
    async signalConversion(runId: string, conversion: Conversion): Promise<boolean> {
      try {
        await deps.client.workflow.getHandle(runId).signal(conversionSignal, conversion);
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}

export type MarketingTemporal = ReturnType<typeof createMarketingTemporal>;
