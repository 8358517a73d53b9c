/**
 * The names that the runtime, the manifests and the monitoring must share
 * (README: "The result contract", "How a task flows"). The infrastructure code imports this module, so a
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
  /** The role's track this agent serves; unset: the stable track. */
  track: 'HIVE_TRACK',
  /** The fleet's tracks other than stable, `<role>:<track>` separated by commas: meta housekeeps their streams too. */
  fleetTracks: 'HIVE_FLEET_TRACKS',
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
  keyPrefix: 'HIVE_KEY_PREFIX',
  checkpointMaxBytes: 'HIVE_CHECKPOINT_MAX_BYTES',
  resultTtlSeconds: 'HIVE_RESULT_TTL_SECONDS',
  breakerFailures: 'HIVE_LLM_BREAKER_FAILURES',
  breakerOpenMs: 'HIVE_LLM_BREAKER_OPEN_MS',
  breakerMaxOpenMs: 'HIVE_LLM_BREAKER_MAX_OPEN_MS',
  logLevel: 'HIVE_LOG_LEVEL',
  podName: 'POD_NAME',
  /** The sandbox sidecar's Unix socket; set: the agent offers `run_command` and takes repositories (README: "Agents that run code"). */
  sandboxSocket: 'HIVE_SANDBOX_SOCKET',
  /** Commands per task. */
  maxCommands: 'HIVE_MAX_COMMANDS',
  /** Seconds of commands per task, in all. */
  maxCommandSeconds: 'HIVE_MAX_COMMAND_SECONDS',
  /** Seconds one command may run before its process group is killed. */
  commandTimeoutSeconds: 'HIVE_COMMAND_TIMEOUT_SECONDS',
  /** Bytes of stdout, and of stderr, a command returns to the model. */
  commandOutputBytes: 'HIVE_COMMAND_OUTPUT_BYTES',
  /** Largest patch a result carries; a larger one is reported, not cut. */
  maxPatchBytes: 'HIVE_MAX_PATCH_BYTES',
  /** HTTPS token for clones (from a Secret, optional); only the clone's git process sees it. */
  gitToken: 'HIVE_GIT_TOKEN',
  /** HTTPS token for pushes (from a Secret, optional); without it a task's `push` fails with the reason. */
  gitPushToken: 'HIVE_GIT_PUSH_TOKEN',
  /** `host[:port]` of the git host the tokens are for; unset: no token is ever sent, whatever the repository's URL. */
  gitHost: 'HIVE_GIT_HOST',
} as const;

/**
 * Ranges of the per-task sandbox limits (README: "Agents that run code"). The
 * runtime refuses a value outside them at start and the environment schema at
 * synth, so a limit the schema takes never stops an agent. The sandbox
 * protocol takes the per-request values up to the same upper bounds.
 */
export const SANDBOX_LIMIT_BOUNDS = {
  maxCommands: { min: 1, max: 10_000 },
  maxCommandSeconds: { min: 1, max: 24 * 3600 },
  commandTimeoutSeconds: { min: 1, max: 6 * 3600 },
  commandOutputBytes: { min: 256, max: 64 * 1024 * 1024 },
  maxPatchBytes: { min: 1024, max: 64 * 1024 * 1024 },
} as const satisfies Record<string, { min: number; max: number }>;

/** Variables only the sandbox sidecar reads, beyond HIVE_SANDBOX_SOCKET, HIVE_WORKSPACE_DIR and HIVE_LOG_LEVEL. */
export const SANDBOX_ENV = {
  /** Processes the sandbox's user may have while a command runs (RLIMIT_NPROC): what stops a fork bomb. */
  maxProcesses: 'HIVE_SANDBOX_MAX_PROCESSES',
  /** Optional CA bundle for the git host's certificate (an internal CA), handed to the sandbox's own git steps. */
  gitCaFile: 'GIT_SSL_CAINFO',
} as const;

/** Variables without which the runtime refuses to start. */
export const REQUIRED_ENV: readonly string[] = [ENV.role, ENV.redisUrl, ENV.anthropicApiKey, ENV.anthropicModel, ENV.podName];

