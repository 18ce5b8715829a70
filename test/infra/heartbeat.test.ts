// A supervisor sees a dead worker in /metrics: each worker beats in Redis,
// and the gauge counts the ones heard within three beats.
import { startGateway, Gateway, eventually } from '../helpers/gateway';
import { startWorker } from '../../src/outbound/worker';

describe('worker heartbeats in /metrics', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('heartbeat', { worker: false, env: { WORKER_HEARTBEAT_MS: '100' } });
  });
  afterAll(async () => {
    await gw.close();
  });

  const alive = async () => {
    const res = await gw.http.get('/metrics').expect(200);
    return Number(/^switchboard_workers_alive (\d+)$/m.exec(res.text)?.[1]);
  };

  it('when a worker runs, then it counts; one killed (its beats just stop) drops out within three beats; /readyz stays 200', async () => {
    expect(await alive()).toBe(0);
    const worker = startWorker(gw.infra, gw.services);
    await eventually(async () => ((await alive()) === 1 ? true : undefined));
    // Another worker beat once and was killed with SIGKILL: nobody takes its beat back.
    await gw.infra.redis.zadd(gw.infra.store.redisKeys.workers(), Date.now(), 'killed-worker');
    expect(await alive()).toBe(2);
    await eventually(async () => ((await alive()) === 1 ? true : undefined), 2000);
    await gw.http.get('/readyz').expect(200);
    await worker.stop();
    expect(await alive()).toBe(0);
  });
});
