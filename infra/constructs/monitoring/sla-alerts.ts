import { METRICS } from '../../../agent-runtime/src/contract';
import { Environment } from '../../environment/environment-schema';
import { allTracks } from '../../environment/role-tracks';
import { AlertDefinition, AlertRule, alertRules } from './alert-definition';
import { circuitHoldingWork } from './llm-circuit';

/** Redis memory use, as a share of maxmemory, that warns before writes start failing. */
const REDIS_MEMORY_WARNING_RATIO = 0.8;

/** How long after its process started a pod's spawn time can raise HiveAgentSpawnSlow. */
const SPAWN_WINDOW_SECONDS = 900;

/**
 * The SLA alerts of the source document, on contract metrics only. Every
 * expression is scoped to the environment's namespace, so one Prometheus can
 * watch several environments, and per role ones are per track too: a rollout's
 * new track can breach them while the stable one does not.
 */
export function slaAlerts(env: Environment): AlertRule[] {
  const { alerts } = env;
  const ns = `namespace="${env.namespace}"`;
  const definitions: AlertDefinition[] = [
    {
      alert: 'HiveAgentSpawnSlow',
      // The gauge keeps a pod's spawn time for the pod's whole life: only pods started in the
      // last SPAWN_WINDOW_SECONDS count, so the alert is about a start, not about a slow pod's age.
      expr:
        `(max by (namespace, pod, role, track) (${METRICS.agentSpawnSeconds}{${ns}}) > ${alerts.spawnSeconds})` +
        ` and on (namespace, pod) (time() - max by (namespace, pod) (${METRICS.processStartTimeSeconds}{${ns}}) < ${SPAWN_WINDOW_SECONDS})`,
      forSeconds: 60,
      severity: 'warning',
      summary: 'A {{ $labels.role }} ({{ $labels.track }}) agent was slow to become ready',
      description: `Pod {{ $labels.pod }}, started in the last ${SPAWN_WINDOW_SECONDS / 60} minutes, needed {{ $value | humanize }}s from process start to ready; the target is ${alerts.spawnSeconds}s.`,
    },
    {
      alert: 'HivePickupLatencyHigh',
      // Pick-up latency counts from enqueue, or from the moment a slot fell free if later: the
      // orchestration's own delay. Time spent waiting for a free slot is queue wait, a capacity
      // question (dashboard "Queue wait p99", HiveBacklogGrowing), not an orchestration fault.
      expr:
        `histogram_quantile(0.99, sum by (role, track, le) (rate(${METRICS.pickupLatencySeconds}_bucket{${ns}}[5m])))` +
        ` > ${alerts.dispatchP99Seconds}`,
      forSeconds: 600,
      severity: 'warning',
      summary: '{{ $labels.role }} ({{ $labels.track }}) agents are slow to pick up tasks while they have free slots',
      description: `p99 pick-up latency (enqueue or a slot falling free, whichever is later, to pick-up) is {{ $value | humanizeDuration }}; the target is ${alerts.dispatchP99Seconds}s.`,
    },
    {
      alert: 'HiveOrchestratorFailureRateHigh',
      // Faults per finished task. Faults while no task finished divide by zero: +Inf, which fires
      // (the orchestration fails and nothing dilutes it); no fault and no task is NaN and stays quiet.
      expr:
        `sum by (role, track) (increase(${METRICS.orchestratorErrorsTotal}{${ns}}[15m]))` +
        ` / sum by (role, track) (increase(${METRICS.tasksTotal}{${ns}}[15m])) > ${alerts.failureRatio}`,
      forSeconds: 600,
      severity: 'critical',
      summary: 'The orchestration fails {{ $labels.role }} ({{ $labels.track }}) tasks: Redis errors, crashes, dead letters or lost tasks',
      description: `{{ $value | humanizePercentage }} orchestration faults per finished task over 15 minutes (+Inf: faults while no task finished); the SLA is ${alerts.failureRatio * 100}%.`,
    },
    {
      alert: 'HiveModelFailureRateHigh',
      expr:
        `sum by (role, track) (increase(${METRICS.taskFailuresTotal}{${ns}}[15m]))` +
        ` / sum by (role, track) (increase(${METRICS.tasksTotal}{${ns}}[15m])) > ${alerts.modelFailureRatio}`,
      forSeconds: 600,
      severity: 'warning',
      summary: 'Many {{ $labels.role }} ({{ $labels.track }}) tasks fail on what the model or the API did',
      description: `{{ $value | humanizePercentage }} of finished tasks failed over 15 minutes (budget, refusal, API errors); the threshold is ${alerts.modelFailureRatio * 100}%.`,
    },
    ...allTracks(env).map(({ role, track, minReplicas, scaledToZero }): AlertDefinition => {
      const matchers = `${ns},role="${role}",track="${track}"`;
      const noneReady = `(sum(${METRICS.agentReady}{${matchers}}) or vector(0)) < 1`;
      // A track scaled to zero (replicas 0, or KEDA) has no agent by design: only work waiting without one is a fault.
      const fromZero = minReplicas === 0 || scaledToZero;
      return {
        alert: 'HiveRoleNoReadyAgent',
        expr: fromZero ? `${noneReady} and (max(${METRICS.queueBacklog}{${matchers}}) > 0)` : noneReady,
        forSeconds: 300,
        severity: 'critical',
        labels: { role, track },
        summary: `No ${role} (${track}) agent is ready`,
        description: scaledToZero
          ? `Tasks wait on the ${track} track of ${role}, which runs no agent (replicas: 0): its routing weight must be 0.`
          : fromZero
            ? `The ${track} track of ${role} has tasks waiting and no ready agent: it was scaled to zero and has not come back.`
            : `The ${track} track of ${role} has no ready agent, so its tasks queue up unprocessed.`,
      };
    }),
    {
      alert: 'HiveMetaAgentMissing',
      expr: `(count(${METRICS.agentReady}{${ns},role="meta"} == 1) or vector(0)) != 1`,
      forSeconds: 300,
      severity: 'critical',
      labels: { role: 'meta' },
      summary: 'The meta agent is not running exactly once',
      description: '{{ $value }} meta agents are ready; the coordination singleton must run exactly once.',
    },
    {
      alert: 'HiveBacklogGrowing',
      expr:
        `max by (role, track) (${METRICS.queueBacklog}{${ns}}) > ${alerts.backlogThreshold}` +
        ` and max by (role, track) (delta(${METRICS.queueBacklog}{${ns}}[15m])) > 0`,
      forSeconds: 900,
      severity: 'warning',
      summary: 'The {{ $labels.role }} ({{ $labels.track }}) backlog keeps growing',
      description: `{{ $value }} tasks wait and the number rises; more agents are needed than the autoscaler gives.`,
    },
    {
      alert: 'HiveLlmCircuitOpen',
      expr: circuitHoldingWork(ns),
      forSeconds: 300,
      severity: 'warning',
      summary: 'The {{ $labels.role }} ({{ $labels.track }}) agents have stopped taking tasks: the Messages API is unavailable',
      description:
        "The role's LLM circuit breaker is open or probing (state {{ $value }}: 1 half-open, 2 open) while tasks wait. " +
        'They stay in the stream, and the autoscaler holds the role at its size until the breaker closes.',
    },
    {
      alert: 'HiveRedisMemoryHigh',
      // Meta publishes both figures; a Redis without maxmemory (0) has no share to report.
      expr:
        `max by (namespace) (${METRICS.redisUsedMemoryBytes}{${ns}})` +
        ` / max by (namespace) (${METRICS.redisMaxMemoryBytes}{${ns}} > 0) > ${REDIS_MEMORY_WARNING_RATIO}`,
      forSeconds: 300,
      severity: 'warning',
      summary: 'Redis is close to its memory limit',
      description: `Redis uses {{ $value | humanizePercentage }} of its maxmemory; past it, with noeviction, every write fails: no task can be enqueued or finished.`,
    },
    {
      alert: 'HiveDeadLetters',
      expr: `sum by (role, track) (increase(${METRICS.deadLettersTotal}{${ns}}[10m])) > 0`,
      forSeconds: 60,
      severity: 'warning',
      summary: '{{ $labels.role }} ({{ $labels.track }}) tasks are being dead-lettered',
      description: 'Tasks went to hive:dlq:{{ $labels.role }} in the last 10 minutes: malformed, or delivered too often.',
    },
  ];
  return alertRules(env, definitions);
}
