import { Schema, type InferSchemaType } from 'mongoose';

/**
 * Every message in or out on a channel, in one model. `messageKey` (channel + direction + the
 * provider's message id) is unique, so a provider delivering the same message twice records it once.
 * Inbound rows go `received` → `processed` once the conversation has taken the message, so a
 * redelivery after a crash in between is passed on again (the conversation ignores a message id it
 * has answered) rather than dropped.
 */
export const channelMessageSchema = new Schema(
  {
    messageKey: { type: String, required: true, unique: true },
    channel: { type: String, required: true },
    direction: { type: String, enum: ['inbound', 'outbound'], required: true },
    identity: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    conversationId: { type: String, index: true },
    providerMessageId: { type: String, required: true },
    text: { type: String, default: '' },
    attachments: [{ name: { type: String }, contentType: { type: String }, size: { type: Number }, url: { type: String } }],
    at: { type: Date, required: true },
    status: { type: String, enum: ['received', 'processed', 'ignored', 'queued', 'sent', 'delivered', 'failed'], required: true },
    /** The outbox row an outbound message came from. */
    deliveryKey: { type: String },
    meta: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, minimize: false },
);
channelMessageSchema.index({ channel: 1, providerMessageId: 1 });

/**
 * Who sends an outbox row. Inserted once under the row's idempotency key, so when two senders could
 * (WeChat's passive reply in the HTTP response and the dispatcher's customer-service API call), the
 * one whose insert wins sends and the other stands down.
 */
export const deliveryClaimSchema = new Schema(
  {
    idempotencyKey: { type: String, required: true, unique: true },
    holder: { type: String, enum: ['dispatcher', 'passive'], required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);

export type ChannelMessageDoc = InferSchemaType<typeof channelMessageSchema>;
export type DeliveryClaimDoc = InferSchemaType<typeof deliveryClaimSchema>;

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
}
