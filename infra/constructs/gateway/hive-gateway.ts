import { Construct } from 'constructs';
import { GatewaySpec } from '../../environment/environment-schema';
import { fillMissingRole, MetricsServiceMonitor } from '../monitoring/metrics-service-monitor';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { disruptionBudget } from '../workload/scaled-out';
import { GatewayAutoscaler } from './gateway-autoscaler';
import { A2A_PORT_NAME, GatewayDeployment } from './gateway-deployment';
import { GatewayIngress } from './gateway-ingress';

export interface HiveGatewayProps {
  readonly namespace: string;
  /** The runtime base image, pinned by content-hash tag or digest. */
  readonly image: string;
  /** The environment's gateway section. */
  readonly spec: GatewaySpec;
  /** The runtime ConfigMap and the checksum of its data. */
  readonly configMapName: string;
  readonly configChecksum: string;
  /** Labels Prometheus selects the ServiceMonitor by. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/**
 * The A2A gateway in front of the agents: workload, CPU autoscaling,
 * disruption budget, scrape config and, if the environment has one, its Ingress.
 */
export class HiveGateway extends Construct {
  readonly deployment: GatewayDeployment;

  constructor(scope: Construct, id: string, props: HiveGatewayProps) {
    super(scope, id);
    const { spec } = props;
    this.deployment = new GatewayDeployment(this, 'workload', {
      namespace: props.namespace,
      image: props.image,
      resources: spec.resources,
      settings: spec,
      configMapName: props.configMapName,
      configChecksum: props.configChecksum,
    });
    const name = this.deployment.name;

    new GatewayAutoscaler(this, 'autoscaler', { namespace: props.namespace, deploymentName: name, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas });
    disruptionBudget(this, 'disruption-budget', { name, namespace: props.namespace, labels: hiveLabels('gateway'), selector: selectorLabels('gateway') });
    new MetricsServiceMonitor(this, 'scrape', {
      namespace: props.namespace,
      serviceName: name,
      serviceSelector: selectorLabels('gateway'),
      labels: hiveLabels('monitoring'),
      prometheusSelectorLabels: props.prometheusSelectorLabels,
      // As for the agents, every series gets a `role`, so the dashboard's CPU and memory per role
      // show the gateway too: `gateway` where a series has none (process_, nodejs_, the gateway's
      // request metrics); the role of the tasks it accepted (hive_gateway_tasks_total) is kept.
      roleLabeling: fillMissingRole('gateway'),
    });
    if (spec.ingress) new GatewayIngress(this, 'ingress', { namespace: props.namespace, serviceName: name, portName: A2A_PORT_NAME, ingress: spec.ingress });
  }
}
