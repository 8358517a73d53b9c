import { Environment } from '../../environment/environment-schema';

export type Severity = 'critical' | 'warning';

/** One alerting rule as the Prometheus operator expects it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Record<string, string>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** An alert as the rule files define it, before the environment's scaling and runbook address. */
export interface AlertDefinition {
  readonly alert: string;
  readonly expr: string;
  /** `for:` in production, before `alerts.forScale`. */
  readonly forSeconds: number;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  readonly labels?: Record<string, string>;
}

/** The rules of some definitions: `for:` scaled by `alerts.forScale`, each runbook_url at the alert's section. */
export function alertRules(env: Environment, definitions: readonly AlertDefinition[]): AlertRule[] {
  return definitions.map((d) => ({
    alert: d.alert,
    expr: d.expr,
    for: formatDuration(d.forSeconds * env.alerts.forScale),
    labels: { severity: d.severity, ...d.labels },
    annotations: {
      summary: d.summary,
      description: d.description,
      runbook_url: `${env.alerts.runbookBaseUrl}#${d.alert.toLowerCase()}`,
    },
  }));
}

/** Prometheus duration, whole seconds, at least 1s. */
function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}
