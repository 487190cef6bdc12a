import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleSpec } from '@temporalio/client';
import { trustedQuery } from '../../activities/db/marketing';
import type { Models } from '../../activities/db/models';
import type { ExperimentVariant } from '../../domain/marketing/experiments';
import type { CampaignDefinition } from '../../domain/marketing/campaign';
import { meanDifferenceTest, twoProportionTest } from '../../domain/marketing/stats';
import { segmentQuery, type SegmentFilter } from '../../domain/marketing/segment-filter';
import { campaignRunWorkflow } from '../../workflows/campaign';
import { rfmRescoreWorkflow, type RfmRescoreResult } from '../../workflows/rfm';
import { HttpError, notFound } from '../errors';

export type CampaignInput = Omit<CampaignDefinition, 'campaignId'>;

/** When the whole base is rescored (UTC): nightly, after the day's purchases. */
const RFM_CRON = '30 2 * * *';
const REPORT_PAGE = 2_000;

export function rfmScheduleId(taskQueue: string): string {
  return `${taskQueue}-rfm-rescore`;
}

export function campaignScheduleId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

function scheduleSpec(schedule: CampaignDefinition['schedule']): ScheduleSpec {
  if (schedule.cron) return { cronExpressions: [schedule.cron] };
  return { intervals: [{ every: `${schedule.intervalMinutes}m` }] };
}

/** Temporal refuses a spec it cannot parse; that is the caller's input, so a 400. */
function badSchedule(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  throw new HttpError(400, 'invalid_request', `The schedule was refused: ${message}`);
}

/** Idempotent, at API start: the nightly RFM rescoring Schedule, one per task queue. */
export async function ensureRfmSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: rfmScheduleId(taskQueue),
      spec: { cronExpressions: [RFM_CRON] },
      action: { type: 'startWorkflow', workflowType: rfmRescoreWorkflow, workflowId: `${taskQueue}-rfm-rescore`, taskQueue, args: [] },
      policies: { overlap: 'SKIP' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}

interface Funnel {
  targeted: number;
  sent: number;
  delivered: number;
  failed: number;
  converted: number;
  revenue: number;
}

const emptyFunnel = (): Funnel => ({ targeted: 0, sent: 0, delivered: 0, failed: 0, converted: 0, revenue: 0 });

