import Redis, { RedisOptions } from 'ioredis';

/** The two connections an agent holds. */
export interface RedisConnections {
  /** Commands and transactions; waits for a reconnect rather than failing, so no result is dropped. */
  readonly commands: Redis;
  /** Blocking reads only; fails fast while disconnected and never re-sends a read after a reconnect. */
  readonly blocking: Redis;
}

export interface RedisConnectionOptions {
  readonly url: string;
  readonly password?: string;
  readonly name: string;
}

export function createRedisConnections(options: RedisConnectionOptions): RedisConnections {
  const common: RedisOptions = {
    password: options.password,
    connectionName: options.name,
    lazyConnect: true,
    connectTimeout: 5_000,
    // Reconnect forever, quickly at first: a Redis restart should cost seconds, not minutes.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  };
  return {
    commands: new Redis(options.url, { ...common, maxRetriesPerRequest: null }),
    blocking: new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A blocking read re-sent after a reconnect would take entries nobody waits for.
      autoResendUnfulfilledCommands: false,
    }),
  };
}
