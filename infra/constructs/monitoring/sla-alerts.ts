import { METRICS, SCALABLE_ROLES } from '../../../agent-runtime/src/contract';
import { Environment } from '../../environment/environment-schema';
import { circuitHoldingWork } from './llm-circuit';

export type Severity = 'critical' | 'warning';

/** Redis memory use, as a share of maxmemory, that warns before writes start failing. */
const REDIS_MEMORY_WARNING_RATIO = 0.8;

/** One alerting rule as the Prometheus operator expects it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Record<string, string>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

interface AlertDefinition {
  readonly alert: string;
  readonly expr: string;
  /** `for:` in production, before `alerts.forScale`. */
  readonly forSeconds: number;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  readonly labels?: Record<string, string>;
}

/**
 * The SLA alerts of the source document, on contract metrics only. Every
 * expression is scoped to the environment's namespace, so one Prometheus can
 * watch several environments.
 */
export function slaAlerts(env: Environment): AlertRule[] {
  const { alerts } = env;
  const ns = `namespace="${env.namespace}"`;
  const definitions: AlertDefinition[] = [
    {
      alert: 'HiveAgentSpawnSlow',
      expr: `max by (namespace, pod, role) (${METRICS.agentSpawnSeconds}{${ns}}) > ${alerts.spawnSeconds}`,
      forSeconds: 60,
      severity: 'warning',
      summary: 'A {{ $labels.role }} agent was slow to become ready',
      description: `Pod {{ $labels.pod }} needed {{ $value | humanize }}s from process start to ready; the target is ${alerts.spawnSeconds}s.`,
    },
    {
      alert: 'HiveDispatchLatencyHigh',
      expr:
        `histogram_quantile(0.99, sum by (role, le) (rate(${METRICS.dispatchLatencySeconds}_bucket{${ns}}[5m])))` +
        ` > ${alerts.dispatchP99Seconds}`,
      forSeconds: 600,
      severity: 'warning',
      summary: 'Tasks for {{ $labels.role }} wait too long before an agent picks them up',
      description: `p99 dispatch latency is {{ $value | humanizeDuration }}; the target is ${alerts.dispatchP99Seconds}s.`,
    },
    {
      alert: 'HiveTaskFailureRateHigh',
      expr:
        `sum by (role) (rate(${METRICS.tasksTotal}{${ns},outcome="failed"}[15m]))` +
        ` / sum by (role) (rate(${METRICS.tasksTotal}{${ns}}[15m])) > ${alerts.failureRatio}`,
      forSeconds: 600,
      severity: 'critical',
      summary: 'Too many {{ $labels.role }} tasks fail',
      description: `{{ $value | humanizePercentage }} of tasks failed over 15 minutes; the budget is ${alerts.failureRatio * 100}%.`,
    },
    ...SCALABLE_ROLES.map(
      (role): AlertDefinition => ({
        alert: 'HiveRoleNoReadyAgent',
        expr: `(sum(${METRICS.agentReady}{${ns},role="${role}"}) or vector(0)) < 1`,
        forSeconds: 300,
        severity: 'critical',
        labels: { role },
        summary: `No ${role} agent is ready`,
        description: `The ${role} role has no ready agent, so its tasks queue up unprocessed.`,
      }),
    ),
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
        `max by (role) (${METRICS.queueBacklog}{${ns}}) > ${alerts.backlogThreshold}` +
        ` and max by (role) (delta(${METRICS.queueBacklog}{${ns}}[15m])) > 0`,
      forSeconds: 900,
      severity: 'warning',
      summary: 'The {{ $labels.role }} backlog keeps growing',
      description: `{{ $value }} tasks wait and the number rises; more agents are needed than the autoscaler gives.`,
    },
    {
      alert: 'HiveLlmCircuitOpen',
      expr: circuitHoldingWork(ns),
      forSeconds: 300,
      severity: 'warning',
      summary: 'The {{ $labels.role }} agents have stopped taking tasks: the Messages API is unavailable',
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
      expr: `sum by (role) (increase(${METRICS.deadLettersTotal}{${ns}}[10m])) > 0`,
      forSeconds: 60,
      severity: 'warning',
      summary: '{{ $labels.role }} tasks are being dead-lettered',
      description: 'Tasks went to hive:dlq:{{ $labels.role }} in the last 10 minutes: malformed, or delivered too often.',
    },
  ];
  return definitions.map((d) => ({
    alert: d.alert,
    expr: d.expr,
    for: formatDuration(d.forSeconds * alerts.forScale),
    labels: { severity: d.severity, ...d.labels },
    annotations: {
      summary: d.summary,
      description: d.description,
      runbook_url: `${alerts.runbookBaseUrl}#${d.alert.toLowerCase()}`,
    },
  }));
}

/** Prometheus duration, whole seconds, at least 1s. */
function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}
