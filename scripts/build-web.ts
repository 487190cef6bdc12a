import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The web pages (shop with chat widget, agent workbench, supervisor view): sources and the build the API serves. */
export const webRoot = path.resolve(import.meta.dirname, '..', 'web');
export const webDist = path.join(webRoot, 'dist');
const builtIndex = path.join(webDist, 'index.html');
/** What the bundle is made from: the page sources, and the seed files the demo shop bundles (its catalog, the article titles). */
const sources = [
  path.join(webRoot, 'index.html'),
  path.join(webRoot, 'src'),
  path.join(webRoot, 'tsconfig.json'),
  path.resolve(webRoot, '..', 'seed'),
  fileURLToPath(import.meta.url),
];

function newestChange(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestChange(path.join(entry, name))), stat.mtimeMs);
}

/** True when there is no build yet or a source changed after it; a stat per source file, so cheap enough for every start. */
export function webBuildIsStale(): boolean {
  if (!existsSync(builtIndex)) return true;
  const builtAt = statSync(builtIndex).mtimeMs;
  return sources.some((source) => newestChange(source) > builtAt);
}

/** Bundles web/ into web/dist with Vite. Vite is loaded only here, so a start with an up-to-date build never pays for it. */
export async function buildWeb(opts: { quiet?: boolean } = {}): Promise<void> {
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  // Vite and the React plugin pick React's production build and JSX runtime from NODE_ENV, which the
  // caller may have set to something else (vitest sets "test"): production for the build, then back.
  const callerNodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: webRoot,
      configFile: false,
      mode: 'production',
      logLevel: opts.quiet ? 'warn' : 'info',
      plugins: [react()],
      build: { outDir: webDist, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    if (callerNodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = callerNodeEnv;
  }
}

/** Builds only when the sources are newer than the build; says whether it built. */
export async function ensureWebBuild(opts: { quiet?: boolean } = {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  await buildWeb(opts);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb().catch((error: unknown) => {
    console.error('The web build failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
