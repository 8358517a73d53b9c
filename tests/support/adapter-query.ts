import { AdapterRuleObject } from './monitoring-queries';

/**
 * The PromQL prometheus-adapter sends for an HPA's External metric, as its
 * `BuildExternal` (pkg/naming/metrics_query.go) fills the template:
 * <<.LabelMatchers>> is the HPA's metric selector (sorted by key, as a
 * Kubernetes selector lists it) followed by the namespace, and <<.GroupBy>> is
 * empty for external metrics.
 */
export function externalMetricQuery(rule: AdapterRuleObject, namespace: string, matchLabels: Record<string, string>): string {
  const matchers = [...Object.keys(matchLabels).sort().map((key) => [key, matchLabels[key]]), ['namespace', namespace]]
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
  const query = rule.metricsQuery.replaceAll('<<.LabelMatchers>>', matchers).replaceAll('<<.GroupBy>>', '');
  if (query.includes('<<')) throw new Error(`externalMetricQuery does not know every template field of '${rule.metricsQuery}'`);
  return query;
}
