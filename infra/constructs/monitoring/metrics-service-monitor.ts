import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { METRICS_PATH } from '../../../agent-runtime/src/contract';
import { METRICS_PORT_NAME } from '../workload/runtime-ports';

type Endpoint = NonNullable<IServiceMonitor['spec']['endpoints']>[number];

export interface MetricsServiceMonitorProps {
  readonly namespace: string;
  /** Name of the metrics Service; the ServiceMonitor takes the same. */
  readonly serviceName: string;
  /** Labels the Service is selected by. */
  readonly serviceSelector: Readonly<Record<string, string>>;
  /** The chart's own labels of the ServiceMonitor. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels Prometheus' serviceMonitorSelector matches (the environment's `monitoring.selectorLabels`). */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
  /** How every scraped series comes to carry a `role` (the dashboard groups by it). */
  readonly roleLabeling: Pick<Endpoint, 'relabelings' | 'metricRelabelings'>;
}

/**
 * Role labeling for a process that is no agent: every series gets `role`, the process's
 * name where the series has none of its own, as the dashboard groups CPU and memory by role.
 */
export function fillMissingRole(role: string): Pick<Endpoint, 'metricRelabelings'> {
  // '^$' rather than '': an empty regex reads as unset (omitempty), and the default, (.*), matches every value.
  return { metricRelabelings: [{ sourceLabels: ['role'], regex: '^$', targetLabel: 'role', replacement: role, action: 'replace' }] };
}

/** Tells the Prometheus operator to scrape the metrics port of a runtime process's Service. */
export class MetricsServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: MetricsServiceMonitorProps) {
    super(scope, id);
    const spec: IServiceMonitor['spec'] = {
      selector: { matchLabels: { ...props.serviceSelector } },
      namespaceSelector: { matchNames: [props.namespace] },
      endpoints: [{ port: METRICS_PORT_NAME, path: METRICS_PATH, interval: '15s', scheme: 'http', ...props.roleLabeling }],
    };
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      // The chart's own labels last: they win over a selector label of the same key.
      metadata: { name: props.serviceName, namespace: props.namespace, labels: { ...props.prometheusSelectorLabels, ...props.labels } },
      spec,
    });
  }
}
