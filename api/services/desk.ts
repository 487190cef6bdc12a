import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import mongoose from 'mongoose';
import type { Models } from '../../activities/db/models';
import { routerMessenger } from '../../activities/escalation';
import type { AgentStatus } from '../../domain/escalation/assignment';
import type { EscalationView } from '../../domain/escalation/escalation-state';
import type { Queue } from '../../domain/escalation/routing';
import { maskPii } from '../../domain/pii';
import { agentRouterWorkflowId, routerViewQuery } from '../../workflows/agent-router';
import { acceptUpdate, escalationViewQuery, handBackUpdate, reassignUpdate, replyUpdate, resolveUpdate, transferUpdate } from '../../workflows/escalation';
import { HttpError, notFound } from '../errors';

const RECENT_EVENTS = 8;
/** The alert every hand-off raises when it enters its queue: news, not something to act on. */
const QUEUED_NOTICE = 'queued';
const OPEN_ALERTS_SHOWN = 50;
const NOTICES_SHOWN = 20;
const ENDED_STATUSES: ReadonlySet<string> = new Set(['resolved', 'handed_back', 'withdrawn']);
const HELD_STATUSES = ['assigned', 'active', 'waiting_customer'];
const RECENT_ORDERS = 5;
const RECENT_CONVERSATIONS = 5;

