/**
 * A send that failed. Permanent failures (the provider refused the message or the address) are not
 * retried and move a service message to another channel; transient ones (timeouts, 5xx, connection
 * refused) are plain errors that the activity's retry policy retries.
 */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface SendResult {
  providerMessageId: string;
}

/** What an HTTP provider's answer means for the send. */
export async function httpOutcome(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status >= 500 || response.status === 429) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 200)}`);
  if (response.status >= 400) throw new PermanentSendError(`${what} refused the message (${response.status}): ${text.slice(0, 200)}`, `rejected_${response.status}`);
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new Error(`${what} answered with a body that is not JSON`);
  }
}

export const SEND_TIMEOUT_MS = 10_000;
