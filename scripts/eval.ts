/**
 * Offline evaluation of Loopdesk's language understanding.
 *
 *   npx tsx scripts/eval.ts nlu FILE.jsonl [--now YYYY-MM-DD] [--verbose]
 *
 * Prints a per-intent table and, as its last line, one JSON object with the headline metrics.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Product } from '../domain/catalog';
import { analyze } from '../domain/nlu';
import { evaluateNlu, parseNluExample, type NluExample, type NluReport } from '../domain/nlu/evaluation';

const CATALOG_FILE = path.resolve(import.meta.dirname, '..', 'seed', 'catalog.json');

class UsageError extends Error {}

interface NluOptions {
  file: string;
  now: Date;
  verbose: boolean;
}

function parseNluOptions(args: string[]): NluOptions {
  let file: string | undefined;
  let now = new Date();
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--verbose') verbose = true;
    else if (arg === '--now') {
      const value = args[++i] ?? '';
      // A bare date is the local midnight of that day, so relative dates resolve in local time.
      now = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now needs a date, got "${value}"`);
    } else if (arg?.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!file) throw new UsageError('nlu needs a JSONL file');
  return { file, now, verbose };
}

function readExamples(file: string): NluExample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      try {
        return parseNluExample(JSON.parse(line));
      } catch (error) {
        throw new UsageError(`${file}:${number}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
}

function formatIntentTable(report: NluReport): string {
  const header = `${'intent'.padEnd(18)}${'precision'.padStart(10)}${'recall'.padStart(10)}${'support'.padStart(9)}`;
  const rows = report.perIntent.map(
    (row) => `${row.intent.padEnd(18)}${row.precision.toFixed(3).padStart(10)}${row.recall.toFixed(3).padStart(10)}${String(row.support).padStart(9)}`,
  );
  return [header, '-'.repeat(header.length), ...rows].join('\n');
}

function runNlu(args: string[]): void {
  const options = parseNluOptions(args);
  const catalog = JSON.parse(readFileSync(CATALOG_FILE, 'utf8')) as Product[];
  const report = evaluateNlu(readExamples(options.file), (text) => analyze(text, { catalog, now: options.now }), options.now);
  console.log(formatIntentTable(report));
  if (options.verbose) {
    for (const m of report.mistakes) console.log(`  ${m.kind}: expected ${m.expected || '∅'}, got ${m.predicted || '∅'}: ${m.text}`);
  }
  const { intentAccuracy, entityF1, sentimentAccuracy, n } = report;
  console.log(JSON.stringify({ intentAccuracy, entityF1, sentimentAccuracy, n }));
}

/** Subcommands by name; a knowledge-base retrieval eval ("kb") slots in beside "nlu". */
const SUBCOMMANDS: Record<string, (args: string[]) => void> = {
  nlu: runNlu,
};

const USAGE = `usage: npx tsx scripts/eval.ts <${Object.keys(SUBCOMMANDS).join('|')}> FILE.jsonl [--now YYYY-MM-DD] [--verbose]`;

function main(argv: string[]): number {
  const [name, ...args] = argv;
  const subcommand = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!subcommand) {
    console.error(name === undefined ? USAGE : `unknown subcommand "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    subcommand(args);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
