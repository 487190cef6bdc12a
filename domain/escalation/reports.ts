export interface EscalationRow {
  queue?: string | null;
  agentId?: string | null;
  status: string;
  openedAt?: Date | null;
  firstResponseAt?: Date | null;
  endedAt?: Date | null;
  breaches?: string[];
  csatScore?: number | null;
}

export interface ConversationOutcomeRow {
  type: string;
  occurredAt: Date;
}

export type GroupBy = 'queue' | 'agent' | 'day';

export interface DeskFigures {
  group: string;
  escalations: number;
  resolved: number;
  firstResponseAvgMs: number | null;
  firstResponseP50Ms: number | null;
  resolutionAvgMs: number | null;
  slaAttainment: number | null;
  csatAverage: number | null;
  csatResponses: number;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function average(values: number[]): number | null {
  return values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : null;
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

const ENDED = new Set(['resolved', 'handed_back']);

/** Desk figures per queue, agent or day; computed in code because FerretDB lacks $cond and $facet. */
export function deskReport(rows: EscalationRow[], groupBy: GroupBy): DeskFigures[] {
  const groups = new Map<string, EscalationRow[]>();
  for (const row of rows) {
    const key = groupBy === 'queue' ? (row.queue ?? 'unknown') : groupBy === 'agent' ? (row.agentId ?? 'unassigned') : row.openedAt ? day(row.openedAt) : 'unknown';
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, members]) => {
      const firstResponses = members.filter((r) => r.openedAt && r.firstResponseAt).map((r) => r.firstResponseAt!.getTime() - r.openedAt!.getTime());
      const resolved = members.filter((r) => r.status === 'resolved');
      const resolutions = resolved.filter((r) => r.openedAt && r.endedAt).map((r) => r.endedAt!.getTime() - r.openedAt!.getTime());
      const ended = members.filter((r) => ENDED.has(r.status));
      const ratings = members.map((r) => r.csatScore).filter((s): s is number => typeof s === 'number');
      return {
        group,
        escalations: members.length,
        resolved: resolved.length,
        firstResponseAvgMs: average(firstResponses),
        firstResponseP50Ms: median(firstResponses),
        resolutionAvgMs: average(resolutions),
        slaAttainment: ended.length ? ended.filter((r) => (r.breaches ?? []).length === 0).length / ended.length : null,
        csatAverage: ratings.length ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100 : null,
        csatResponses: ratings.length,
      };
    });
}

/** Of the conversations that closed, how many the bot resolved and how many went to a person. */
export function botReport(outcomes: ConversationOutcomeRow[]): { closed: number; botResolutionRate: number | null; handoffRate: number | null } {
  const closed = outcomes.filter((o) => o.type === 'conversation_closed').length;
  const count = (type: string) => outcomes.filter((o) => o.type === type).length;
  return {
    closed,
    botResolutionRate: closed ? count('resolved_by_bot') / closed : null,
    handoffRate: closed ? count('handed_off') / closed : null,
  };
}
