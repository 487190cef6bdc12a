import { z } from 'zod';
import { CHANNELS, MAX_MESSAGE_LENGTH } from '../../domain/conversation';
import type { RouteTable } from '../route';
import type { ConversationService } from '../services/conversations';

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
});

const conversationSchema = z.object({
  conversationId: z.string(),
  customerId: z.string().optional(),
  channel: z.string().optional(),
  status: z.enum(['open', 'closed']),
  turns: z.number().int(),
  lastMessageAt: z.string().optional(),
  closedAt: z.string().optional(),
  transcript: z.array(
    z.object({ seq: z.number().int(), role: z.enum(['customer', 'bot', 'agent', 'system']), text: z.string(), citations: z.array(z.string()), at: z.string() }),
  ),
});

export function conversationRoutes(table: RouteTable, conversations: ConversationService): void {
  table.add({
    method: 'post',
    path: '/api/conversations/:id/messages',
    summary: "Send a customer's message; the bot's reply comes back in the response",
    tags: ['conversations'],
    access: { public: true },
    params,
    body: sendMessageBody,
    responses: {
      200: { description: "The bot's reply", schema: botReplySchema },
      409: { description: 'The conversation belongs to another customer or channel' },
    },
    handler: async ({ params: p, body }) => ({ body: await conversations.sendMessage(p.id, body) }),
  });

  table.add({
    method: 'get',
    path: '/api/conversations/:id',
    summary: 'A conversation: its state and full transcript',
    tags: ['conversations'],
    access: { roles: ['ops', 'supervisor', 'agent'] },
    params,
    responses: {
      200: { description: 'The conversation', schema: conversationSchema },
      404: { description: 'No such conversation' },
    },
    handler: async ({ params: p }) => ({ body: await conversations.getConversation(p.id) }),
  });
}
