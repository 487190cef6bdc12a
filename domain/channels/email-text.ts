/**
 * The new part of an e-mail reply: mail clients quote the whole earlier message under a line such as
 * "On Mon, … wrote:" or "在 2026年…写道:", or with "> " prefixes. The conversation already has the
 * earlier messages, so only the customer's new words go in.
 */
const QUOTE_HEADERS = [/^On .{1,200}wrote:\s*$/i, /^在.{1,200}写道[::]\s*$/, /^-{2,}\s*Original Message\s*-{2,}$/i, /^-{2,}\s*原始邮件\s*-{2,}$/, /^From: .+$/];

export function newTextOfReply(text: string): string {
  const kept: string[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('>') || QUOTE_HEADERS.some((pattern) => pattern.test(line.trim()))) break;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

/** "Re: " once, however many replies deep. */
export function replySubject(subject: string | undefined, fallback: string): string {
  const base = (subject ?? '').trim() || fallback;
  return /^re:/i.test(base) ? base : `Re: ${base}`;
}
