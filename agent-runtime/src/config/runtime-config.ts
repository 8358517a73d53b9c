import { AgentRole, AGENT_ROLES, DEFAULT_WORKSPACE_DIR, ENV, HEALTH_PORT, isAgentRole, METRICS_PORT, SANDBOX_LIMIT_BOUNDS, STABLE_TRACK, trackNameProblem } from '../contract';
import { LogLevel } from '../log/logger';
import { ConfigError } from './config-error';
import { parseFleetTracks, RoleTrack } from './fleet-tracks';
import { Env, integer, keyPrefix, logLevel, required, url } from './env-values';

export { redactUrl } from './env-values';

export interface RuntimeConfig {
  /** Which task stream this agent serves (HIVE_ROLE). */
  readonly role: AgentRole;
  /** Which of the role's tracks this agent serves (HIVE_TRACK). @default 'stable' */
  readonly track: string;
  /** The fleet's tracks other than stable, whose streams meta housekeeps (HIVE_FLEET_TRACKS). @default none */
  readonly fleetTracks: readonly RoleTrack[];
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
  /** Start of every Redis key; `{hive}` keeps all keys in one Redis Cluster slot. @default 'hive' */
  readonly keyPrefix: string;
  /** Largest checkpoint stored; a larger one is skipped (the task resumes from an earlier one). @default 8 MiB */
  readonly checkpointMaxBytes: number;
  /** How long a result stays readable by task id, and a re-submitted id stays done. @default 7 days */
  readonly resultTtlSeconds: number;
  /** Consecutive Messages-API outages (after the SDK's retries) that open the role's circuit breaker. @default 3 */
  readonly breakerFailures: number;
  /** First open period of the breaker; doubles after each failed probe. @default 5000 */
  readonly breakerOpenMs: number;
  /** Longest open period of the breaker. @default 300000 */
  readonly breakerMaxOpenMs: number;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  /** The sandbox sidecar's socket; set: `run_command` and repositories are enabled (HIVE_SANDBOX_SOCKET). */
  readonly sandboxSocket?: string;
  /** Limits of the commands a task runs and of what its result carries. */
  readonly commandLimits: CommandLimits;
  /** HTTPS token for clones (HIVE_GIT_TOKEN). */
  readonly gitToken?: string;
  /** HTTPS token for pushes (HIVE_GIT_PUSH_TOKEN); without it no task may push. */
  readonly gitPushToken?: string;
  /**
   * `host[:port]` the git tokens are for (HIVE_GIT_HOST), lowercase; a task
   * whose repository is elsewhere gets no token. Unset: no token is ever sent.
   */
  readonly gitHost?: string;
}

/** Per-task limits of `run_command` and of the patch (README: "Agents that run code"). */
export interface CommandLimits {
  /** Commands per task (HIVE_MAX_COMMANDS). @default 50 */
  readonly maxCommands: number;
  /** Seconds of commands per task, in all (HIVE_MAX_COMMAND_SECONDS). @default 900 */
  readonly maxCommandSeconds: number;
  /** Seconds one command may run (HIVE_COMMAND_TIMEOUT_SECONDS). @default 300 */
  readonly commandTimeoutSeconds: number;
  /** Bytes of stdout, and of stderr, returned per command (HIVE_COMMAND_OUTPUT_BYTES). @default 32768 */
  readonly commandOutputBytes: number;
  /** Largest patch a result carries (HIVE_MAX_PATCH_BYTES). @default 1 MiB */
  readonly maxPatchBytes: number;
}

/** HIVE_GIT_HOST: compared with the host of a repository's URL, so it is a host name or address and an optional port, nothing else. */
function gitHost(env: Env): string | undefined {
  const raw = env[ENV.gitHost];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/i.test(raw)) {
    throw new ConfigError(`Expected \`${ENV.gitHost}\` to be host[:port] of the git host, such as github.com or git.internal:8443, got \`${raw}\``);
  }
  return raw.toLowerCase();
}

