import { AgentRole, AGENT_ROLES, DEFAULT_WORKSPACE_DIR, ENV, HEALTH_PORT, isAgentRole, METRICS_PORT } from '../contract';
import { ConfigError } from './config-error';

export interface RuntimeConfig {
  /** Which task stream this agent serves (HIVE_ROLE). */
  readonly role: AgentRole;
  /** Consumer name in the role's group; the pod name (POD_NAME). */
  readonly consumer: string;
  readonly redisUrl: string;
  /** Redis AUTH password, kept apart from the URL so the URL can be logged (REDIS_PASSWORD). */
  readonly redisPassword?: string;
  readonly anthropicApiKey: string;
  readonly anthropicModel: string;
  /** Messages API base URL. @default the SDK's (api.anthropic.com) */
  readonly anthropicBaseUrl?: string;
  /** @default '/app/workspace' */
  readonly workspaceDir: string;
  /** @default 8080 */
  readonly healthPort: number;
  /** @default 9090 */
  readonly metricsPort: number;
  /** Tasks in flight at once. @default 1 */
  readonly concurrency: number;
  /** A task not renewed for this long is taken over by a live agent. @default 60000 */
  readonly claimIdleMs: number;
  /** Deliveries after which a task is dead-lettered. @default 5 */
  readonly maxDeliveries: number;
  /** How long in-flight tasks may finish after SIGTERM. @default 30000 */
  readonly shutdownGraceMs: number;
  /** Model turns per task unless the task's budget says otherwise. @default 30 */
  readonly maxTurns: number;
  /** Input + output tokens per task unless the task's budget says otherwise. @default 200000 */
  readonly maxTokens: number;
  /** Approximate length kept of hive:results and the dead-letter streams (meta trims). @default 100000 */
  readonly streamMaxLength: number;
  /** Event-loop stall beyond which /healthz fails. @default 5000 */
  readonly eventLoopBlockMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`Expected \`${name}\` to be set`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${raw}\``);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[], value = env[name]): string | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`Expected \`${name}\` to be a URL, got \`${redactUrl(value)}\``);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`Expected \`${name}\` to use ${protocols.join(' or ')}, got \`${parsed.protocol}\``);
  }
  return value;
}

/** The values that must never leave the process: logs and results redact them. */
export function configSecrets(config: RuntimeConfig): string[] {
  return [config.anthropicApiKey, config.redisPassword ?? ''].filter(Boolean);
}

/** A URL with any password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/**
 * Reads and validates every variable before anything connects. The first
 * problem throws a ConfigError whose message names the variable; the API key
 * never appears in a message.
 */
export function loadConfig(env: Env): RuntimeConfig {
  const role = required(env, ENV.role);
  if (!isAgentRole(role)) throw new ConfigError(`Expected \`${ENV.role}\` to be one of ${AGENT_ROLES.join(', ')}, got \`${role}\``);
  const consumer = required(env, ENV.podName);
  if (!/^[\w.-]{1,253}$/.test(consumer)) throw new ConfigError(`Expected \`${ENV.podName}\` to be a pod name, got \`${consumer}\``);
  const redisUrl = url(env, ENV.redisUrl, ['redis:', 'rediss:'], required(env, ENV.redisUrl))!;
  const anthropicApiKey = required(env, ENV.anthropicApiKey);
  const config: RuntimeConfig = {
    role,
    consumer,
    redisUrl,
    redisPassword: env[ENV.redisPassword] || undefined,
    anthropicApiKey,
    anthropicModel: required(env, ENV.anthropicModel),
    anthropicBaseUrl: url(env, ENV.anthropicBaseUrl, ['http:', 'https:']),
    workspaceDir: env[ENV.workspaceDir] || DEFAULT_WORKSPACE_DIR,
    healthPort: integer(env, ENV.healthPort, HEALTH_PORT, 0, 65535),
    metricsPort: integer(env, ENV.metricsPort, METRICS_PORT, 0, 65535),
    concurrency: integer(env, ENV.concurrency, 1, 1, 64),
    claimIdleMs: integer(env, ENV.claimIdleMs, 60_000, 100),
    maxDeliveries: integer(env, ENV.maxDeliveries, 5, 1, 100),
    shutdownGraceMs: integer(env, ENV.shutdownGraceMs, 30_000, 0),
    maxTurns: integer(env, ENV.maxTurns, 30, 1, 200),
    maxTokens: integer(env, ENV.maxTokens, 200_000, 1),
    streamMaxLength: integer(env, ENV.streamMaxLength, 100_000, 100),
    eventLoopBlockMs: integer(env, ENV.eventLoopBlockMs, 5_000, 100),
  };
  if (!config.workspaceDir.startsWith('/')) {
    throw new ConfigError(`Expected \`${ENV.workspaceDir}\` to be an absolute path, got \`${config.workspaceDir}\``);
  }
  if (config.healthPort !== 0 && config.healthPort === config.metricsPort) {
    throw new ConfigError(`Expected \`${ENV.healthPort}\` and \`${ENV.metricsPort}\` to differ, both are ${config.healthPort}`);
  }
  return config;
}
