import { parse } from 'yaml';
import { byKind, describe, KubeObject } from './manifests';
import { expandAdapterTemplate } from './promql';

/** Where a query or metric reference was found, for failure messages. */
export interface QueryUse {
  readonly where: string;
  /** A PromQL expression, or undefined when only a metric name is referenced (HPA). */
  readonly expr?: string;
  /** A metric name referenced without PromQL (an HPA metric). */
  readonly metric?: string;
}

export interface AlertRuleObject {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function ruleGroups(objects: readonly KubeObject[]): Array<{ name: string; interval?: string; rules: AlertRuleObject[] }> {
  return byKind(objects, 'PrometheusRule').flatMap((rule) => rule.spec.groups);
}

export function alertRules(objects: readonly KubeObject[]): AlertRuleObject[] {
  return ruleGroups(objects).flatMap((group) => group.rules);
}

export function dashboardTargets(objects: readonly KubeObject[]): QueryUse[] {
  return byKind(objects, 'ConfigMap')
    .filter((cm) => cm.metadata.labels?.grafana_dashboard === '1')
    .flatMap((cm) =>
      Object.values(cm.data as Record<string, string>).flatMap((json) =>
        // Row headers have no targets.
        (JSON.parse(json).panels as any[]).flatMap((panel) =>
          (panel.targets ?? []).map((t: any) => ({ where: `${describe(cm)} panel '${panel.title}'`, expr: t.expr as string })),
        ),
      ),
    );
}

export interface AdapterRuleObject {
  seriesQuery: string;
  metricsQuery: string;
  name: { matches: string; as: string };
}

export function adapterRules(objects: readonly KubeObject[]): Array<{ where: string; rule: AdapterRuleObject; external: boolean }> {
  return byKind(objects, 'ConfigMap')
    .filter((cm) => cm.data?.['config.yaml'] !== undefined)
    .flatMap((cm) => {
      const config = parse(cm.data['config.yaml']) as { rules?: AdapterRuleObject[]; externalRules?: AdapterRuleObject[] };
      return [
        ...(config.rules ?? []).map((rule) => ({ where: describe(cm), rule, external: false })),
        ...(config.externalRules ?? []).map((rule) => ({ where: describe(cm), rule, external: true })),
      ];
    });
}

/** Metric names the HPAs ask the metrics APIs for (External and Pods metrics). */
export function hpaMetricNames(objects: readonly KubeObject[]): QueryUse[] {
  return byKind(objects, 'HorizontalPodAutoscaler').flatMap((hpa) =>
    (hpa.spec.metrics as any[]).flatMap((m) => {
      const metric = m.external?.metric?.name ?? m.pods?.metric?.name ?? m.object?.metric?.name;
      return metric ? [{ where: `${describe(hpa)} ${m.type} metric`, metric }] : [];
    }),
  );
}

/** An HPA's External metric: what the HPA asks the external metrics API for. */
export interface HpaExternalMetric {
  readonly where: string;
  readonly namespace: string;
  readonly metric: string;
  readonly matchLabels: Record<string, string>;
}

export function hpaExternalMetrics(objects: readonly KubeObject[]): HpaExternalMetric[] {
  return byKind(objects, 'HorizontalPodAutoscaler').flatMap((hpa) =>
    (hpa.spec.metrics as any[])
      .filter((m) => m.type === 'External')
      .map((m) => ({
        where: `${describe(hpa)} External metric`,
        namespace: hpa.metadata.namespace!,
        metric: m.external.metric.name as string,
        matchLabels: (m.external.metric.selector?.matchLabels ?? {}) as Record<string, string>,
      })),
  );
}

/**
 * Every PromQL query in an environment: alerts, dashboard panels, adapter
 * rules (templates expanded) and KEDA's Prometheus triggers.
 */
export function allQueries(objects: readonly KubeObject[]): QueryUse[] {
  return [
    ...alertRules(objects).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ...dashboardTargets(objects),
    ...adapterRules(objects).flatMap(({ where, rule }) => [
      { where: `${where} seriesQuery`, expr: expandAdapterTemplate(rule.seriesQuery) },
      { where: `${where} metricsQuery`, expr: expandAdapterTemplate(rule.metricsQuery) },
    ]),
    ...objects
      .filter((o) => o.kind === 'ScaledObject')
      .flatMap((so) =>
        (so.spec.triggers ?? [])
          .filter((t: any) => t.type === 'prometheus')
          .map((t: any) => ({ where: `ScaledObject/${so.metadata.name} trigger ${t.name ?? t.type}`, expr: t.metadata.query })),
      ),
  ];
}
