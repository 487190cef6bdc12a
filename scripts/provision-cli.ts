import { ProvisionError, provisionMongo, provisionTemporalCli, provisionTemporalTestServer } from './dev/provision';

/** `npm run provision`: fetch or build every binary the embedded stack needs, once, into the cache. */
async function main(): Promise<void> {
  const cacheDir = process.env.LOOPDESK_CACHE_DIR;
  const started = Date.now();
  const [temporal, testServer, mongo] = await Promise.all([
    process.env.TEMPORAL_ADDRESS ? undefined : provisionTemporalCli({ cacheDir }),
    provisionTemporalTestServer({ cacheDir }),
    process.env.MONGODB_URI ? undefined : provisionMongo({ cacheDir }),
  ]);
  console.log(`Provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  console.log(`  temporal              ${temporal ? `${temporal.path} (${temporal.route})` : `external: ${process.env.TEMPORAL_ADDRESS}`}`);
  console.log(`  temporal-test-server  ${testServer.path} (${testServer.route})`);
  console.log(`  database              ${mongo ? `${mongo.path} (${mongo.route})` : 'external: MONGODB_URI'}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ProvisionError ? error.message : error);
  process.exit(1);
});
