/**
 * `npm run -s bench -- NAME`: runs one benchmark (bench/NAME.ts), prints its human summary and then,
 * as the last line, one JSON object of its figures. Exits non-zero only when the benchmark itself
 * fails; a missed target is a figure, reported in the summary and the JSON.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchmarkResult {
  summary: string;
  figures: Record<string, unknown>;
}

/** Every bench/*.ts that is a benchmark, not part of the harness. */
const NOT_BENCHMARKS = new Set(['run', 'harness', 'system-child']);

function benchmarkNames(): string[] {
  return readdirSync(import.meta.dirname)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .filter((name) => !NOT_BENCHMARKS.has(name))
    .sort();
}

async function main(): Promise<number> {
  const names = benchmarkNames();
  const name = process.argv[2];
  if (!name || !names.includes(name)) {
    console.error(`${name ? `No benchmark named "${name}".` : 'Name a benchmark.'} Usage: npm run -s bench -- NAME, where NAME is one of: ${names.join(', ')}`);
    return 2;
  }
  const module = (await import(pathToFileURL(path.join(import.meta.dirname, `${name}.ts`)).href)) as { default?: () => Promise<BenchmarkResult> };
  if (typeof module.default !== 'function') {
    console.error(`bench/${name}.ts does not export a default async function run().`);
    return 2;
  }
  try {
    const result = await module.default();
    console.log(result.summary);
    console.log(JSON.stringify(result.figures));
    return 0;
  } catch (error) {
    console.error(`Benchmark ${name} failed:`, error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  }
}

// Ctrl-C or a timeout: exit through process.exit, so the supervisor's exit hook stops the servers this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// Exit explicitly: a benchmark's clients and timers must not keep the process alive once it has reported.
process.exit(await main());
