import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { AgentRole, METRICS_PATH } from '../../../agent-runtime/src/contract';
import { hiveLabels, selectorLabels } from '../workload/labels';

export interface AgentServiceMonitorProps {
  readonly namespace: string;
  readonly role: AgentRole;
  /** Name of the role's metrics Service. */
  readonly serviceName: string;
  /** Scrape interval. @default '15s' */
  readonly interval?: string;
}

/** Tells the Prometheus operator to scrape a role's metrics port. */
export class AgentServiceMonitor extends Construct {
  readonly interval: string;

  constructor(scope: Construct, id: string, props: AgentServiceMonitorProps) {
    super(scope, id);
    this.interval = props.interval ?? '15s';
    const spec: IServiceMonitor['spec'] = {
      selector: { matchLabels: selectorLabels('agent', props.role) },
      namespaceSelector: { matchNames: [props.namespace] },
      endpoints: [{ port: 'metrics', path: METRICS_PATH, interval: this.interval, scheme: 'http' }],
    };
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: props.serviceName, namespace: props.namespace, labels: hiveLabels('monitoring', props.role) },
      spec,
    });
  }
}
