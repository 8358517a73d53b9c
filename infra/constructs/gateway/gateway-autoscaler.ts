import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hiveLabels } from '../workload/labels';

export interface GatewayAutoscalerProps {
  readonly namespace: string;
  /** Name of the Deployment to scale. */
  readonly deploymentName: string;
  /** At least 2, so one pod serves while another restarts or is evicted. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/**
 * Scales the gateway on CPU. Unlike the agents it does its work itself
 * (parsing, authenticating, reading and writing stores), so CPU follows its
 * request rate; no queue metric describes its load better.
 */
export class GatewayAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: GatewayAutoscalerProps) {
    super(scope, id);
    if (props.minReplicas < 2) throw new Error(`'minReplicas' (${props.minReplicas}) must be >= 2`);
    if (props.minReplicas > props.maxReplicas) {
      throw new Error(`'minReplicas' (${props.minReplicas}) must be <= 'maxReplicas' (${props.maxReplicas})`);
    }
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: hiveLabels('gateway') },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    });
  }
}
