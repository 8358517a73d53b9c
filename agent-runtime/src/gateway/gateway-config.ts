import { hostname } from 'node:os';
import { ENV, GATEWAY_ENV, GATEWAY_PORT, HEALTH_PORT, METRICS_PORT } from '../contract';
import { ConfigError } from '../config/config-error';
import { Env, integer, keyPrefix, logLevel, required, url } from '../config/env-values';
import { LogLevel } from '../log/logger';

export interface GatewayConfig {
  readonly redisUrl: string;
  readonly redisPassword?: string;
  /** @default 'hive' */
  readonly keyPrefix: string;
  /** The A2A port. @default 8000 */
  readonly port: number;
  /** @default 8080 */
  readonly healthPort: number;
  /** @default 9090 */
  readonly metricsPort: number;
  /** Base URL written into the agent cards. @default http://localhost:<port> */
  readonly publicUrl: string;
  /** PostgreSQL URL of the task history; undefined: the embedded SQLite file. */
  readonly databaseUrl?: string;
  /** The embedded task history when DATABASE_URL is unset. @default ./hive-gateway.db */
  readonly sqlitePath: string;
  /** `<client> <sha256 hex>` lines. */
  readonly tokensFile: string;
  /** Days a finished task is kept. @default 30 */
  readonly retentionDays: number;
  /** Requests per second per client. @default 50 */
  readonly rateLimit: number;
  /** Unfinished tasks per client. @default 100 */
  readonly maxInFlight: number;
  /** Largest request body. @default 10 MiB */
  readonly maxBodyBytes: number;
  /** The caps of a task's budget: the agents' own defaults (HIVE_MAX_TURNS, HIVE_MAX_TOKENS). */
  readonly maxTurns: number;
  readonly maxTokens: number;
  /** How long results and progress events stay in Redis, as the agents keep them. @default 7 days */
  readonly resultTtlSeconds: number;
  /** This gateway's name in the results consumer group (POD_NAME, else the host name). */
  readonly consumer: string;
  /** @default 'info' */
  readonly logLevel: LogLevel;
}

/** Reads and validates the gateway's variables; the first problem throws a ConfigError naming the variable. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const port = integer(env, GATEWAY_ENV.port, GATEWAY_PORT, 0, 65535);
  const config: GatewayConfig = {
    redisUrl: url(env, ENV.redisUrl, ['redis:', 'rediss:'], required(env, ENV.redisUrl))!,
    redisPassword: env[ENV.redisPassword] || undefined,
    keyPrefix: keyPrefix(env),
    port,
    healthPort: integer(env, ENV.healthPort, HEALTH_PORT, 0, 65535),
    metricsPort: integer(env, ENV.metricsPort, METRICS_PORT, 0, 65535),
    publicUrl: (url(env, GATEWAY_ENV.publicUrl, ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: url(env, GATEWAY_ENV.databaseUrl, ['postgres:', 'postgresql:']),
    sqlitePath: env[GATEWAY_ENV.sqlitePath] || './hive-gateway.db',
    tokensFile: required(env, GATEWAY_ENV.tokensFile),
    retentionDays: integer(env, GATEWAY_ENV.retentionDays, 30, 1, 3650),
    rateLimit: integer(env, GATEWAY_ENV.rateLimit, 50, 1, 100_000),
    maxInFlight: integer(env, GATEWAY_ENV.maxInFlight, 100, 1, 1_000_000),
    maxBodyBytes: integer(env, GATEWAY_ENV.maxBodyBytes, 10 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxTurns: integer(env, ENV.maxTurns, 30, 1, 200),
    maxTokens: integer(env, ENV.maxTokens, 200_000, 1),
    resultTtlSeconds: integer(env, ENV.resultTtlSeconds, 7 * 24 * 3600, 60),
    consumer: env[ENV.podName] || hostname(),
    logLevel: logLevel(env),
  };
  const ports = [config.port, config.healthPort, config.metricsPort].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length) {
    throw new ConfigError(`Expected \`${GATEWAY_ENV.port}\`, \`${ENV.healthPort}\` and \`${ENV.metricsPort}\` to differ`);
  }
  return config;
}

/** The values that must never leave the process. */
export function gatewaySecrets(config: GatewayConfig): string[] {
  const dbPassword = config.databaseUrl ? decodeURIComponent(new URL(config.databaseUrl).password) : '';
  return [config.redisPassword ?? '', dbPassword].filter(Boolean);
}
