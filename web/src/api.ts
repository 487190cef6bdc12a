/** The HTTP API as the pages use it: one fetch wrapper, one error type, and the shapes the pages read. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth sending again with the same idempotency key: the network failed or the server did. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export async function api<T>(path: string, opts: { method?: string; body?: unknown; token?: string; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    throw new ApiError(0, 'network', error instanceof Error ? error.message : 'network error');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `${response.status} ${response.statusText}`);
  }
  return json as T;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An id for an idempotency key. crypto.randomUUID exists only in secure contexts (https or
 * loopback), and the pages may be opened over plain http on a LAN address.
 */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The path of a live event stream, with the token in the query because EventSource cannot send headers. */
export function streamUrl(path: string, token: string, after?: number): string {
  const query = new URLSearchParams({ access_token: token });
  if (after !== undefined) query.set('after', String(after));
  return `${path}?${query.toString()}`;
}

// Shapes of what the pages read. Fields the pages do not use are left out.

export type Role = 'customer' | 'bot' | 'agent' | 'system';

export interface WidgetSession {
  conversationId: string;
  customerId: string;
  token: string;
  expiresAt: string;
}

export interface BotReply {
  messageId: string;
  reply: string;
  citations: string[];
  handedOff: boolean;
  lang: 'zh' | 'en';
  intent: string;
}

/** The envelope of every live event; `data` depends on the type. */
export interface LiveEnvelope<D = Record<string, unknown>> {
  seq: number;
  type: string;
  at: string;
  data: D;
}

export interface LiveMessage {
  conversationId: string;
  seq: number;
  role: Role;
  text: string;
  citations?: string[];
  at: string;
}

/** A customer the demo shop can log in as, signed the way a shop's backend signs its logged-in customer. */
export interface DemoCustomer {
  customerId: string;
  name: string;
  lang: 'zh' | 'en';
  identitySignature: string;
}

export interface StaffUser {
  username: string;
  displayName: string;
  roles: string[];
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: StaffUser;
}

export type AgentStatus = 'online' | 'away' | 'offline';

export interface Agent {
  agentId: string;
  displayName: string;
  skills: string[];
  capacity: number;
  status: AgentStatus;
  load: number;
}

export const QUEUES = ['general', 'returns', 'complaints', 'finance'] as const;
export type Queue = (typeof QUEUES)[number];

export type EscalationStatus = 'queued' | 'assigned' | 'active' | 'waiting_customer' | 'resolved' | 'handed_back' | 'withdrawn';
export const OPEN_STATUSES: readonly EscalationStatus[] = ['queued', 'assigned', 'active', 'waiting_customer'];

export interface EscalationSummary {
  escalationId: string;
  conversationId: string;
  customerId: string;
  channel: string;
  reason: string;
  status: EscalationStatus;
  queue?: Queue;
  priority?: 'normal' | 'high';
  agentId?: string | null;
  openedAt?: string;
  endedAt?: string;
  csatScore?: number;
}

export interface SlaClock {
  remainingMs: number;
  running: boolean;
  warned: boolean;
  breached: boolean;
}

export interface HandoffPacket {
  reason: string;
  summary: string;
  lang: 'zh' | 'en';
  intents: Array<{ intent: string; confidence: number; sentiment: string }>;
  slots: Record<string, string>;
  lastProduct?: string;
  verified: boolean;
  recentTurns: Array<{ role: string; text: string }>;
}

export interface Customer360 {
  customerId: string;
  name?: string;
  tier: string;
  lang?: string;
  tags: string[];
  phone?: string;
  email?: string;
  doNotContact: boolean;
  recentOrders: Array<{ orderId: string; status: string; total: number; placedAt: string; items?: Array<{ sku: string; quantity: number; price: number }> }>;
  pastConversations: Array<{ conversationId: string; channel?: string; status?: string; turns?: number; lastMessageAt?: string; outcome?: string }>;
  cases: CaseSummary[];
  eventCount: number;
  /** The customer's RFM segment (champions, loyal, at_risk, …) once purchases have been scored. */
  segment?: string;
  /** Newer APIs list the latest behaviour events too. */
  recentEvents?: Array<{ type: string; occurredAt?: string; at?: string; sku?: string; orderId?: string }>;
}

/** A return or complaint case as the 360° view lists it; `state` and `timeline` come with the case workflows. */
export interface CaseSummary {
  caseId: string;
  type: string;
  status: string;
  state?: string;
  orderId?: string;
  createdAt?: string;
  timeline?: Array<{ at: string; type?: string; state?: string; detail?: string; note?: string }>;
}

/** A conversation as GET /api/conversations/:id returns it: masked unless revealed. */
export interface ConversationView {
  conversationId: string;
  customerId?: string;
  status: 'open' | 'closed';
  transcript: Array<{ seq: number; role: Role; text: string; citations: string[]; at: string }>;
}

export interface EscalationDetail extends EscalationSummary {
  /** Set on a return's or complaint's desk task: the case it works on. */
  caseId?: string;
  /** False for a case's desk task opened outside a chat: there is no transcript, only the case's history. */
  hasConversation?: boolean;
  packet: HandoffPacket;
  sla?: { first_response: SlaClock; resolution: SlaClock };
  timeline?: Array<{ at: string; type: string; agentId?: string; detail?: string }>;
  transcript: Array<{ seq: number; role: Role; text: string; at: string }>;
  customer: Customer360;
}

export interface Alert {
  alertKey: string;
  escalationId: string;
  kind: string;
  queue: string;
  priority: string;
  conversationId: string;
  agentId?: string;
  at: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
}

export interface DeskOverview {
  queues: Record<string, number>;
  waiting: Array<{ escalationId: string; queue: string; priority: string; enqueuedAt: number; onlyAgent?: string }>;
  agents: Array<Omit<Agent, 'load'> & { load: number }>;
  /** Open alerts: those that need action, until a supervisor acknowledges them. */
  alerts: Alert[];
  /** The latest "work joined a queue" notices. */
  notices?: Alert[];
}

export interface DeskReportGroup {
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

export interface DeskReport {
  from: string;
  to: string;
  groupBy: 'queue' | 'agent' | 'day';
  groups: DeskReportGroup[];
  bot: { closed: number; botResolutionRate: number | null; handoffRate: number | null };
}
