import { hostname } from 'node:os';
import { AGENT_ROLES, AgentRole, BRIDGE_ENV, ENV, HEALTH_PORT, isAgentRole, METRICS_PORT } from '../contract';
import { ConfigError } from '../config/config-error';
import { Env, integer, keyPrefix, logLevel, required, url } from '../config/env-values';
import { LogLevel } from '../log/logger';
import { hashTagOf } from '../queue/hash-tag';

export interface BridgeConfig {
  readonly redisUrl: string;
  readonly redisPassword?: string;
  /** @default 'hive' */
  readonly keyPrefix: string;
  /** The list the old producers LPUSH to (HIVE_BRIDGE_SOURCE). */
  readonly source: string;
  /** The old workers' list (HIVE_LEGACY_LIST); unset: weights with a legacy share are not applied. */
  readonly legacyList?: string;
  /** The role whose weights route the source's entries (HIVE_BRIDGE_ROLE). */
  readonly role: AgentRole;
  /** @default 8080 */
  readonly healthPort: number;
  /** @default 9090 */
  readonly metricsPort: number;
  /** Its name on the Redis connections (POD_NAME, else the host name). */
  readonly consumer: string;
  /** @default 'info' */
  readonly logLevel: LogLevel;
}

/** A Redis key the old system names: anything but empty or blank. */
function listName(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.trim() !== value || /\s/.test(value)) throw new ConfigError(`Expected \`${name}\` to be a Redis key without spaces, got \`${value}\``);
  return value;
}

/** Reads and validates the bridge's variables; the first problem throws a ConfigError naming the variable. */
export function loadBridgeConfig(env: Env): BridgeConfig {
  const role = required(env, BRIDGE_ENV.role);
  if (!isAgentRole(role)) throw new ConfigError(`Expected \`${BRIDGE_ENV.role}\` to be one of ${AGENT_ROLES.join(', ')}, got \`${role}\``);
  required(env, BRIDGE_ENV.source);
  const config: BridgeConfig = {
    redisUrl: url(env, ENV.redisUrl, ['redis:', 'rediss:'], required(env, ENV.redisUrl))!,
    redisPassword: env[ENV.redisPassword] || undefined,
    keyPrefix: keyPrefix(env),
    source: listName(env, BRIDGE_ENV.source)!,
    legacyList: listName(env, BRIDGE_ENV.legacyList),
    role,
    healthPort: integer(env, ENV.healthPort, HEALTH_PORT, 0, 65535),
    metricsPort: integer(env, ENV.metricsPort, METRICS_PORT, 0, 65535),
    consumer: env[ENV.podName] || hostname(),
    logLevel: logLevel(env),
  };
  // Routing to the old workers would put the entry back where the bridge takes it from: a loop.
  if (config.source === config.legacyList) throw new ConfigError(`Expected \`${BRIDGE_ENV.source}\` to differ from \`${BRIDGE_ENV.legacyList}\`, both are \`${config.source}\``);
  // The bridge's scripts touch these lists together with the prefix's keys: in Redis Cluster they must share its slot.
  const tag = hashTagOf(config.keyPrefix);
  if (tag !== undefined) {
    for (const [name, list] of [[BRIDGE_ENV.source, config.source], [BRIDGE_ENV.legacyList, config.legacyList]] as const) {
      if (list !== undefined && hashTagOf(list) !== tag) {
        throw new ConfigError(`Expected \`${name}\` to share the hash tag of \`${ENV.keyPrefix}\` ({${tag}}), so the bridge's scripts can touch it in Redis Cluster, got \`${list}\`: e.g. \`{${tag}}:${list.replace(/[{}]/g, '')}\``);
      }
    }
  }
  if (config.healthPort !== 0 && config.healthPort === config.metricsPort) {
    throw new ConfigError(`Expected \`${ENV.healthPort}\` and \`${ENV.metricsPort}\` to differ, both are ${config.healthPort}`);
  }
  return config;
}
