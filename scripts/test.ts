// `npm test`: makes sure the local store and Redis run (unless MONGODB_URI /
// REDIS_URL are set), then runs jest against them. Each test file creates
// its own database and queue prefix, so runs never see each other's data.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureLocalServices } from './local-services';

async function main(): Promise<void> {
  const { mongoUri, redisUrl } = await ensureLocalServices();
  const jest = path.resolve(__dirname, '..', 'node_modules', '.bin', 'jest');
  const r = spawnSync(jest, process.argv.slice(2), {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test', TEST_MONGODB_URI: mongoUri, TEST_REDIS_URL: redisUrl },
  });
  process.exit(r.status ?? 1);
}

main().catch((err: Error) => {
  console.error(`npm test: ${err.message}`);
  process.exit(1);
});