/** Every key starts with this unless HIVE_KEY_PREFIX says otherwise; `{hive}` puts all keys in one Redis Cluster slot. */
export const DEFAULT_KEY_PREFIX = 'hive';

/**
 * Tracks split a role's work between versions (README: "Tracks and routing").
 * The stable track keeps the role's original stream, so a fleet without
 * tracks is unchanged.
 */
export const STABLE_TRACK = 'stable';
/**
 * The old system's queue (HIVE_LEGACY_LIST) as a track: weights may route to
 * it, but no agent serves it, so no agent may name it in HIVE_TRACK.
 */
export const LEGACY_TRACK = 'legacy';
const TRACK_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Why `name` cannot name a track that agents serve, or undefined if it can. */
export function trackNameProblem(name: string): string | undefined {
  if (name === LEGACY_TRACK) return `the track name \`${LEGACY_TRACK}\` is reserved`;
  return routedTrackProblem(name);
}

/** Why `name` cannot be a destination of the weights (a served track or `legacy`), or undefined if it can. */
export function routedTrackProblem(name: string): string | undefined {
  return TRACK_NAME.test(name) ? undefined : `a track name is 1-31 lowercase letters, digits or '-', starting with a letter, got \`${name}\``;
}

/**
 * Which tracks a producer routes to: `all` (the legacy track included, the
 * bridge) or `fleet` (the fleet's own tracks, the gateway). Each scope counts
 * and records its placements apart, so each one's split is exact.
 */
export type RoutingScope = 'all' | 'fleet';

/** The consumer group of a role's task stream (of every track) is named after the role. */
export const consumerGroup = (role: AgentRole): string => role;

