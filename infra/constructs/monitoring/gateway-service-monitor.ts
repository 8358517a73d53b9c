import { Construct } from 'constructs';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { fillMissingRole, MetricsServiceMonitor } from './metrics-service-monitor';

/** The `role` of the gateway's series that have none of their own, as the dashboard groups them. */
export const GATEWAY_SERIES_ROLE = 'gateway';

export interface GatewayServiceMonitorProps {
  readonly namespace: string;
  /** Name of the gateway's Service. */
  readonly serviceName: string;
  /** Labels Prometheus' serviceMonitorSelector matches (the environment's `monitoring.selectorLabels`). */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/** Tells the Prometheus operator to scrape the gateway's metrics port. */
export class GatewayServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: GatewayServiceMonitorProps) {
    super(scope, id);
    new MetricsServiceMonitor(this, 'monitor', {
      namespace: props.namespace,
      serviceName: props.serviceName,
      serviceSelector: selectorLabels('gateway'),
      labels: hiveLabels('monitoring'),
      prometheusSelectorLabels: props.prometheusSelectorLabels,
      // As for the agents, every series gets a `role`, so the dashboard's CPU and memory per role
      // show the gateway too: `gateway` where a series has none (process_, nodejs_, the gateway's
      // request metrics); the role of the tasks it accepted (hive_gateway_tasks_total) is kept.
      roleLabeling: fillMissingRole(GATEWAY_SERIES_ROLE),
    });
  }
}
