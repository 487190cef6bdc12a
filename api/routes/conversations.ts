import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../../activities/audit';
import { maskPii } from '../../domain/pii';
import { hasAnyRole, type StaffRole, type TokenService } from '../auth';
import { CHANNELS, MAX_MESSAGE_LENGTH } from '../../domain/conversation';
import { HttpError } from '../errors';
import type { RouteTable } from '../route';
import type { ConversationService } from '../services/conversations';
import type { DeskService } from '../services/desk';

export const conversationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'use 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');

const customerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$/, 'use 1-128 letters, digits or "_.:@+-", starting with a letter or digit');

const params = z.strictObject({ id: conversationIdSchema });

const sendMessageBody = z.strictObject({
  channel: z.enum(CHANNELS, { message: `channel must be one of: ${CHANNELS.join(', ')}` }),
  customerId: customerIdSchema,
  text: z
    .string()
    .max(MAX_MESSAGE_LENGTH, `text must be at most ${MAX_MESSAGE_LENGTH} characters`)
    .refine((t) => t.trim().length > 0, 'text must not be empty'),
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'use 1-128 letters, digits, "_", ".", ":" or "-"')
    .optional()
    .describe('Idempotency key: sending the same messageId again returns the same reply and records nothing twice.'),
});

const botReplySchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  reply: z.string(),
  citations: z.array(z.string()),
  lang: z.enum(['zh', 'en']),
  turn: z.number().int(),
  intent: z.string(),
  handedOff: z.boolean().describe('True once a person has taken the conversation over'),
});

const conversationSchema = z.object({
  conversationId: z.string(),
  customerId: z.string().optional(),
  channel: z.string().optional(),
  status: z.enum(['open', 'closed']),
  turns: z.number().int(),
  handedOff: z.boolean(),
  flow: z.string().optional().describe('The multi-turn flow in progress, if any'),
  lastProduct: z.string().optional(),
  lastMessageAt: z.string().optional(),
  closedAt: z.string().optional(),
  transcript: z.array(
    z.object({ seq: z.number().int(), role: z.enum(['customer', 'bot', 'agent', 'system']), text: z.string(), citations: z.array(z.string()), at: z.string() }),
  ),
});

const widgetSessionBody = z.strictObject({
  customerId: customerIdSchema.optional().describe("A logged-in customer's id; needs identitySignature. Omit for an anonymous visitor."),
  identitySignature: z
    .string()
    .regex(/^[a-f0-9]{64}$/, 'hex HMAC-SHA256 of customerId with the widget identity secret')
    .optional(),
});

/** The signature a shop's backend puts on a logged-in customer's id for the chat widget. */
export function widgetIdentitySignature(secret: string, customerId: string): string {
  return createHmac('sha256', secret).update(customerId).digest('hex');
}

