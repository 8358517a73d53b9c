import { ConfigError } from '../config/config-error';
import { keyPrefix, redactUrl, required, url } from '../config/env-values';
import { ENV, HiveKeys, hiveKeys } from '../contract';
import { createRedisConnections, detectClusterMode, RedisClient } from '../queue/redis-connections';
import { CliError, EXIT } from './exit-codes';

/** The fleet's Redis, for commands that work on it directly (`hive rollout`). */
export interface FleetRedis {
  readonly redis: RedisClient;
  readonly keys: HiveKeys;
  close(): Promise<void>;
}

/** How long a command waits for Redis to answer at first. */
const CONNECT_DEADLINE_MS = 10_000;

/** Connects as the runtime does (REDIS_URL, REDIS_PASSWORD, HIVE_KEY_PREFIX; standalone or Cluster), or says why not. */
export async function connectFleetRedis(env: NodeJS.ProcessEnv): Promise<FleetRedis> {
  let options;
  try {
    options = { url: url(env, ENV.redisUrl, ['redis:', 'rediss:'], required(env, ENV.redisUrl))!, password: env[ENV.redisPassword] || undefined, name: 'hive-cli', keyPrefix: keyPrefix(env) };
  } catch (error) {
    throw new CliError((error as ConfigError).message, EXIT.usage);
  }
  let cluster: boolean;
  try {
    cluster = await detectClusterMode(options, AbortSignal.timeout(CONNECT_DEADLINE_MS));
  } catch {
    throw new CliError(`cannot reach Redis at ${redactUrl(options.url)} within ${CONNECT_DEADLINE_MS / 1000} s`, EXIT.unavailable);
  }
  const { commands } = createRedisConnections(options, cluster);
  commands.on('error', () => undefined);
  await commands.connect();
  return { redis: commands, keys: hiveKeys(options.keyPrefix), close: async () => void (await commands.quit().catch(() => commands.disconnect())) };
}
