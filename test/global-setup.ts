import { rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { projectRoot, provisionTemporalTestServer } from '../scripts/dev/provision';
import { startStack } from '../scripts/dev/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mongoUri: string;
    temporalTestServerPath: string;
  }
}

/**
 * One real Temporal dev server and one real MongoDB-compatible database for the whole run, on free
 * loopback ports, provisioned the same way `npm start` does (set TEMPORAL_ADDRESS / MONGODB_URI to
 * test against external ones instead).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = path.join(projectRoot, '.data', `test-${process.pid}`);
  const [stack, testServer] = await Promise.all([
    startStack({
      dataDir,
      cacheDir: process.env.LOOPDESK_CACHE_DIR,
      temporalAddress: process.env.TEMPORAL_ADDRESS,
      mongoUri: process.env.MONGODB_URI,
      temporalPort: 0,
      temporalUiPort: 0,
      mongoPort: 0,
      namespace: 'default',
      ui: false,
    }),
    provisionTemporalTestServer({ cacheDir: process.env.LOOPDESK_CACHE_DIR }),
  ]);
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('mongoUri', stack.mongoUri);
  project.provide('temporalTestServerPath', testServer.path);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
