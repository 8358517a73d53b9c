import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AgentRole, AGENT_ROLES, METRICS, STABLE_TRACK, TASK_OUTCOMES, TaskOutcome } from '../contract';
import { RoleTrack } from '../config/fleet-tracks';
import { HousekeepingReport } from '../queue/housekeeper';
import { FAILURE_REASONS, FailureReason } from '../queue/task-result';

/** Faults of the orchestration, apart from what the model did. */
const ORCHESTRATOR_FAULTS = ['redis', 'crash_reclaimed', 'dead_letter', 'lost'] as const;
export type OrchestratorFault = (typeof ORCHESTRATOR_FAULTS)[number];

/** Why a task was given back without counting a delivery. */
const RELEASE_REASONS = ['llm_unavailable', 'sandbox_unavailable', 'sandbox_lost', 'shutdown', 'redis'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** Tasks wait milliseconds when agents are free and minutes when they are not. */
const DISPATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** LLM work: seconds for one call, up to many minutes for a task. */
const TASK_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Commands: a quick `ls` to a full build and test run. */
const COMMAND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** How a `run_command` call ended: exit 0, another exit or a signal, killed at its timeout, refused by the task's limits, or the sandbox failed. */
export const COMMAND_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'refused', 'error'] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** Every contract metric of one agent, on its own registry. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly ready: Gauge<'role'>;
  readonly spawnSeconds: Gauge<'role'>;
  readonly dispatchLatency: Histogram<'role'>;
  readonly taskDuration: Histogram<'role' | 'outcome'>;
  readonly tasksTotal: Counter<'role' | 'outcome'>;
  readonly tasksInFlight: Gauge<'role'>;
  readonly capacity: Gauge<'role'>;
  readonly queueBacklog: Gauge<'role' | 'track'>;
  readonly llmRequests: Counter<'role' | 'status'>;
  readonly llmDuration: Histogram<'role'>;
  readonly llmTokens: Counter<'role' | 'kind'>;
  readonly deadLetters: Counter<'role' | 'track'>;
  readonly pickupLatency: Histogram<'role'>;
  readonly orchestratorErrors: Counter<'role' | 'kind' | 'track'>;
  readonly taskFailures: Counter<'role' | 'reason'>;
  readonly tasksReleased: Counter<'role' | 'reason'>;
  readonly tasksResumed: Counter<'role'>;
  readonly circuitState: Gauge<'role'>;
  readonly redisUsedMemory: Gauge;
  readonly redisMaxMemory: Gauge;
  readonly streamLength: Gauge<'stream'>;
  readonly toolCommands: Counter<'role' | 'outcome'>;
  readonly toolCommandDuration: Histogram<'role'>;

  /**
   * `track` labels every series, so alerts, dashboards, adapter rules and rollout gates can tell a role's tracks apart.
   * @param fleetTracks the other tracks whose streams meta housekeeps (HIVE_FLEET_TRACKS)
   */
  constructor(
    private readonly role: AgentRole,
    private readonly track: string,
    fleetTracks: readonly RoleTrack[] = [],
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ track });
    // The event-loop lag histogram samples every 10 ms by default: half of an idle agent's CPU. Once a second is plenty for a lag gauge.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1_000 });
    this.ready = new Gauge({ name: METRICS.agentReady, help: '1 while the agent is ready for tasks', labelNames: ['role'], registers });
    this.spawnSeconds = new Gauge({ name: METRICS.agentSpawnSeconds, help: 'Seconds from process start to first ready', labelNames: ['role'], registers });
    this.dispatchLatency = new Histogram({
      name: METRICS.dispatchLatencySeconds,
      help: 'Seconds from enqueue (stream entry id) to pick-up',
      labelNames: ['role'],
      buckets: DISPATCH_BUCKETS,
      registers,
    });
    this.taskDuration = new Histogram({
      name: METRICS.taskDurationSeconds,
      help: 'Seconds from pick-up to published result',
      labelNames: ['role', 'outcome'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.tasksTotal = new Counter({ name: METRICS.tasksTotal, help: 'Tasks finished, by outcome', labelNames: ['role', 'outcome'], registers });
    this.tasksInFlight = new Gauge({ name: METRICS.tasksInFlight, help: 'Tasks being worked on', labelNames: ['role'], registers });
    this.capacity = new Gauge({ name: METRICS.agentCapacity, help: 'Task slots of this agent (HIVE_CONCURRENCY)', labelNames: ['role'], registers });
    this.queueBacklog = new Gauge({
      name: METRICS.queueBacklog,
      help: 'Tasks not yet delivered plus delivered but unacknowledged, per role and track (published by meta)',
      labelNames: ['role', 'track'],
      registers,
    });
    this.llmRequests = new Counter({ name: METRICS.llmRequestsTotal, help: 'Messages API calls, by status', labelNames: ['role', 'status'], registers });
    this.llmDuration = new Histogram({
      name: METRICS.llmRequestDurationSeconds,
      help: 'Seconds per Messages API call, retries included',
      labelNames: ['role'],
      buckets: LLM_BUCKETS,
      registers,
    });
    this.llmTokens = new Counter({ name: METRICS.llmTokensTotal, help: 'Tokens used, by kind', labelNames: ['role', 'kind'], registers });
    this.deadLetters = new Counter({ name: METRICS.deadLettersTotal, help: 'Tasks moved to the dead-letter stream', labelNames: ['role', 'track'], registers });
    this.pickupLatency = new Histogram({
      name: METRICS.pickupLatencySeconds,
      help: 'Seconds from enqueue, or from when a free slot began waiting if later, to pick-up',
      labelNames: ['role'],
      buckets: DISPATCH_BUCKETS,
      registers,
    });
    this.orchestratorErrors = new Counter({
      name: METRICS.orchestratorErrorsTotal,
      help: 'Faults of the orchestration, by kind (redis, crash_reclaimed, dead_letter, lost)',
      labelNames: ['role', 'kind', 'track'],
      registers,
    });
    this.taskFailures = new Counter({ name: METRICS.taskFailuresTotal, help: 'Failed tasks, by what the model or API did', labelNames: ['role', 'reason'], registers });
    this.tasksReleased = new Counter({
      name: METRICS.tasksReleasedTotal,
      help: 'Tasks given back without counting a delivery (llm_unavailable, shutdown)',
      labelNames: ['role', 'reason'],
      registers,
    });
    this.tasksResumed = new Counter({ name: METRICS.tasksResumedTotal, help: 'Tasks continued from a checkpoint', labelNames: ['role'], registers });
    this.circuitState = new Gauge({ name: METRICS.llmCircuitState, help: "The role's Messages-API circuit breaker: 0 closed, 1 half-open, 2 open", labelNames: ['role'], registers });
    this.redisUsedMemory = new Gauge({ name: METRICS.redisUsedMemoryBytes, help: 'Redis used_memory (published by meta)', registers });
    this.redisMaxMemory = new Gauge({ name: METRICS.redisMaxMemoryBytes, help: 'Redis maxmemory, 0 when unlimited (published by meta)', registers });
    this.streamLength = new Gauge({ name: METRICS.streamLength, help: 'Entries in each hive stream (published by meta)', labelNames: ['stream'], registers });

    this.toolCommands = new Counter({ name: METRICS.toolCommandsTotal, help: 'run_command calls, by outcome', labelNames: ['role', 'outcome'], registers });
    this.toolCommandDuration = new Histogram({
      name: METRICS.toolCommandDurationSeconds,
      help: 'Seconds per command run in the sandbox',
      labelNames: ['role'],
      buckets: COMMAND_BUCKETS,
      registers,
    });

    // Series exist from the start at 0, so rate() and increase() see the first event.
    for (const outcome of TASK_OUTCOMES) this.tasksTotal.inc({ role, outcome }, 0);
    // These three take `track` explicitly (meta counts them for other tracks' streams), so every use gives it.
    this.deadLetters.inc({ role, track }, 0);
    // Every label value, or an alert's increase() misses each one's first occurrence in a pod's life.
    for (const kind of ORCHESTRATOR_FAULTS) this.orchestratorErrors.inc({ role, kind, track }, 0);
    // Meta dead-letters on behalf of every role and track.
    if (role === 'meta') {
      for (const stream of [...AGENT_ROLES.map((other) => ({ role: other, track: STABLE_TRACK })), ...fleetTracks]) {
        this.deadLetters.inc(stream, 0);
        this.orchestratorErrors.inc({ ...stream, kind: 'dead_letter' }, 0);
      }
    }
    for (const reason of FAILURE_REASONS) this.taskFailures.inc({ role, reason }, 0);
    for (const reason of RELEASE_REASONS) this.tasksReleased.inc({ role, reason }, 0);
    this.tasksResumed.inc({ role }, 0);
    // A rollout's gates compare tracks by these before their first task (pre-validation asks that every gate has data).
    this.pickupLatency.zero({ role });
    for (const kind of ['input', 'output']) this.llmTokens.inc({ role, kind }, 0);
    for (const outcome of COMMAND_OUTCOMES) this.toolCommands.inc({ role, outcome }, 0);
    this.toolCommandDuration.zero({ role });
    this.circuitState.set({ role }, 0);
    this.ready.set({ role }, 0);
    this.tasksInFlight.set({ role }, 0);
  }

  taskFinished(outcome: TaskOutcome, seconds: number, reason?: FailureReason): void {
    this.tasksTotal.inc({ role: this.role, outcome });
    this.taskDuration.observe({ role: this.role, outcome }, seconds);
    if (reason) this.taskFailures.inc({ role: this.role, reason });
  }

  commandFinished(outcome: CommandOutcome, seconds?: number): void {
    this.toolCommands.inc({ role: this.role, outcome });
    if (seconds !== undefined) this.toolCommandDuration.observe({ role: this.role }, seconds);
  }

  /** A task of this agent's stream dead-lettered: an orchestration fault as well. */
  deadLettered(): void {
    this.deadLetters.inc({ role: this.role, track: this.track });
    this.orchestratorError('dead_letter');
  }

  orchestratorError(kind: OrchestratorFault): void {
    this.orchestratorErrors.inc({ role: this.role, kind, track: this.track });
  }

  /** Only meta publishes what housekeeping measured, for every role and track. */
  publishHousekeeping(report: HousekeepingReport): void {
    for (const stream of report.streams) {
      const labels = { role: stream.role, track: stream.track };
      this.queueBacklog.set(labels, stream.backlog);
      if (stream.deadLettered > 0) {
        this.deadLetters.inc(labels, stream.deadLettered);
        this.orchestratorErrors.inc({ ...labels, kind: 'dead_letter' }, stream.deadLettered);
      }
    }
    for (const [stream, length] of Object.entries(report.streamLengths)) this.streamLength.set({ stream }, length);
    this.redisUsedMemory.set(report.usedMemoryBytes);
    this.redisMaxMemory.set(report.maxMemoryBytes);
  }
}
