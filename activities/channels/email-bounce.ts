import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Splitter, type MimeNode } from '@zone-eu/mailsplit';
import { parseDeliveryStatus, returnedMessageId, type DsnRecipient } from '../../domain/channels/dsn';

/**
 * A bounce arriving at the inbound SMTP server: a `multipart/report; report-type=delivery-status`
 * message (RFC 3462/3464). mailparser folds the machine-readable `message/delivery-status` part into
 * the text, so the report's parts are read one by one with mailsplit (mailparser's own MIME splitter).
 */
export interface DeliveryReport {
  /** Identifies this report for deduplication: its Message-ID, or a digest of its status part. */
  reportId: string;
  /** The Message-ID of the message the report is about, from the returned headers. */
  originalMessageId?: string;
  reportingMta?: string;
  recipients: DsnRecipient[];
}

const MAX_PART_BYTES = 256 * 1024;

interface Part {
  node: MimeNode;
  chunks: Buffer[];
  size: number;
}

/** The leaf parts of a message, each with its still transfer-encoded body (capped), and the root's headers. */
async function splitParts(raw: Buffer): Promise<{ root?: MimeNode; parts: Part[] }> {
  const splitter = new Splitter({ ignoreEmbedded: true });
  const parts: Part[] = [];
  let root: MimeNode | undefined;
  let current: Part | undefined;
  splitter.on('data', (chunk) => {
    if (chunk.type === 'node') {
      if (chunk.root) root = chunk;
      current = { node: chunk, chunks: [], size: 0 };
      parts.push(current);
    } else if (chunk.type === 'body' && current && current.size < MAX_PART_BYTES) {
      current.chunks.push(chunk.value);
      current.size += chunk.value.length;
    }
  });
  Readable.from([raw]).pipe(splitter);
  await finished(splitter);
  return { ...(root ? { root } : {}), parts };
}

/** A part's body with its Content-Transfer-Encoding (base64, quoted-printable) undone. */
async function decoded(part: Part): Promise<string> {
  const decoder = part.node.getDecoder();
  const out: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => out.push(chunk));
  await new Promise<void>((resolve, reject) => {
    decoder.once('end', resolve);
    decoder.once('error', reject);
    for (const chunk of part.chunks) decoder.write(chunk);
    decoder.end();
  });
  return Buffer.concat(out).toString('utf8');
}

function isDeliveryStatusReport(root: MimeNode | undefined): boolean {
  if (!root || root.contentType !== 'multipart/report' || !root.headers) return false;
  const reportType = root.headers.getFirst('content-type').match(/;\s*report-type\s*=\s*"?([\w.-]+)"?/i)?.[1];
  return reportType?.toLowerCase() === 'delivery-status';
}

/** The delivery report in a message, or undefined when the message is not one (an ordinary e-mail). */
export async function readDeliveryReport(raw: Buffer): Promise<DeliveryReport | undefined> {
  const { root, parts } = await splitParts(raw);
  if (!isDeliveryStatusReport(root)) return undefined;
  const statusPart = parts.find((p) => p.node.contentType === 'message/delivery-status' || p.node.contentType === 'message/global-delivery-status');
  if (!statusPart) return undefined;
  const statusText = await decoded(statusPart);
  const status = parseDeliveryStatus(statusText);
  const returned = parts.find((p) => p.node.contentType === 'text/rfc822-headers' || p.node.contentType === 'message/rfc822' || p.node.contentType === 'message/global-headers');
  const originalMessageId = returned ? returnedMessageId(await decoded(returned)) : undefined;
  const ownId = root?.headers ? root.headers.getFirst('message-id').match(/<[^<>\s]+>/)?.[0] : undefined;
  return {
    reportId: ownId ?? `sha256:${createHash('sha256').update(statusText).update(originalMessageId ?? '').digest('hex')}`,
    ...(originalMessageId ? { originalMessageId } : {}),
    ...(status.reportingMta ? { reportingMta: status.reportingMta } : {}),
    recipients: status.recipients,
  };
}