function signatureMatches(secret: string, customerId: string, signature: string): boolean {
  const expected = Buffer.from(widgetIdentitySignature(secret, customerId), 'hex');
  const given = Buffer.from(signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Who may see a transcript's personal data unmasked. */
export const PII_REVEAL_ROLES: readonly StaffRole[] = ['supervisor', 'admin'];

export function conversationRoutes(
  table: RouteTable,
  conversations: ConversationService,
  deps: { tokens: TokenService; widgetIdentitySecret: string; audit: AuditLog; desk: Pick<DeskService, 'heldEscalationFor'> },
): void {
  table.add({
    method: 'post',
    path: '/api/widget/sessions',
    summary: 'Start a web chat: a new conversation id and a customer token good for it alone',
    tags: ['conversations'],
    access: { public: true },
    body: widgetSessionBody,
    responses: {
      201: { description: 'The conversation to talk in, and its token', schema: z.object({ conversationId: z.string(), customerId: z.string(), token: z.string(), expiresAt: z.string() }) },
      401: { description: 'identitySignature does not match customerId' },
    },
    handler: async ({ body }) => {
      let customerId = `v-${randomUUID()}`;
      if (body.customerId) {
        if (!body.identitySignature || !signatureMatches(deps.widgetIdentitySecret, body.customerId, body.identitySignature)) {
          throw new HttpError(401, 'invalid_identity', 'customerId needs a valid identitySignature from the shop; omit both to chat as an anonymous visitor.');
        }
        customerId = body.customerId;
      }
      const conversationId = `web-${randomUUID()}`;
      const { token, expiresAt } = await deps.tokens.issueCustomer(customerId, conversationId);
      return { status: 201, body: { conversationId, customerId, token, expiresAt } };
    },
  });


  table.add({
    method: 'post',
    path: '/api/conversations/:id/messages',
    summary: "Send a customer's message; the bot's reply comes back in the response",
    tags: ['conversations'],
    access: { roles: ['ops'], customer: true },
    params,
    body: sendMessageBody,
    responses: {
      200: { description: "The bot's reply", schema: botReplySchema },
      409: { description: 'The conversation belongs to another customer or channel' },
    },
    handler: async ({ params: p, body, principal }) => {
      if (principal?.kind === 'customer' && principal.subject !== body.customerId) {
        throw new HttpError(403, 'forbidden', 'customerId does not match the customer token.');
      }
      return { body: await conversations.sendMessage(p.id, body) };
    },
  });

  /** Closing under an agent would cut the customer off mid-hand-off and leave the agent's escalation with nobody to talk to. */
  async function refuseWhileOnTheDesk(conversationId: string): Promise<void> {
    const held = await deps.desk.heldEscalationFor(conversationId);
    if (!held) return;
    throw new HttpError(409, 'on_the_desk', `Conversation "${conversationId}" is with agent "${held.agentId ?? 'unknown'}" (${held.status}) as escalation ${held.escalationId}: resolve it or hand it back to the bot first, then close the conversation.`);
  }

  table.add({
    method: 'post',
    path: '/api/conversations/:id/close',
    summary: 'Close a conversation now; it records its outcome events (resolved_by_bot, handed_off, case_opened, purchase_intent)',
    tags: ['conversations'],
    access: { roles: ['ops', 'supervisor', 'agent'] },
    params,
    responses: { 202: { description: 'Closing' }, 404: { description: 'No such conversation' }, 409: { description: 'Already closed, or an agent holds it (resolve or hand it back first)' } },
    handler: async ({ params: p }) => {
      await refuseWhileOnTheDesk(p.id);
      await conversations.closeConversation(p.id);
      return { status: 202, body: { conversationId: p.id, closing: true } };
    },
  });

  table.add({
    method: 'get',
    path: '/api/conversations/:id',
    summary: 'A conversation: its state and full transcript',
    tags: ['conversations'],
    access: { roles: ['ops', 'supervisor', 'agent'] },
    params,
    query: z.strictObject({
      reveal: z.enum(['true', 'false']).default('false').describe('Show personal data unmasked: supervisors and admins only, and audited.'),
    }),
    responses: {
      200: { description: 'The conversation; phone, ID-card and bank-card numbers and e-mails are masked unless revealed', schema: conversationSchema },
      404: { description: 'No such conversation' },
    },
    handler: async ({ params: p, query, principal, actor, origin }) => {
      const reveal = query.reveal === 'true';
      if (reveal && !(principal && 'roles' in principal && hasAnyRole(principal.roles, PII_REVEAL_ROLES))) {
        throw new HttpError(403, 'forbidden', `Revealing personal data needs one of the roles: ${PII_REVEAL_ROLES.join(', ')}.`);
      }
      const conversation = await conversations.getConversation(p.id);
      if (reveal) {
        await deps.audit.record({ actor, action: 'pii.reveal', target: { type: 'conversation', id: p.id }, details: { customerId: conversation.customerId }, ...origin });
        return { body: conversation };
      }
      return { body: { ...conversation, transcript: conversation.transcript.map((entry) => ({ ...entry, text: maskPii(entry.text) })) } };
    },
  });
}