export function createDeskService(deps: { client: Client; models: Models; taskQueue: string }) {
  const { client, models } = deps;
  const notifyRouter = routerMessenger(client, deps.taskQueue);
  const handle = (escalationId: string) => client.workflow.getHandle(`escalation-${escalationId}`);

  async function requireEscalation(escalationId: string) {
    const row = await models.Escalation.findOne({ escalationId }).lean();
    if (!row) throw notFound(`Escalation "${escalationId}"`);
    return row;
  }

  /**
   * An agent's or supervisor's action on an escalation still open; one that has ended (resolved,
   * handed back, or withdrawn because its case ended first) is refused with the reason.
   */
  async function act(escalationId: string, run: (h: ReturnType<typeof handle>) => Promise<EscalationView>): Promise<EscalationView> {
    const row = await requireEscalation(escalationId);
    const ended = (status: string) => new HttpError(409, 'escalation_ended', `Escalation "${escalationId}" has ended (${status})${status === 'withdrawn' ? ': its case ended first, so there is nothing left to do on it' : ''}.`);
    if (ENDED_STATUSES.has(row.status)) throw ended(row.status);
    try {
      return await run(handle(escalationId));
    } catch (error) {
      // The workflow finished between the read and the action.
      if (error instanceof WorkflowNotFoundError) throw ended((await models.Escalation.findOne({ escalationId }, { status: 1 }).lean())?.status ?? 'closed');
      throw error;
    }
  }

  /** The customer's 360° view for the agent: tier, tags, recent orders, past conversations and cases. */
  async function customer360(customerId: string, revealPii: boolean) {
    const [profile, orders, conversations, cases, events] = await Promise.all([
      models.Customer.findOne({ customerId }, { _id: 0, __v: 0 }).lean(),
      models.Order.find({ customerId }, { _id: 0, orderId: 1, status: 1, total: 1, placedAt: 1, items: 1 }).sort({ placedAt: -1 }).limit(RECENT_ORDERS).lean(),
      models.Conversation.find({ customerId }, { _id: 0, conversationId: 1, channel: 1, status: 1, turns: 1, lastMessageAt: 1, outcome: 1 }).sort({ lastMessageAt: -1 }).limit(RECENT_CONVERSATIONS).lean(),
      models.Case.find({ customerId }, { _id: 0, caseId: 1, type: 1, status: 1, orderId: 1, createdAt: 1, priority: 1, closureReason: 1, timeline: 1 }).sort({ createdAt: -1 }).limit(RECENT_ORDERS).lean(),
      models.BehaviourEvent.countDocuments({ customerId }),
    ]);
    const recentEvents = await models.BehaviourEvent.find({ customerId }, { _id: 0, type: 1, occurredAt: 1, properties: 1 }).sort({ occurredAt: -1 }).limit(RECENT_EVENTS).lean();
    const mask = (value?: string | null) => (value ? (revealPii ? value : maskPii(value)) : undefined);
    return {
      customerId,
      name: profile?.name,
      tier: profile?.tier ?? 'standard',
      lang: profile?.lang,
      tags: profile?.tags ?? [],
      phone: mask(profile?.phone),
      email: mask(profile?.email),
      doNotContact: profile?.doNotContact ?? false,
      recentOrders: orders,
      pastConversations: conversations,
      cases,
      eventCount: events,
      recentEvents: recentEvents.map((e) => {
        const props = (e.properties ?? {}) as { sku?: unknown; orderId?: unknown };
        return { type: e.type, occurredAt: e.occurredAt, ...(typeof props.sku === 'string' ? { sku: props.sku } : {}), ...(typeof props.orderId === 'string' ? { orderId: props.orderId } : {}) };
      }),
      ...(profile?.rfm?.segment ? { segment: profile.rfm.segment } : {}),
    };
  }

  return {
    async listAgents() {
      const [agents, snapshot] = await Promise.all([models.Agent.find({}, { _id: 0, __v: 0 }).sort({ agentId: 1 }).lean(), routerSnapshot()]);
      const load = new Map(snapshot?.agents.map((a) => [a.agentId, a.load]) ?? []);
      return agents.map((a) => ({ ...a, load: load.get(a.agentId) ?? 0 }));
    },

    /** An agent going offline gives back the work they were given but had not accepted, so it is routed to someone present. */
    async setStatus(agentId: string, status: AgentStatus) {
      const agent = await models.Agent.findOneAndUpdate({ agentId }, { $set: { status } }, { new: true }).lean();
      if (!agent) throw notFound(`Agent "${agentId}"`);
      await notifyRouter({ kind: 'agentUpdated', agent: { agentId, skills: agent.skills, capacity: agent.capacity, status } });
      const rerouted = status === 'offline' ? await rerouteUnaccepted(agentId) : [];
      return { agentId, status, rerouted };
    },

    async listEscalations(filter: { status?: string; queue?: string; agentId?: string; limit: number }) {
      const query: Record<string, unknown> = {};
      if (filter.status) query.status = filter.status;
      if (filter.queue) query.queue = filter.queue;
      if (filter.agentId) query.agentId = filter.agentId;
      return models.Escalation.find(query, { _id: 0, __v: 0, timeline: 0, requestKey: 0 }).sort({ createdAt: -1 }).limit(filter.limit).lean();
    },

    /** The hand-off of this conversation an agent holds (given to them, being worked, or waiting on the customer), if there is one. */
    heldEscalationFor: (conversationId: string) =>
      models.Escalation.findOne({ conversationId, status: mongoose.trusted({ $in: HELD_STATUSES }) }, { _id: 0, escalationId: 1, status: 1, agentId: 1 }).lean(),

    /** Everything the agent needs so the customer never repeats themself. */
    async getEscalation(escalationId: string, revealPii: boolean) {
      const row = await requireEscalation(escalationId);
      let live: EscalationView | undefined;
      try {
        live = await handle(escalationId).query(escalationViewQuery);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      const [transcript, conversation] = await Promise.all([
        models.Message.find({ conversationId: row.conversationId }, { _id: 0, seq: 1, role: 1, text: 1, at: 1 }).sort({ seq: 1 }).lean(),
        models.Conversation.exists({ conversationId: row.conversationId }),
      ]);
      const packet = row.packet as { recentTurns?: Array<{ role: string; text: string }>; summary?: string; slots?: Record<string, string> };
      // A case's desk task names its case in the packet; one opened through the API has no conversation behind it.
      const caseId = packet.slots?.case_task ? packet.slots.case : undefined;
      return {
        ...row,
        ...(caseId ? { caseId } : {}),
        hasConversation: conversation !== null,
        // The workflow's own view is current; the read model may lag it by a write.
        ...(live ? { ...live, agentId: live.agentId } : {}),
        packet: revealPii ? packet : { ...packet, summary: maskPii(packet.summary ?? ''), recentTurns: (packet.recentTurns ?? []).map((t) => ({ ...t, text: maskPii(t.text) })) },
        transcript: transcript.map((m) => ({ ...m, text: revealPii ? m.text : maskPii(m.text) })),
        customer: await customer360(row.customerId, revealPii),
      };
    },

    accept: (escalationId: string, agentId: string) => act(escalationId, (h) => h.executeUpdate(acceptUpdate, { args: [{ agentId }] })),
    reply: (escalationId: string, input: { agentId: string; agentName: string; text: string; awaitCustomer: boolean; messageId: string }) =>
      act(escalationId, (h) => h.executeUpdate(replyUpdate, { args: [input], updateId: input.messageId })),
    transfer: async (escalationId: string, input: { agentId: string; toAgent?: string; toQueue?: Queue }) => {
      if (input.toAgent) await requireAgent(input.toAgent, 'transfer');
      return act(escalationId, (h) => h.executeUpdate(transferUpdate, { args: [input] }));
    },
    handBack: (escalationId: string, agentId: string) => act(escalationId, (h) => h.executeUpdate(handBackUpdate, { args: [{ agentId }] })),
    resolve: (escalationId: string, input: { agentId: string; note?: string }) => act(escalationId, (h) => h.executeUpdate(resolveUpdate, { args: [input] })),
    reassign: async (escalationId: string, input: { supervisorId: string; toAgent?: string }) => {
      if (input.toAgent) await requireAgent(input.toAgent, 'reassign');
      return act(escalationId, (h) => h.executeUpdate(reassignUpdate, { args: [input] }));
    },

    /** Alerts that need someone to act, until a supervisor acknowledges them; "work is waiting" notices are listed apart. */
    async overview() {
      const [snapshot, alerts, notices, agents] = await Promise.all([
        routerSnapshot(),
        models.Alert.find({ kind: mongoose.trusted({ $ne: QUEUED_NOTICE }), acknowledgedAt: mongoose.trusted({ $exists: false }) }, { _id: 0, __v: 0 }).sort({ at: -1 }).limit(OPEN_ALERTS_SHOWN).lean(),
        models.Alert.find({ kind: QUEUED_NOTICE }, { _id: 0, __v: 0 }).sort({ at: -1 }).limit(NOTICES_SHOWN).lean(),
        models.Agent.find({}, { _id: 0, agentId: 1, displayName: 1, status: 1, capacity: 1, skills: 1 }).lean(),
      ]);
      const load = new Map(snapshot?.agents.map((a) => [a.agentId, a.load]) ?? []);
      const queues: Record<string, number> = {};
      for (const task of snapshot?.waiting ?? []) queues[task.queue] = (queues[task.queue] ?? 0) + 1;
      return { queues, waiting: snapshot?.waiting ?? [], agents: agents.map((a) => ({ ...a, load: load.get(a.agentId) ?? 0 })), alerts, notices };
    },

    /** Marks an alert as seen to; the first acknowledgement stands, and acknowledging again changes nothing. */
    async acknowledgeAlert(alertKey: string, supervisorId: string) {
      // FerretDB takes no projection on findAndModify: the stored ids are dropped here instead.
      const acknowledged = await models.Alert.findOneAndUpdate({ alertKey, acknowledgedAt: mongoose.trusted({ $exists: false }) }, { $set: { acknowledgedBy: supervisorId, acknowledgedAt: new Date() } }, { new: true }).lean();
      if (acknowledged) {
        const { _id, __v, ...alert } = acknowledged;
        return { alert, changed: true };
      }
      const existing = await models.Alert.findOne({ alertKey }, { _id: 0, __v: 0 }).lean();
      if (!existing) throw notFound(`Alert "${alertKey}"`);
      return { alert: existing, changed: false };
    },
  };

  /** A named agent must exist, or the task would wait for nobody. */
  async function requireAgent(agentId: string, action: 'transfer' | 'reassign') {
    if (!(await models.Agent.exists({ agentId }))) throw new HttpError(404, 'agent_not_found', `There is no agent "${agentId}" to ${action} to: pick one listed by GET /api/agents.`);
  }

  /**
   * The tasks the router gave this agent that they have not accepted, routed again. The router's own
   * record is read as well as the read model, which may not show an assignment made a moment ago.
   */
  async function rerouteUnaccepted(agentId: string): Promise<string[]> {
    const [snapshot, rows] = await Promise.all([routerSnapshot(), models.Escalation.find({ agentId, status: 'assigned' }, { _id: 0, escalationId: 1 }).lean()]);
    const candidates = new Set([...rows.map((r) => r.escalationId), ...(snapshot?.assigned ?? []).filter((a) => a.agentId === agentId).map((a) => a.escalationId)]);
    const rerouted: string[] = [];
    for (const escalationId of candidates) {
      try {
        await handle(escalationId).executeUpdate(reassignUpdate, { args: [{ supervisorId: agentId, unacceptedBy: agentId }] });
        rerouted.push(escalationId);
      } catch (error) {
        // Accepted (theirs to work or hand on), or ended, in the meantime: nothing to route.
        if (!(error instanceof WorkflowUpdateFailedError) && !(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return rerouted;
  }

  async function routerSnapshot() {
    try {
      return await client.workflow.getHandle(agentRouterWorkflowId(deps.taskQueue)).query(routerViewQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }
}

export type DeskService = ReturnType<typeof createDeskService>;
