// Redis connections. bull needs its own connections (one of them blocking);
// the realtime bus needs a dedicated subscriber. createRedis hands out new ones.
import Redis, { RedisOptions } from 'ioredis';

export type { Redis };

export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, { lazyConnect: false, enableReadyCheck: true, ...opts });
}

export async function pingRedis(r: Redis): Promise<boolean> {
  try {
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  }
}
