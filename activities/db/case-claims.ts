import { Schema, type InferSchemaType } from 'mongoose';

/**
 * One row per order with an open return or exchange case: the unique `claimKey` lets exactly one
 * of two racing starts open a case on the order (no transactions needed). The case's last write
 * removes its claim when it ends, so the order can be returned again.
 */
export const openCaseClaimSchema = new Schema(
  {
    claimKey: { type: String, required: true, unique: true },
    caseId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
  },
  { timestamps: true },
);

export type OpenCaseClaimDoc = InferSchemaType<typeof openCaseClaimSchema>;