/** Campaigns on Temporal Schedules, their reports, marketer segments, and reply experiments. */
export function createMarketingService(deps: { client: Client; models: Models; taskQueue: string }) {
  const { client, models } = deps;

  async function requireCampaign(campaignId: string) {
    const row = await models.Campaign.findOne({ campaignId }).lean();
    if (!row) throw notFound(`Campaign "${campaignId}"`);
    return row;
  }

  async function scheduleState(campaignId: string) {
    try {
      const description = await client.schedule.getHandle(campaignScheduleId(campaignId)).describe();
      return {
        scheduleId: description.scheduleId,
        paused: description.state.paused,
        nextRuns: description.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
        recentRuns: description.info.recentActions.map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return undefined;
      throw error;
    }
  }

  async function createSchedule(campaignId: string, definition: CampaignInput, paused: boolean): Promise<void> {
    try {
      await client.schedule.create({
        scheduleId: campaignScheduleId(campaignId),
        spec: scheduleSpec(definition.schedule),
        action: { type: 'startWorkflow', workflowType: campaignRunWorkflow, workflowId: `campaign-run-${campaignId}`, taskQueue: deps.taskQueue, args: [{ campaignId }] },
        policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
        state: { paused, note: definition.name },
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) return;
      badSchedule(error);
    }
  }

  /**
   * The funnel of a campaign (or one run), read run by run: a run's targets by `runId` and its
   * outbox rows by `source`, each an equality on the leading field of an index, so the database
   * reads that run's rows only, once, however many campaigns and runs there are.
   */
  async function funnelByArm(campaignId: string, runId?: string) {
    const arms = new Map<string, Funnel>();
    const outcomes: Record<string, number> = {};
    const runIds = runId ? [runId] : (await models.CampaignRun.find({ campaignId }, { runId: 1, _id: 0 }).lean()).map((r) => r.runId);
    for (const run of runIds) {
      const statuses = new Map<string, string>();
      for await (const d of models.Delivery.find({ source: run }, { idempotencyKey: 1, status: 1, _id: 0 }).lean().cursor({ batchSize: REPORT_PAGE })) statuses.set(d.idempotencyKey, d.status);
      const targets = models.CampaignTarget.find({ runId: run }, { variant: 1, holdout: 1, outcome: 1, deliveryKey: 1, convertedAt: 1, revenue: 1, _id: 0 }).lean().cursor({ batchSize: REPORT_PAGE });
      for await (const t of targets) {
        const arm = t.holdout ? 'holdout' : t.variant;
        const f = arms.get(arm) ?? emptyFunnel();
        arms.set(arm, f);
        outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
        f.targeted++;
        // Rows written before deliveries named their source are looked up by key.
        const status = t.deliveryKey ? (statuses.get(t.deliveryKey) ?? (await models.Delivery.findOne({ idempotencyKey: t.deliveryKey }, { status: 1 }).lean())?.status) : undefined;
        // A message that was stopped or failed for good never reached the customer (and its coupon was voided): not sent.
        if (t.outcome === 'sent' && status !== 'failed') f.sent++;
        if (status === 'delivered') f.delivered++;
        if (status === 'failed') f.failed++;
        if (t.convertedAt) {
          f.converted++;
          f.revenue += t.revenue ?? 0;
        }
      }
    }
    return { arms, outcomes };
  }

  return {
    /** Rescore now (the Schedule does it nightly) and wait for the result. */
    async rescoreNow(): Promise<RfmRescoreResult> {
      return client.workflow.execute(rfmRescoreWorkflow, { workflowId: `${deps.taskQueue}-rfm-rescore-now-${randomUUID()}`, taskQueue: deps.taskQueue, args: [] });
    },

    async createCampaign(input: CampaignInput, createdBy: string) {
      if (input.audience.segmentId && !(await models.Segment.exists({ segmentId: input.audience.segmentId }))) {
        throw new HttpError(400, 'invalid_request', `Invalid body: audience.segmentId: no segment "${input.audience.segmentId}"; create it with POST /api/segments first.`);
      }
      const campaignId = `cmp-${randomUUID().slice(0, 12)}`;
      await createSchedule(campaignId, input, false);
      await models.Campaign.create({ campaignId, name: input.name, status: 'active', definition: { ...input, campaignId }, createdBy });
      return this.getCampaign(campaignId);
    },

    async updateCampaign(campaignId: string, input: CampaignInput) {
      const row = await requireCampaign(campaignId);
      try {
        await client.schedule.getHandle(campaignScheduleId(campaignId)).update((previous) => ({ ...previous, spec: scheduleSpec(input.schedule), state: { ...previous.state, note: input.name } }));
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) await createSchedule(campaignId, input, row.status === 'paused');
        else badSchedule(error);
      }
      await models.Campaign.updateOne({ campaignId }, { $set: { name: input.name, definition: { ...input, campaignId } } });
      return this.getCampaign(campaignId);
    },

    async listCampaigns() {
      return models.Campaign.find({}, { _id: 0, campaignId: 1, name: 1, status: 1, createdAt: 1, 'definition.schedule': 1, 'definition.audience': 1 }).sort({ createdAt: -1 }).limit(200).lean();
    },

    async getCampaign(campaignId: string) {
      const row = await requireCampaign(campaignId);
      const runs = await models.CampaignRun.find({ campaignId }, { _id: 0, runId: 1, status: 1, startedAt: 1, sentAt: 1, windowEndsAt: 1, completedAt: 1 }).sort({ startedAt: -1 }).limit(20).lean();
      return { campaignId, name: row.name, status: row.status, createdBy: row.createdBy, definition: row.definition as CampaignDefinition, schedule: (await scheduleState(campaignId)) ?? null, runs };
    },

    async setPaused(campaignId: string, paused: boolean) {
      await requireCampaign(campaignId);
      const handle = client.schedule.getHandle(campaignScheduleId(campaignId));
      if (paused) await handle.pause('paused by a marketer');
      else await handle.unpause('resumed by a marketer');
      await models.Campaign.updateOne({ campaignId }, { $set: { status: paused ? 'paused' : 'active' } });
      return this.getCampaign(campaignId);
    },

    /** A run now, outside the Schedule's calendar; refused for a paused campaign. */
    async triggerNow(campaignId: string) {
      const row = await requireCampaign(campaignId);
      if (row.status === 'paused') throw new HttpError(409, 'conflict', 'The campaign is paused; resume it before triggering a run.');
      await client.schedule.getHandle(campaignScheduleId(campaignId)).trigger('ALLOW_ALL');
      return { triggered: true };
    },

    async deleteCampaign(campaignId: string) {
      await requireCampaign(campaignId);
      try {
        await client.schedule.getHandle(campaignScheduleId(campaignId)).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      await models.Campaign.deleteOne({ campaignId });
      return { deleted: campaignId };
    },

    /** The funnel per variant and for the hold-out, with each variant's uplift over the hold-out. */
    async campaignReport(campaignId: string, runId?: string) {
      await requireCampaign(campaignId);
      if (runId && !(await models.CampaignRun.exists({ runId, campaignId }))) throw notFound(`Run "${runId}" of campaign "${campaignId}"`);
      const { arms, outcomes } = await funnelByArm(campaignId, runId);
      const holdout = arms.get('holdout') ?? emptyFunnel();
      const variants = [...arms.entries()]
        .filter(([arm]) => arm !== 'holdout')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([variant, f]) => ({
          variant,
          ...f,
          conversionRate: f.targeted ? f.converted / f.targeted : 0,
          upliftVsHoldout: twoProportionTest({ conversions: f.converted, n: f.targeted }, { conversions: holdout.converted, n: holdout.targeted }),
        }));
      const total = emptyFunnel();
      for (const [arm, f] of arms) if (arm !== 'holdout') for (const key of Object.keys(total) as Array<keyof Funnel>) total[key] += f[key];
      return {
        campaignId,
        ...(runId ? { runId } : {}),
        runs: await models.CampaignRun.countDocuments({ campaignId }),
        outcomes,
        total: { ...total, conversionRate: total.targeted ? total.converted / total.targeted : 0 },
        holdout: { ...holdout, conversionRate: holdout.targeted ? holdout.converted / holdout.targeted : 0 },
        upliftVsHoldout: twoProportionTest({ conversions: total.converted, n: total.targeted }, { conversions: holdout.converted, n: holdout.targeted }),
        variants,
      };
    },

    async createSegment(input: { name: string; description?: string; filter: SegmentFilter }, createdBy: string) {
      const segmentId = `seg-${randomUUID().slice(0, 12)}`;
      await models.Segment.create({ segmentId, name: input.name, description: input.description ?? '', filter: input.filter, createdBy });
      return { segmentId, name: input.name, description: input.description ?? '', filter: input.filter, size: await this.segmentSize(input.filter) };
    },

    async segmentSize(filter: SegmentFilter): Promise<number> {
      return models.Customer.countDocuments(trustedQuery({ ...segmentQuery(filter, Date.now()), mergedInto: { $exists: false } }));
    },

    async segmentMembers(segmentId: string, limit: number) {
      const segment = await models.Segment.findOne({ segmentId }).lean();
      if (!segment) throw notFound(`Segment "${segmentId}"`);
      const filter = segment.filter as SegmentFilter;
      const members = await models.Customer.find(trustedQuery({ ...segmentQuery(filter, Date.now()), mergedInto: { $exists: false } }), { _id: 0, customerId: 1, name: 1, tier: 1, 'rfm.segment': 1 })
        .sort({ customerId: 1 })
        .limit(limit)
        .lean();
      return { segmentId, name: segment.name, filter, size: await this.segmentSize(filter), members };
    },

    async listSegments() {
      return models.Segment.find({}, { _id: 0, segmentId: 1, name: 1, description: 1, filter: 1, createdBy: 1, createdAt: 1 }).sort({ createdAt: -1 }).limit(200).lean();
    },

    async createExperiment(input: { name: string; variants: ExperimentVariant[] }, createdBy: string) {
      const experimentId = `exp-${randomUUID().slice(0, 12)}`;
      await models.Experiment.create({ experimentId, name: input.name, status: 'running', variants: input.variants, createdBy });
      return { experimentId, name: input.name, status: 'running', variants: input.variants };
    },

    async listExperiments() {
      return models.Experiment.find({}, { _id: 0, experimentId: 1, name: 1, status: 1, variants: 1, createdAt: 1 }).sort({ createdAt: -1 }).limit(200).lean();
    },

    async stopExperiment(experimentId: string) {
      const result = await models.Experiment.updateOne({ experimentId }, { $set: { status: 'stopped' } });
      if (result.matchedCount === 0) throw notFound(`Experiment "${experimentId}"`);
      return { experimentId, status: 'stopped' };
    },

    /** Per variant: conversations, bot resolution, hand-off, conversion and CSAT, each against the first variant. */
    async experimentReport(experimentId: string) {
      const experiment = await models.Experiment.findOne({ experimentId }).lean();
      if (!experiment) throw notFound(`Experiment "${experimentId}"`);
      const variants = experiment.variants as ExperimentVariant[];
      const stats = new Map(variants.map((v) => [v.id, { conversations: 0, closed: 0, resolvedByBot: 0, handedOff: 0, converted: 0, revenue: 0, csat: [] as number[] }]));
      for await (const x of models.Exposure.find({ experimentId }).lean().cursor()) {
        const s = stats.get(x.variant);
        if (!s) continue;
        s.conversations++;
        if (x.closedAt) s.closed++;
        if (x.resolvedByBot) s.resolvedByBot++;
        if (x.handedOff) s.handedOff++;
        if (x.convertedAt) {
          s.converted++;
          s.revenue += x.revenue ?? 0;
        }
        if (typeof x.csat === 'number') s.csat.push(x.csat);
      }
      const control = stats.get(variants[0]!.id)!;
      return {
        experimentId,
        name: experiment.name,
        status: experiment.status,
        control: variants[0]!.id,
        variants: variants.map((v) => {
          const s = stats.get(v.id)!;
          const vsControl = v.id === variants[0]!.id;
          return {
            variant: v.id,
            settings: v.settings,
            conversations: s.conversations,
            closed: s.closed,
            resolvedByBot: s.resolvedByBot,
            handedOff: s.handedOff,
            converted: s.converted,
            revenue: s.revenue,
            csatResponses: s.csat.length,
            meanCsat: s.csat.length ? s.csat.reduce((a, b) => a + b, 0) / s.csat.length : null,
            ...(vsControl
              ? {}
              : {
                  significance: {
                    resolvedByBot: twoProportionTest({ conversions: s.resolvedByBot, n: s.closed }, { conversions: control.resolvedByBot, n: control.closed }),
                    handedOff: twoProportionTest({ conversions: s.handedOff, n: s.closed }, { conversions: control.handedOff, n: control.closed }),
                    converted: twoProportionTest({ conversions: s.converted, n: s.conversations }, { conversions: control.converted, n: control.conversations }),
                    csat: meanDifferenceTest(s.csat, control.csat),
                  },
                }),
          };
        }),
      };
    },
  };
}

export type MarketingService = ReturnType<typeof createMarketingService>;
