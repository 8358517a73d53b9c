import { METRICS } from '../../../agent-runtime/src/contract';

/**
 * prometheus-adapter rules that serve contract metrics to the HPAs. The HPA
 * construct takes its metric names from here, so the two cannot drift.
 */
export const ADAPTER_METRICS = {
  /** Pods metric: share of an agent's task slots that are busy. */
  busyRatio: 'hive_agent_busy_ratio',
  /** External metric: tasks waiting or pending for a role. */
  backlog: METRICS.queueBacklog,
} as const;

export interface AdapterRule {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
  readonly name: { readonly matches: string; readonly as: string };
  readonly metricsQuery: string;
}

export interface AdapterConfig {
  readonly rules: readonly AdapterRule[];
  readonly externalRules: readonly AdapterRule[];
}

export function adapterConfig(): AdapterConfig {
  return {
    rules: [
      {
        seriesQuery: `${METRICS.tasksInFlight}{namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: `^${METRICS.tasksInFlight}$`, as: ADAPTER_METRICS.busyRatio },
        metricsQuery:
          `sum(${METRICS.tasksInFlight}{<<.LabelMatchers>>}) by (<<.GroupBy>>)` +
          ` / sum(${METRICS.agentCapacity}{<<.LabelMatchers>>}) by (<<.GroupBy>>)`,
      },
    ],
    externalRules: [
      {
        // Only meta publishes the backlog; max() keeps a brief overlap of two meta pods from doubling it.
        seriesQuery: `${METRICS.queueBacklog}{namespace!="",role!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' } } },
        name: { matches: `^${METRICS.queueBacklog}$`, as: ADAPTER_METRICS.backlog },
        metricsQuery: `max(${METRICS.queueBacklog}{<<.LabelMatchers>>}) by (role)`,
      },
    ],
  };
}
