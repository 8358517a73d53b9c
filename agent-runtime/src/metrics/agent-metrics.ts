import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AgentRole, AGENT_ROLES, METRICS, TASK_OUTCOMES, TaskOutcome } from '../contract';

/** Tasks wait milliseconds when agents are free and minutes when they are not. */
const DISPATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** LLM work: seconds for one call, up to many minutes for a task. */
const TASK_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

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
  readonly queueBacklog: Gauge<'role'>;
  readonly llmRequests: Counter<'role' | 'status'>;
  readonly llmDuration: Histogram<'role'>;
  readonly llmTokens: Counter<'role' | 'kind'>;
  readonly deadLetters: Counter<'role'>;

  constructor(private readonly role: AgentRole) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
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
      help: 'Tasks not yet delivered plus delivered but unacknowledged, per role (published by meta)',
      labelNames: ['role'],
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
    this.deadLetters = new Counter({ name: METRICS.deadLettersTotal, help: 'Tasks moved to the dead-letter stream', labelNames: ['role'], registers });

    // Series exist from the start at 0, so rate() and increase() see the first event.
    for (const outcome of TASK_OUTCOMES) this.tasksTotal.inc({ role, outcome }, 0);
    this.deadLetters.inc({ role }, 0);
    this.ready.set({ role }, 0);
    this.tasksInFlight.set({ role }, 0);
  }

  taskFinished(outcome: TaskOutcome, seconds: number): void {
    this.tasksTotal.inc({ role: this.role, outcome });
    this.taskDuration.observe({ role: this.role, outcome }, seconds);
  }

  /** Only meta publishes the backlog, for every role. */
  publishBacklog(backlog: Readonly<Partial<Record<AgentRole, number>>>): void {
    for (const role of AGENT_ROLES) {
      const value = backlog[role];
      if (value !== undefined) this.queueBacklog.set({ role }, value);
    }
  }
}
