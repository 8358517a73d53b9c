import { CIRCUIT_STATE_VALUE, CircuitState, METRICS, ROLLOUT_METRICS } from '../../../agent-runtime/src/contract';
import { ADAPTER_METRICS } from './adapter-rules';
import { circuitStateByTrack } from './llm-circuit';

/** A named value of a state gauge, with the colour Grafana draws it in. */
export interface PanelState {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

/** A time-series panel: a title, a unit and the PromQL it plots. */
export interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
  /** Names for the values of a state gauge; such a panel is drawn as a state timeline. @default none */
  readonly states?: readonly PanelState[];
}

/** A Record, so a state added to the breaker cannot go unnamed on the dashboard. */
const CIRCUIT_COLORS: Record<CircuitState, string> = { closed: 'green', 'half-open': 'yellow', open: 'red' };
const CIRCUIT_STATES: PanelState[] = (Object.keys(CIRCUIT_COLORS) as CircuitState[]).map((text) => ({
  value: CIRCUIT_STATE_VALUE[text],
  text,
  color: CIRCUIT_COLORS[text],
}));

/** A quantile of a histogram over 5 minutes, per `by`, in one namespace. */
export function histogramQuantile(q: number, metric: string, by: string, namespace: string): string {
  return `histogram_quantile(${q}, sum by (${by}, le) (rate(${metric}_bucket{namespace="${namespace}"}[5m])))`;
}

/** The panels of the Agent Hive dashboard; queries use contract metrics only, and tell a role's tracks apart. */
export function dashboardPanels(namespace: string): PanelSpec[] {
  const ns = `namespace="${namespace}"`;
  const quantile = (q: number, metric: string, by: string) => histogramQuantile(q, metric, by, namespace);
  return [
    { title: 'Ready agents', unit: 'short', targets: [{ expr: `sum by (role, track) (${METRICS.agentReady}{${ns}})`, legend: '{{role}} {{track}}' }] },
    {
      title: 'Busy task slots',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum by (role, track) (${METRICS.tasksInFlight}{${ns}}) / sum by (role, track) (${METRICS.agentCapacity}{${ns}})`,
          legend: `{{role}} {{track}} (${ADAPTER_METRICS.busyRatio})`,
        },
      ],
    },
    { title: 'Queue backlog', unit: 'short', targets: [{ expr: `max by (role, track) (${METRICS.queueBacklog}{${ns}})`, legend: '{{role}} {{track}}' }] },
    {
      title: 'Tasks finished',
      unit: 'ops',
      targets: [{ expr: `sum by (role, track, outcome) (rate(${METRICS.tasksTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} {{outcome}}' }],
    },
    {
      // Enqueue -> picked up: how long tasks wait for a free slot. High while agents are busy; a capacity figure.
      title: 'Queue wait p99',
      unit: 's',
      targets: [{ expr: quantile(0.99, METRICS.dispatchLatencySeconds, 'role, track'), legend: '{{role}} {{track}}' }],
    },
    {
      // Enqueue or a slot falling free, whichever is later -> picked up: the orchestration's own delay (HivePickupLatencyHigh).
      title: 'Pick-up latency p99',
      unit: 's',
      targets: [{ expr: quantile(0.99, METRICS.pickupLatencySeconds, 'role, track'), legend: '{{role}} {{track}}' }],
    },
    { title: 'Task duration p95', unit: 's', targets: [{ expr: quantile(0.95, METRICS.taskDurationSeconds, 'role, track, outcome'), legend: '{{role}} {{track}} {{outcome}}' }] },
    { title: 'Agent spawn time', unit: 's', targets: [{ expr: `max by (role, track) (${METRICS.agentSpawnSeconds}{${ns}})`, legend: '{{role}} {{track}}' }] },
    {
      title: 'LLM requests',
      unit: 'reqps',
      targets: [{ expr: `sum by (role, track, status) (rate(${METRICS.llmRequestsTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} {{status}}' }],
    },
    { title: 'LLM request p95', unit: 's', targets: [{ expr: quantile(0.95, METRICS.llmRequestDurationSeconds, 'role, track'), legend: '{{role}} {{track}}' }] },
    { title: 'LLM circuit breaker', unit: 'none', states: CIRCUIT_STATES, targets: [{ expr: circuitStateByTrack(ns), legend: '{{role}} {{track}}' }] },
    {
      // llm_unavailable releases are the breaker at work; shutdown releases come with rollouts and scale-down.
      title: 'Tasks released',
      unit: 'ops',
      targets: [{ expr: `sum by (role, track, reason) (rate(${METRICS.tasksReleasedTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} {{reason}}' }],
    },
    {
      title: 'Tasks resumed from checkpoints',
      unit: 'ops',
      targets: [{ expr: `sum by (role, track) (rate(${METRICS.tasksResumedTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}}' }],
    },
    {
      title: 'Token spend per role',
      unit: 'short',
      targets: [
        { expr: `sum by (role, track) (rate(${METRICS.llmTokensTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} tokens/s' },
        { expr: `sum by (role, track, kind) (rate(${METRICS.llmTokensTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} {{kind}} tokens/s' },
      ],
    },
    {
      // process_ metrics carry the pod's role through the ServiceMonitor's relabeling.
      title: 'CPU per role',
      unit: 'short',
      targets: [{ expr: `sum by (role, track) (rate(${METRICS.processCpuSecondsTotal}{${ns}}[5m]))`, legend: '{{role}} {{track}} cores' }],
    },
    {
      title: 'Memory per role',
      unit: 'bytes',
      targets: [
        { expr: `sum by (role, track) (${METRICS.processResidentMemoryBytes}{${ns}})`, legend: '{{role}} {{track}} all pods' },
        // The largest pod is the one nearest its memory limit.
        { expr: `max by (role, track) (${METRICS.processResidentMemoryBytes}{${ns}})`, legend: '{{role}} {{track}} largest pod' },
      ],
    },
    {
      // Meta publishes both; max() keeps a brief overlap of two meta pods from doubling them.
      title: 'Redis memory',
      unit: 'bytes',
      targets: [
        { expr: `max(${METRICS.redisUsedMemoryBytes}{${ns}})`, legend: 'used' },
        { expr: `max(${METRICS.redisMaxMemoryBytes}{${ns}} > 0)`, legend: 'maxmemory' },
      ],
    },
    {
      title: 'Stream lengths',
      unit: 'short',
      targets: [{ expr: `max by (stream) (${METRICS.streamLength}{${ns}})`, legend: '{{stream}}' }],
    },
    {
      // Every gateway replica exports the split it reads from Redis: max() draws it once.
      title: 'Rollout',
      unit: 'short',
      targets: [
        { expr: `max by (role, track) (${ROLLOUT_METRICS.weight}{${ns}})`, legend: '{{role}} {{track}} weight %' },
        { expr: `max by (role) (${ROLLOUT_METRICS.step}{${ns}})`, legend: '{{role}} step' },
      ],
    },
    {
      title: 'Dead letters',
      unit: 'short',
      targets: [{ expr: `sum by (role, track) (increase(${METRICS.deadLettersTotal}{${ns}}[1h]))`, legend: '{{role}} {{track}}' }],
    },
  ];
}
