import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { DeliveryReport } from '../../activities/channels/email-bounce';
import { createOutboxStore, kickOutbox } from '../../activities/channels/outbox';
import { isDuplicateKey } from '../../activities/db/channels';
import type { Models } from '../../activities/db/models';
import { bounceKind, isAboutRecipient } from '../../domain/channels/dsn';
import type { ChannelSettings } from '../../domain/channels/settings';

const MAX_REASON_CHARS = 500;

export interface BounceOutcome {
  /** The outbox row the report is about, when it is about an e-mail Loopdesk sent. */
  deliveryKey?: string;
  /** Recipients' lines recorded now (0 for an unrelated report or one taken before). */
  recorded: number;
  /** Whether the report failed the row (and so sent a service message on to the next channel). */
  failed: boolean;
}

/**
 * Bounces as the e-mail channel's delivery receipts. A report about a message Loopdesk sent (found by
 * the returned Message-ID, which the outbox sets per row and keeps as the provider's message id) is
 * recorded once per recipient; a permanent failure fails the row with the remote server's words as
 * the reason, exactly as a failed SMS receipt does, so a service message falls back to the next
 * channel and a marketing one is only marked failed. A delay is recorded and changes nothing.
 * Reports about anything else are dropped. None of it ever reaches a conversation.
 */
export function createEmailBounceService(deps: { client: Client; models: Models; taskQueue: string; settings: ChannelSettings; log: Pick<Logger, 'info'> }) {
  const { models } = deps;
  const outbox = createOutboxStore(models);

  return {
    async receive(report: DeliveryReport): Promise<BounceOutcome> {
      const row = report.originalMessageId ? await models.Delivery.findOne({ channel: 'email', providerMessageId: report.originalMessageId }).lean() : undefined;
      if (!row) {
        deps.log.info({ reportId: report.reportId, originalMessageId: report.originalMessageId }, 'a bounce about no e-mail Loopdesk sent was dropped');
        return { recorded: 0, failed: false };
      }
      let recorded = 0;
      let failed = false;
      for (const recipient of report.recipients.filter((r) => isAboutRecipient(r, row.to))) {
        const bounceKey = `${report.reportId}|${recipient.finalRecipient ?? row.to}`.slice(0, 512);
        if (await models.EmailBounce.exists({ bounceKey })) continue;
        const kind = bounceKind(recipient);
        if (kind === 'permanent') {
          // Idempotent on its own: a row already failed is left as it is, and the fallback row is inserted once.
          await outbox.recordReceipt('email', row.providerMessageId!, 'failed', (recipient.diagnosticCode ?? `bounced with status ${recipient.status}`).slice(0, MAX_REASON_CHARS));
          failed = true;
        }
        try {
          await models.EmailBounce.create({
            bounceKey,
            reportId: report.reportId,
            deliveryKey: row.idempotencyKey,
            customerId: row.customerId,
            purpose: row.purpose,
            recipient: recipient.finalRecipient ?? row.to,
            kind,
            action: recipient.action,
            status: recipient.status,
            ...(recipient.diagnosticCode ? { diagnosticCode: recipient.diagnosticCode.slice(0, MAX_REASON_CHARS) } : {}),
            ...(report.reportingMta ? { reportingMta: report.reportingMta } : {}),
            at: new Date(),
          });
          recorded += 1;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
      // The fallback row goes out now rather than at the next poll.
      if (failed) await kickOutbox(deps.client, deps.taskQueue, deps.settings.outbox);
      return { deliveryKey: row.idempotencyKey, recorded, failed };
    },
  };
}

export type EmailBounceService = ReturnType<typeof createEmailBounceService>;