/** Redis key names under one prefix; everything the runtime, the producers and the tests touch. */
export function hiveKeys(prefix: string = DEFAULT_KEY_PREFIX) {
  return {
    prefix,
    tasks: (role: AgentRole, track: string = STABLE_TRACK) => (track === STABLE_TRACK ? `${prefix}:tasks:${role}` : `${prefix}:tasks:${role}:${track}`),
    /** A hash of track -> percent of the role's new tasks; absent: all go to the stable track. */
    trackWeights: (role: AgentRole) => `${prefix}:rollout:${role}:weights`,
    /** A hash: the role's latest rollout (plan, status, step, times, gate results), written by `hive rollout`. */
    rolloutState: (role: AgentRole) => `${prefix}:rollout:${role}:state`,
    /** The role's count of placed tasks, per routing scope: the n of the next placement (README: "Tracks and routing"). */
    routeSequence: (role: AgentRole, scope: RoutingScope) => `${prefix}:rollout:${role}:sequence:${scope}`,
    /** The track a task id was placed on (by the bridge, whose ids may come again), kept a while so a re-sent id lands there again. */
    routeRecord: (role: AgentRole, taskId: string) => `${prefix}:route:${role}:${taskId}`,
    /** Held (with an expiry the running rollout renews) while a `hive rollout` of the role runs. */
    rolloutLock: (role: AgentRole) => `${prefix}:rollout:${role}:lock`,
    /** Entries the bridge took from its source list and has not routed yet (recovered at its start). */
    bridgeProcessing: (role: AgentRole) => `${prefix}:bridge:${role}:processing`,
    /** Source-list entries the bridge could not read as a task, each with the reason (JSON lines). */
    bridgeRejected: (role: AgentRole) => `${prefix}:bridge:${role}:rejected`,
    deadLetters: (role: AgentRole) => `${prefix}:dlq:${role}`,
    results: `${prefix}:results`,
    /** A hash holding the one result of a task (and the id of its results-stream entry); its existence means "done". */
    result: (taskId: string) => `${prefix}:result:${taskId}`,
    /** The conversation and files of an unfinished task after its last completed turn. */
    checkpoint: (taskId: string) => `${prefix}:checkpoint:${taskId}`,
    /**
     * A track's Messages-API circuit breaker, shared by the agents of the role on that track: a new
     * track's model failing must not stall the stable one. Stable keeps the role's key of before tracks.
     */
    breaker: (role: AgentRole, track: string = STABLE_TRACK) => (track === STABLE_TRACK ? `${prefix}:breaker:${role}` : `${prefix}:breaker:${role}:${track}`),
    /** A task's progress events (one entry per turn), which the gateway streams to its client. */
    events: (taskId: string) => `${prefix}:events:${taskId}`,
    /** Exists while a cancel of the task is asked for; the agent stops at its next turn boundary. */
    cancel: (taskId: string) => `${prefix}:cancel:${taskId}`,
    /** The ids of a gateway client's unfinished tasks, for its in-flight limit. */
    inFlight: (client: string) => `${prefix}:inflight:${client}`,
    /** Per-client request counter of the current rate-limit window. */
    rate: (client: string, window: number) => `${prefix}:rate:${client}:${window}`,
  };
}
export type HiveKeys = ReturnType<typeof hiveKeys>;

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
  /** Enqueue (or the moment a slot fell free, if later) -> picked up: the orchestration's own latency, not queue wait. */
  pickupLatencySeconds: 'hive_task_pickup_latency_seconds',
  /** Faults of the orchestration (kind: redis, crash_reclaimed, dead_letter, lost), apart from what the model did. */
  orchestratorErrorsTotal: 'hive_orchestrator_errors_total',
  /** Failed tasks by what the model or API did (reason: budget, refusal, api_error, invalid_response, tool_cutoff, workspace, repository, stopped). */
  taskFailuresTotal: 'hive_task_failures_total',
  /** Tasks given back (reason: llm_unavailable, sandbox_unavailable, shutdown, redis, uncounted; sandbox_lost, counted as a delivery). */
  tasksReleasedTotal: 'hive_tasks_released_total',
  /** Tasks that continued from a checkpoint instead of from the first turn. */
  tasksResumedTotal: 'hive_tasks_resumed_total',
  /** The role's Messages-API circuit breaker: 0 closed, 1 half-open, 2 open. */
  llmCircuitState: 'hive_llm_circuit_state',
  /** `run_command` calls, by outcome (succeeded, failed, timed_out, refused, error). */
  toolCommandsTotal: 'hive_tool_commands_total',
  /** Seconds per command that ran in the sandbox. */
  toolCommandDurationSeconds: 'hive_tool_command_duration_seconds',
  /** Published by meta: Redis memory and the length of every hive stream. */
  redisUsedMemoryBytes: 'hive_redis_used_memory_bytes',
  redisMaxMemoryBytes: 'hive_redis_maxmemory_bytes',
  streamLength: 'hive_stream_length',
  /** prom-client's default process metrics (collectDefaultMetrics), which the spawn alert and the dashboard use. */
  processStartTimeSeconds: 'process_start_time_seconds',
  processCpuSecondsTotal: 'process_cpu_seconds_total',
  processResidentMemoryBytes: 'process_resident_memory_bytes',
} as const;

/** The gateway's own metrics (README: "The gateway"). */
export const GATEWAY_METRICS = {
  /** Requests by A2A method (SendMessage, GetTask, ..., card) and HTTP-ish code (200, 400, 401, 404, 413, 429, 500). */
  requestsTotal: 'hive_gateway_requests_total',
  requestDurationSeconds: 'hive_gateway_request_duration_seconds',
  /** Tasks accepted, by role and client. */
  tasksTotal: 'hive_gateway_tasks_total',
  /** Results written to the task store by the reconciler, by outcome. */
  resultsStoredTotal: 'hive_gateway_results_stored_total',
  /** Results the reconciler read but could not store yet (the task store is down): they stay pending. */
  resultsPending: 'hive_gateway_results_pending',
} as const;

/**
 * A role's rollout as every gateway reads it from Redis (README: "Rolling out
 * a new model or prompt"), so the dashboard shows the split that intake applies.
 */
export const ROLLOUT_METRICS = {
  /** Percent of the role's new tasks routed to each track, by role and track. */
  weight: 'hive_rollout_weight',
  /** The running rollout's step (1-based; 0: none running), by role. */
  step: 'hive_rollout_step',
} as const;

