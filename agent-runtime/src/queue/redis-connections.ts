import Redis, { Cluster, RedisOptions } from 'ioredis';
import { hashTagOf } from './hash-tag';
import { RedisModeError } from './redis-mode-error';

/** A standalone Redis or a Redis Cluster; the runtime uses both the same way. */
export type RedisClient = Redis | Cluster;

/** The two connections an agent holds. */
export interface RedisConnections {
  /** Commands and scripts; waits for a reconnect rather than failing, so no result is dropped. */
  readonly commands: RedisClient;
  /** Blocking reads only; fails fast while disconnected and never re-sends a read after a reconnect. */
  readonly blocking: RedisClient;
  /** Whether Redis runs in cluster mode (then every key shares the prefix's hash tag). */
  readonly cluster: boolean;
}

export interface RedisConnectionOptions {
  readonly url: string;
  readonly password?: string;
  readonly name: string;
  /** The key prefix; in cluster mode it must hold a hash tag such as `{hive}`. */
  readonly keyPrefix: string;
}

function commonOptions(options: RedisConnectionOptions): RedisOptions {
  return {
    password: options.password,
    connectionName: options.name,
    connectTimeout: 5_000,
    // Reconnect forever, quickly at first: a Redis restart should cost seconds, not minutes.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    // After a managed Redis fails over, the old primary answers READONLY: reconnect (DNS moves) and re-send.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
}

/** The blocking connection must not re-send a read after a reconnect: it would take entries nobody waits for. */
const BLOCKING: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false };

/**
 * Asks the server whether it runs in cluster mode, waiting (abortably) for it to
 * be reachable: an agent may start before Redis does.
 */
export async function detectClusterMode(options: RedisConnectionOptions, signal: AbortSignal): Promise<boolean> {
  // The command waits in the offline queue through every reconnect attempt until Redis answers.
  const probe = new Redis(options.url, { ...commonOptions(options), maxRetriesPerRequest: null });
  probe.on('error', () => undefined);
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('closed before Redis was reached')), { once: true }));
  try {
    const info = await Promise.race([probe.info('cluster'), aborted]);
    return /cluster_enabled:1/.test(info);
  } finally {
    probe.disconnect();
  }
}

/**
 * Opens the agent's connections. In cluster mode every key of the runtime must
 * land in one slot (scripts and transactions touch several keys), so a prefix
 * without a hash tag is refused with a message that says what to set.
 */
export function createRedisConnections(options: RedisConnectionOptions, cluster: boolean): RedisConnections {
  const common = commonOptions(options);
  if (!cluster) {
    return {
      cluster,
      commands: new Redis(options.url, { ...common, lazyConnect: true, maxRetriesPerRequest: null }),
      blocking: new Redis(options.url, { ...common, ...BLOCKING, lazyConnect: true }),
    };
  }
  if (hashTagOf(options.keyPrefix) === undefined) throw new RedisModeError(options.keyPrefix);
  const url = new URL(options.url);
  const seed = [{ host: url.hostname, port: Number(url.port || 6379) }];
  const redisOptions: RedisOptions = {
    ...common,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: options.password ?? (url.password ? decodeURIComponent(url.password) : undefined),
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
  const clusterOptions = { lazyConnect: true, clusterRetryStrategy: common.retryStrategy, slotsRefreshTimeout: 2_000 };
  return {
    cluster,
    commands: new Cluster(seed, { ...clusterOptions, redisOptions: { ...redisOptions, maxRetriesPerRequest: null } }),
    blocking: new Cluster(seed, { ...clusterOptions, enableOfflineQueue: false, redisOptions: { ...redisOptions, ...BLOCKING } }),
  };
}
