import { METRICS } from '../../../agent-runtime/src/contract';
import { circuitHoldingWork } from './llm-circuit';

/**
 * prometheus-adapter rules that serve contract metrics to the HPAs. The HPA
 * construct takes its metric names from here, so the two cannot drift.
 */
export const ADAPTER_METRICS = {
  /** Pods metric: share of an agent's task slots that are busy. */
  busyRatio: 'hive_agent_busy_ratio',
  /** External metric: tasks waiting or pending for a role's track (an HPA selects its role and track). */
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
        // While a role's LLM circuit breaker holds back work its agents take no tasks and the
        // backlog grows whatever the role's size: scaling on it would take the role to
        // maxReplicas because the API is down. So the metric is absent then. The adapter
        // answers an empty list, the HPA's metrics client makes that an error, and "if any of
        // these metrics cannot be converted into a desired replica count [...] and a scale
        // down is suggested by the metrics which can be fetched, scaling is skipped"
        // (Kubernetes docs, HPA algorithm details). Busy slots and CPU fall in an outage, so
        // the role holds its size. An empty backlog is still served: nothing waits, so the
        // role may shrink as usual.
        // <<.LabelMatchers>> is the HPA's selector (role and track) and namespace; the breaker's
        // series carry all three, so a breaker hides only its own track's backlog in its own namespace.
        metricsQuery: `max(${METRICS.queueBacklog}{<<.LabelMatchers>>}) by (role, track) unless on(role, track) (${circuitHoldingWork('<<.LabelMatchers>>')})`,
      },
    ],
  };
}
