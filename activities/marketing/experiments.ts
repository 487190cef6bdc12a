import type { Models } from '../db/models';
import { insertManyOnce, trustedQuery } from '../db/marketing';
import { assignVariant, replySettings, type ExperimentVariant, type ReplySettings } from '../../domain/marketing/experiments';

/** Reply-strategy experiments inside conversations: sticky exposure, settings for a turn, outcomes. */
export function createExperimentActivities(deps: { models: Models }) {
  const { models } = deps;

  return {
    /** Every running experiment assigns the conversation's customer a variant, recorded once per conversation. */
    async assignReplyExperiments(input: { conversationId: string; customerId: string }): Promise<void> {
      const running = await models.Experiment.find({ status: 'running' }, { experimentId: 1, variants: 1 }).lean();
      await insertManyOnce(
        models.Exposure as never,
        running.map((e) => ({
          exposureKey: `${e.experimentId}:${input.conversationId}`,
          experimentId: e.experimentId,
          conversationId: input.conversationId,
          customerId: input.customerId,
          variant: assignVariant({ experimentId: e.experimentId, variants: e.variants as ExperimentVariant[] }, input.customerId).id,
          at: new Date(),
        })),
      );
    },

    /** The reply settings this conversation's variants call for, over the bot's own choice. */
    async replySettingsFor(conversationId: string, base: ReplySettings): Promise<ReplySettings> {
      const exposures = await models.Exposure.find({ conversationId }, { experimentId: 1, variant: 1 }).lean();
      if (exposures.length === 0) return base;
      const experiments = await models.Experiment.find(trustedQuery({ experimentId: { $in: exposures.map((x) => x.experimentId) }, status: 'running' })).lean();
      const chosen = experiments
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map((e) => (e.variants as ExperimentVariant[]).find((v) => v.id === exposures.find((x) => x.experimentId === e.experimentId)?.variant))
        .filter((v): v is ExperimentVariant => Boolean(v));
      return replySettings(base, chosen);
    },

    async attributeConversationClose(input: { conversationId: string; closedAt: string; outcomes: string[] }): Promise<void> {
      await models.Exposure.updateMany(
        { conversationId: input.conversationId },
        { $set: { closedAt: new Date(input.closedAt), resolvedByBot: input.outcomes.includes('resolved_by_bot'), handedOff: input.outcomes.includes('handed_off') } },
      );
    },

    async attributeCsat(input: { conversationId: string; score: number }): Promise<void> {
      await models.Exposure.updateMany({ conversationId: input.conversationId }, { $set: { csat: input.score } });
    },
  };
}