/** One of the sandbox limits, within the range the environment schema shares. */
function limit(env: Env, name: keyof typeof SANDBOX_LIMIT_BOUNDS, fallback: number): number {
  const { min, max } = SANDBOX_LIMIT_BOUNDS[name];
  return integer(env, ENV[name], fallback, min, max);
}

/** The values that must never leave the process: logs and results redact them. */
export function configSecrets(config: RuntimeConfig): string[] {
  return [config.anthropicApiKey, config.redisPassword ?? '', config.gitToken ?? '', config.gitPushToken ?? ''].filter(Boolean);
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
  const track = env[ENV.track] || STABLE_TRACK;
  const trackProblem = trackNameProblem(track);
  if (trackProblem) throw new ConfigError(`Expected \`${ENV.track}\` to name a track: ${trackProblem}`);
  if (role === 'meta' && track !== STABLE_TRACK) throw new ConfigError(`Expected no \`${ENV.track}\` for meta, the coordination singleton, got \`${track}\``);
  const anthropicApiKey = required(env, ENV.anthropicApiKey);
  const config: RuntimeConfig = {
    role,
    track,
    fleetTracks: parseFleetTracks(env[ENV.fleetTracks]),
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
    keyPrefix: keyPrefix(env),
    checkpointMaxBytes: integer(env, ENV.checkpointMaxBytes, 8 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    resultTtlSeconds: integer(env, ENV.resultTtlSeconds, 7 * 24 * 3600, 60),
    breakerFailures: integer(env, ENV.breakerFailures, 3, 1, 1000),
    breakerOpenMs: integer(env, ENV.breakerOpenMs, 5_000, 10),
    breakerMaxOpenMs: integer(env, ENV.breakerMaxOpenMs, 300_000, 10),
    logLevel: logLevel(env),
    sandboxSocket: env[ENV.sandboxSocket] || undefined,
    commandLimits: {
      maxCommands: limit(env, 'maxCommands', 50),
      maxCommandSeconds: limit(env, 'maxCommandSeconds', 900),
      commandTimeoutSeconds: limit(env, 'commandTimeoutSeconds', 300),
      commandOutputBytes: limit(env, 'commandOutputBytes', 32 * 1024),
      maxPatchBytes: limit(env, 'maxPatchBytes', 1024 * 1024),
    },
    gitToken: env[ENV.gitToken] || undefined,
    gitPushToken: env[ENV.gitPushToken] || undefined,
    gitHost: gitHost(env),
  };
  if (config.sandboxSocket !== undefined && !config.sandboxSocket.startsWith('/')) {
    throw new ConfigError(`Expected \`${ENV.sandboxSocket}\` to be an absolute path, got \`${config.sandboxSocket}\``);
  }
  // Tasks of one agent share the sandbox's uid: a command could read another task's directory and its git token in flight.
  if (config.sandboxSocket !== undefined && config.concurrency > 1) {
    throw new ConfigError(`Expected \`${ENV.concurrency}\` to be 1 with \`${ENV.sandboxSocket}\` set (one task per sandbox), got \`${config.concurrency}\``);
  }
  if (config.breakerMaxOpenMs < config.breakerOpenMs) {
    throw new ConfigError(`Expected \`${ENV.breakerMaxOpenMs}\` (${config.breakerMaxOpenMs}) to be >= \`${ENV.breakerOpenMs}\` (${config.breakerOpenMs})`);
  }
  if (!config.workspaceDir.startsWith('/')) {
    throw new ConfigError(`Expected \`${ENV.workspaceDir}\` to be an absolute path, got \`${config.workspaceDir}\``);
  }
  if (config.healthPort !== 0 && config.healthPort === config.metricsPort) {
    throw new ConfigError(`Expected \`${ENV.healthPort}\` and \`${ENV.metricsPort}\` to differ, both are ${config.healthPort}`);
  }
  return config;
}
