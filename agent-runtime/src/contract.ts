/**
 * The names that the runtime, the manifests and the monitoring must share
 * (../shared/DESIGN.md). The infrastructure code imports this module, so a
 * rename here reaches the Deployments, alerts and autoscalers in one step.
 */

export const AGENT_ROLES = ['architect', 'developer', 'qa', 'meta'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** Roles that scale with work; meta is the coordination singleton. */
export const SCALABLE_ROLES = ['architect', 'developer', 'qa'] as const satisfies readonly AgentRole[];
export type ScalableRole = (typeof SCALABLE_ROLES)[number];

export function isAgentRole(value: string): value is AgentRole {
  return (AGENT_ROLES as readonly string[]).includes(value);
}

export const HEALTH_PORT = 8080;
export const METRICS_PORT = 9090;
export const HEALTH_PATHS = { liveness: '/healthz', readiness: '/readyz' } as const;
export const METRICS_PATH = '/metrics';
export const DEFAULT_WORKSPACE_DIR = '/app/workspace';

/** Every environment variable the runtime reads. */
export const ENV = {
  role: 'HIVE_ROLE',
  redisUrl: 'REDIS_URL',
  redisPassword: 'REDIS_PASSWORD',
  anthropicApiKey: 'ANTHROPIC_API_KEY',
  anthropicModel: 'ANTHROPIC_MODEL',
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
  workspaceDir: 'HIVE_WORKSPACE_DIR',
  healthPort: 'HIVE_HEALTH_PORT',
  metricsPort: 'HIVE_METRICS_PORT',
  concurrency: 'HIVE_CONCURRENCY',
  claimIdleMs: 'HIVE_CLAIM_IDLE_MS',
  maxDeliveries: 'HIVE_MAX_DELIVERIES',
  shutdownGraceMs: 'HIVE_SHUTDOWN_GRACE_MS',
  maxTurns: 'HIVE_MAX_TURNS',
  maxTokens: 'HIVE_MAX_TOKENS',
  streamMaxLength: 'HIVE_STREAM_MAX_LENGTH',
  eventLoopBlockMs: 'HIVE_EVENT_LOOP_BLOCK_MS',
  podName: 'POD_NAME',
} as const;

/** Variables without which the runtime refuses to start. */
export const REQUIRED_ENV: readonly string[] = [ENV.role, ENV.redisUrl, ENV.anthropicApiKey, ENV.anthropicModel, ENV.podName];

export const STREAMS = {
  tasks: (role: AgentRole) => `hive:tasks:${role}`,
  deadLetters: (role: AgentRole) => `hive:dlq:${role}`,
  results: 'hive:results',
  /** The consumer group of a role's task stream is named after the role. */
  group: (role: AgentRole) => role,
} as const;

/** Metric names are the contract; alerts, dashboard and autoscalers use only these. */
export const METRICS = {
  agentReady: 'hive_agent_ready',
  agentSpawnSeconds: 'hive_agent_spawn_seconds',
  dispatchLatencySeconds: 'hive_task_dispatch_latency_seconds',
  taskDurationSeconds: 'hive_task_duration_seconds',
  tasksTotal: 'hive_tasks_total',
  tasksInFlight: 'hive_tasks_in_flight',
  agentCapacity: 'hive_agent_capacity',
  queueBacklog: 'hive_queue_backlog',
  llmRequestsTotal: 'hive_llm_requests_total',
  llmRequestDurationSeconds: 'hive_llm_request_duration_seconds',
  llmTokensTotal: 'hive_llm_tokens_total',
  deadLettersTotal: 'hive_dead_letters_total',
} as const;

/** Outcomes of a task, as the `outcome` label of task metrics and the `status` of a result. */
export const TASK_OUTCOMES = ['succeeded', 'failed'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];