/** The bridge's own metrics (README: "Migrating from the old agents"), beside ROLLOUT_METRICS. */
export const BRIDGE_METRICS = {
  /** Source-list entries routed, by role and track (`legacy`: back to the old system's list). */
  routedTotal: 'hive_bridge_routed_total',
  /** Source-list entries that are not a task, kept in the rejected list, by role. */
  rejectedTotal: 'hive_bridge_rejected_total',
  /** The old workers' list's length (LLEN at each scrape), by role: what the old system has still to do. */
  legacyBacklog: 'hive_bridge_legacy_backlog',
} as const;

/** Environment variables of the bridge (`node agent-runtime/dist/bridge.js`), beyond REDIS_URL, REDIS_PASSWORD, HIVE_KEY_PREFIX and the ports. */
export const BRIDGE_ENV = {
  /** The old system's queue, the `legacy` track: the Redis list its workers BRPOP from (the bridge and `hive rollout` read it; the gateway never routes there). */
  legacyList: 'HIVE_LEGACY_LIST',
  /** The Redis list the old producers still LPUSH to; must differ from HIVE_LEGACY_LIST. */
  source: 'HIVE_BRIDGE_SOURCE',
  /** The role whose weights route the source's entries. */
  role: 'HIVE_BRIDGE_ROLE',
} as const;

/** What `hive rollout` reads, beside REDIS_URL, REDIS_PASSWORD, HIVE_KEY_PREFIX and BRIDGE_ENV.legacyList. */
export const ROLLOUT_ENV = {
  /** Prometheus base URL for the gates, when --prometheus is not given. */
  prometheusUrl: 'PROMETHEUS_URL',
} as const;

/**
 * Values of the gateway's `method` label for calls that wait for their task
 * (streams, a SendMessage that blocks, CancelTask waiting for the agent to
 * stop): their duration says how long the task ran, not how fast the gateway
 * answers, so the latency alert leaves them out.
 */
export const GATEWAY_WAITING_METHODS = ['SendStreamingMessage', 'SubscribeToTask', 'SendMessageBlocking', 'CancelTask'] as const;

/** The A2A port of the gateway (`node agent-runtime/dist/gateway.js`); health and metrics use HEALTH_PORT and METRICS_PORT. */
export const GATEWAY_PORT = 8000;

/** Environment variables of the gateway, beyond REDIS_URL, REDIS_PASSWORD, HIVE_KEY_PREFIX, the ports, HIVE_MAX_TURNS and HIVE_MAX_TOKENS. */
export const GATEWAY_ENV = {
  port: 'HIVE_GATEWAY_PORT',
  /** PostgreSQL URL of the task history; unset: an embedded SQLite file (HIVE_GATEWAY_SQLITE_PATH). */
  databaseUrl: 'DATABASE_URL',
  sqlitePath: 'HIVE_GATEWAY_SQLITE_PATH',
  /** Base URL written into the agent cards, e.g. https://hive.example.com. */
  publicUrl: 'HIVE_PUBLIC_URL',
  /** One `<client> <sha256 hex of token>` per line (a mounted Secret). */
  tokensFile: 'HIVE_GATEWAY_TOKENS_FILE',
  /** Days a finished task is kept in the history. */
  retentionDays: 'HIVE_TASK_RETENTION_DAYS',
  /** Requests per second per client. */
  rateLimit: 'HIVE_GATEWAY_RATE_LIMIT',
  /** Unfinished tasks per client. */
  maxInFlight: 'HIVE_GATEWAY_MAX_IN_FLIGHT',
  /** Largest request body. */
  maxBodyBytes: 'HIVE_GATEWAY_MAX_BODY_BYTES',
} as const;

/** The consumer group in which the gateways read the results stream into the task store. */
export const GATEWAY_RESULTS_GROUP = 'gateway';

/** The values of METRICS.llmCircuitState: the runtime sets them, the monitoring queries them. */
export const CIRCUIT_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
export type CircuitState = keyof typeof CIRCUIT_STATE_VALUE;

/** Outcomes of a task, as the `outcome` label of task metrics and the `status` of a result. */
export const TASK_OUTCOMES = ['succeeded', 'failed', 'dead_lettered', 'canceled'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];
