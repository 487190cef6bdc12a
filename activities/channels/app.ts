import { signedHeaders } from '../../domain/channels/signatures';
import { httpOutcome, PermanentSendError, SEND_TIMEOUT_MS, type SendResult } from './errors';

/**
 * The generic app / webhook channel: Loopdesk POSTs each outgoing message to the app's backend,
 * signed with the shared secret; the backend answers 2xx (optionally with its own `id`).
 */
export function createAppWebhookClient(settings: { webhookUrl?: string; secret?: string }) {
  return {
    async send(message: { to: string; text: string; idempotencyKey: string; conversationId?: string }): Promise<SendResult> {
      if (!settings.webhookUrl || !settings.secret) throw new PermanentSendError('The app channel is not configured (APP_WEBHOOK_URL, APP_WEBHOOK_SECRET)', 'channel_not_configured');
      const body = JSON.stringify({
        type: 'message',
        messageId: message.idempotencyKey,
        userId: message.to,
        text: message.text,
        ...(message.conversationId ? { conversationId: message.conversationId } : {}),
      });
      const response = await fetch(settings.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey, ...signedHeaders(settings.secret, body) },
        body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      const answer = (await httpOutcome(response, 'The app webhook')) as { id?: unknown };
      return { providerMessageId: typeof answer.id === 'string' && answer.id ? answer.id : message.idempotencyKey };
    },
  };
}
