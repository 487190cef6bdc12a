import { writeFileSync } from 'node:fs';
import type mongoose from 'mongoose';

let connectionsProfiled = 0;

interface CommandStats {
  count: number;
  totalMs: number;
  maxMs: number;
}

/**
 * When LOOPDESK_DB_PROFILE names a file, every database command this process sends is timed and,
 * at exit, a table of commands by collection (count, total and max time) is written to that name
 * suffixed with the process id and the connection's number. For
 * tuning: it shows which lookups a turn makes and what each costs on the configured database.
 */
export function profileCommands(connection: mongoose.Connection, file = process.env.LOOPDESK_DB_PROFILE): void {
  if (!file) return;
  const target = `${file}.${process.pid}.${(connectionsProfiled += 1)}`;
  const stats = new Map<string, CommandStats>();
  const started = new Map<number, { key: string; at: number }>();
  const client = connection.getClient();
  client.on('commandStarted', (event) => {
    const command = event.command as Record<string, unknown>;
    const collection = typeof command[event.commandName] === 'string' ? String(command[event.commandName]) : '';
    started.set(event.requestId, { key: `${event.commandName} ${collection} ${shapeOf(command)}`.trim(), at: performance.now() });
  });
  const finish = (event: { requestId: number }) => {
    const start = started.get(event.requestId);
    if (!start) return;
    started.delete(event.requestId);
    const ms = performance.now() - start.at;
    const entry = stats.get(start.key) ?? { count: 0, totalMs: 0, maxMs: 0 };
    entry.count += 1;
    entry.totalMs += ms;
    entry.maxMs = Math.max(entry.maxMs, ms);
    stats.set(start.key, entry);
  };
  client.on('commandSucceeded', finish);
  client.on('commandFailed', finish);
  process.on('exit', () => {
    const rows = [...stats.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
    const lines = rows.map(([key, s]) => `${s.count.toString().padStart(7)} ${s.totalMs.toFixed(0).padStart(9)} ms ${(s.totalMs / s.count).toFixed(1).padStart(8)} ms/op ${s.maxMs.toFixed(0).padStart(7)} max  ${key}`);
    writeFileSync(target, `${lines.join('\n')}\n`);
  });
}

/** The keys a command looks documents up by (a find's filter, an update's or delete's query, an aggregate's stages). */
function shapeOf(command: Record<string, unknown>): string {
  const keys = (value: unknown) => JSON.stringify(Object.keys((value ?? {}))).slice(0, 80);
  if (command.filter !== undefined) return keys(command.filter);
  if (command.query !== undefined) return keys(command.query);
  const statements = (command.updates ?? command.deletes) as Array<{ q?: unknown; upsert?: boolean }> | undefined;
  if (statements?.[0]) return `${keys(statements[0].q)}${statements[0].upsert ? ' upsert' : ''}`;
  if (Array.isArray(command.pipeline)) return JSON.stringify((command.pipeline as object[]).map((stage) => Object.keys(stage)[0])).slice(0, 80);
  return '';
}
