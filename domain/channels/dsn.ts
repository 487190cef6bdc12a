/**
 * Delivery status notifications (RFC 3464): the report a mail server sends back when it could not
 * deliver, or is still trying to deliver, a message. The `message/delivery-status` part is a block
 * of per-message fields followed by one block per recipient, separated by blank lines, each field
 * written like a mail header (and folded like one).
 */

export interface DsnRecipient {
  /** The address the report is about, lower-cased, without its address type ("rfc822;"). */
  finalRecipient?: string;
  originalRecipient?: string;
  /** failed, delayed, delivered, relayed or expanded (lower-cased). */
  action: string;
  /** The enhanced status code, e.g. 5.1.1 (RFC 3463). */
  status: string;
  /** The remote server's own words, e.g. "smtp; 550 5.1.1 user unknown". */
  diagnosticCode?: string;
}

export interface DeliveryStatus {
  reportingMta?: string;
  recipients: DsnRecipient[];
}

/** What a recipient's report means for the message: only a failure with a 5.x.x status is final. */
export type BounceKind = 'permanent' | 'delayed' | 'other';

const MAX_RECIPIENTS = 50;
const MAX_FIELD_CHARS = 1_000;

/** Splits one block into fields by lower-case name; continuation lines (leading white space) join the field before. */
function fieldsOf(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`.slice(0, MAX_FIELD_CHARS));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    // The first occurrence of a field counts.
    if (!fields.has(last)) fields.set(last, line.slice(colon + 1).trim().slice(0, MAX_FIELD_CHARS));
    else last = undefined;
  }
  return fields;
}

/** "rfc822; <Someone@Example.com>" → "someone@example.com". */
export function recipientAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semicolon = value.indexOf(';');
  const address = (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim().replace(/^<|>$/g, '').trim().toLowerCase();
  return address || undefined;
}

/** "5.1.1 (user unknown)" → "5.1.1"; undefined when there is no status code. */
function statusCode(value: string | undefined): string | undefined {
  return value?.match(/^\s*([245]\.\d{1,3}\.\d{1,3})\b/)?.[1];
}

/** Reads the body of a `message/delivery-status` part; recipients without an Action or a Status are left out. */
export function parseDeliveryStatus(text: string): DeliveryStatus {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  if (blocks.length === 0) return { recipients: [] };
  const perMessage = fieldsOf(blocks[0]!);
  const recipients: DsnRecipient[] = [];
  // A report without a per-message block starts with a recipient; treat any block naming a recipient as one.
  for (const block of perMessage.has('final-recipient') ? blocks : blocks.slice(1)) {
    const fields = fieldsOf(block);
    const action = fields.get('action')?.toLowerCase().split(/\s/)[0];
    const status = statusCode(fields.get('status'));
    if (!action || !status) continue;
    const finalRecipient = recipientAddress(fields.get('final-recipient'));
    const originalRecipient = recipientAddress(fields.get('original-recipient'));
    const diagnosticCode = fields.get('diagnostic-code');
    recipients.push({ action, status, ...(finalRecipient ? { finalRecipient } : {}), ...(originalRecipient ? { originalRecipient } : {}), ...(diagnosticCode ? { diagnosticCode } : {}) });
    if (recipients.length >= MAX_RECIPIENTS) break;
  }
  const reportingMta = perMessage.get('reporting-mta');
  return { ...(reportingMta ? { reportingMta } : {}), recipients };
}

/** Action: failed with a 5.x.x status is final; Action: delayed, or any 4.x.x, is the server still trying. */
export function bounceKind(recipient: Pick<DsnRecipient, 'action' | 'status'>): BounceKind {
  if (recipient.action === 'failed' && recipient.status.startsWith('5.')) return 'permanent';
  if (recipient.action === 'delayed' || recipient.status.startsWith('4.')) return 'delayed';
  return 'other';
}

/** The Message-ID among the returned message's headers (a `text/rfc822-headers` or `message/rfc822` part). */
export function returnedMessageId(headers: string): string | undefined {
  const head = headers.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)[0] ?? '';
  const unfolded = head.replace(/\n[ \t]+/g, ' ');
  const line = unfolded.split('\n').find((l) => /^message-id\s*:/i.test(l));
  return line?.match(/<[^<>\s]+>/)?.[0];
}

/** Whether a report about `recipient` concerns a message sent to `to` (a report naming no address is taken as about it). */
export function isAboutRecipient(recipient: Pick<DsnRecipient, 'finalRecipient' | 'originalRecipient'>, to: string): boolean {
  const wanted = to.trim().toLowerCase();
  const named = [recipient.finalRecipient, recipient.originalRecipient].filter((a): a is string => Boolean(a));
  return named.length === 0 || named.includes(wanted);
}
