import { signedHeaders } from '../../domain/channels/signatures';
import { httpOutcome, PermanentSendError, SEND_TIMEOUT_MS, type SendResult } from './errors';

/**
 * A provider-agnostic SMS gateway client: `POST <base>/messages` with `{to, text, reference}`, the key
 * as a bearer token, Loopdesk's webhook signature over the body and the outbox key as
 * `Idempotency-Key`, so a retried send is recognised by the gateway. The answer carries the
 * gateway's message id, which later delivery receipts name.
 */
export function createSmsClient(settings: { gatewayUrl?: string; apiKey?: string; signingSecret?: string }) {
  return {
    async send(message: { to: string; text: string; idempotencyKey: string }): Promise<SendResult> {
      if (!settings.gatewayUrl || !settings.apiKey) throw new PermanentSendError('SMS is not configured (SMS_GATEWAY_URL, SMS_API_KEY)', 'channel_not_configured');
      const body = JSON.stringify({ to: message.to, text: message.text, reference: message.idempotencyKey });
      const response = await fetch(new URL('messages', settings.gatewayUrl.endsWith('/') ? settings.gatewayUrl : `${settings.gatewayUrl}/`), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${settings.apiKey}`,
          'idempotency-key': message.idempotencyKey,
          ...(settings.signingSecret ? signedHeaders(settings.signingSecret, body) : {}),
        },
        body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      const answer = (await httpOutcome(response, 'The SMS gateway')) as { id?: unknown };
      if (typeof answer.id !== 'string' || !answer.id) throw new Error('The SMS gateway answered without a message id');
      return { providerMessageId: answer.id };
    },
  };
}
