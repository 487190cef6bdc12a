/**
 * Offline evaluation of Loopdesk's language understanding and answering.
 *
 *   npx tsx scripts/eval.ts nlu FILE.jsonl [--now YYYY-MM-DD] [--verbose]
 *   npx tsx scripts/eval.ts kb FILE.jsonl [--verbose]
 *
 * Prints a table (per intent; of the questions answered wrongly) and, as its last line, one JSON
 * object with the headline metrics. The kb eval runs the embedded answerer, as the worker does
 * without an LLM, over seed/knowledge-base.json and seed/catalog.json: no database needed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAnswerer } from '../activities/answer';
import { parseKbExample, scoreKbAnswers, type KbExample, type KbReport } from '../domain/answer/evaluation';
import type { Product } from '../domain/catalog';
import { KnowledgeIndex, type KnowledgeArticle } from '../domain/kb/retrieval';
import { analyze } from '../domain/nlu';
import { evaluateNlu, parseNluExample, type NluReport } from '../domain/nlu/evaluation';

const CATALOG_FILE = path.resolve(import.meta.dirname, '..', 'seed', 'catalog.json');
const KNOWLEDGE_FILE = path.resolve(import.meta.dirname, '..', 'seed', 'knowledge-base.json');

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

function readExamples<T>(file: string, parse: (value: unknown) => T): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      try {
        return parse(JSON.parse(line));
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
  const report = evaluateNlu(readExamples(options.file, parseNluExample), (text) => analyze(text, { catalog, now: options.now }), options.now);
  console.log(formatIntentTable(report));
  if (options.verbose) {
    for (const m of report.mistakes) console.log(`  ${m.kind}: expected ${m.expected || '∅'}, got ${m.predicted || '∅'}: ${m.text}`);
  }
  const { intentAccuracy, entityF1, sentimentAccuracy, n } = report;
  console.log(JSON.stringify({ intentAccuracy, entityF1, sentimentAccuracy, n }));
}

function parseKbOptions(args: string[]): { file: string; verbose: boolean } {
  const verbose = args.includes('--verbose');
  const unknown = args.find((arg) => arg.startsWith('--') && arg !== '--verbose');
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  const files = args.filter((arg) => !arg.startsWith('--'));
  if (files.length !== 1 || !files[0]) throw new UsageError('kb needs one JSONL file');
  return { file: files[0], verbose };
}

function formatMissTable(report: KbReport): string {
  const header = `${'missed'.padEnd(16)}${'expected'.padEnd(26)}${'cited'.padEnd(26)}question`;
  const rows = report.misses.map((miss) => {
    const what = [miss.hit ? '' : 'hit@1', miss.missing.length > 0 ? 'mention' : ''].filter(Boolean).join('+');
    const missing = miss.missing.length > 0 ? `  (lacks ${miss.missing.map((m) => JSON.stringify(m)).join(', ')})` : '';
    return `${what.padEnd(16)}${miss.expected.join('|').padEnd(26)}${(miss.cited || '∅').padEnd(26)}${miss.question}${missing}`;
  });
  return [header, '-'.repeat(header.length), ...(rows.length > 0 ? rows : ['(no misses)'])].join('\n');
}

async function runKb(args: string[]): Promise<void> {
  const options = parseKbOptions(args);
  const catalog = JSON.parse(readFileSync(CATALOG_FILE, 'utf8')) as Product[];
  const index = new KnowledgeIndex(JSON.parse(readFileSync(KNOWLEDGE_FILE, 'utf8')) as KnowledgeArticle[]);
  const answerer = createAnswerer({ knowledge: { index: () => Promise.resolve(index) }, catalog: () => Promise.resolve(catalog) });
  const rows: Array<{ example: KbExample; answer: { text: string; citations: string[] } }> = [];
  for (const example of readExamples(options.file, parseKbExample)) {
    const nlu = analyze(example.question, { catalog });
    const answer = await answerer.answer({ text: example.question, lang: nlu.lang, intent: nlu.intent, entities: { ...nlu.entities }, recommend: false });
    if (options.verbose) console.log(`${example.question}\n  → ${answer.text}\n  ${answer.citations.join(', ') || '∅'}`);
    rows.push({ example, answer });
  }
  const report = scoreKbAnswers(rows);
  console.log(formatMissTable(report));
  const { hitAt1, mustMention, n } = report;
  console.log(JSON.stringify({ hitAt1, mustMention, n }));
}

/** Subcommands by name. */
const SUBCOMMANDS: Record<string, (args: string[]) => void | Promise<void>> = {
  nlu: runNlu,
  kb: runKb,
};

const USAGE = `usage: npx tsx scripts/eval.ts nlu FILE.jsonl [--now YYYY-MM-DD] [--verbose]
       npx tsx scripts/eval.ts kb FILE.jsonl [--verbose]`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const subcommand = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!subcommand) {
    console.error(name === undefined ? USAGE : `unknown subcommand "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    await subcommand(args);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
