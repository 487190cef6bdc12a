import { Schema, type InferSchemaType } from 'mongoose';

/**
 * Each recipient's line of a bounce (delivery status notification) about an e-mail Loopdesk sent,
 * kept once under `bounceKey` (the report's id + the recipient), so a report delivered twice is
 * recorded, and acted on, once. Delayed reports and marketing bounces are only recorded here.
 */
export const emailBounceSchema = new Schema(
  {
    bounceKey: { type: String, required: true, unique: true },
    reportId: { type: String, required: true },
    deliveryKey: { type: String, required: true, index: true },
    customerId: { type: String, required: true, index: true },
    purpose: { type: String, required: true },
    recipient: { type: String, required: true },
    kind: { type: String, enum: ['permanent', 'delayed', 'other'], required: true },
    action: { type: String, required: true },
    status: { type: String, required: true },
    diagnosticCode: { type: String },
    reportingMta: { type: String },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);

export type EmailBounceDoc = InferSchemaType<typeof emailBounceSchema>;
