import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hiveLabels } from '../workload/labels';

/** The most memory any one container may be limited to (the LimitRange's max): admission rejects more. */
export const CONTAINER_MAX_MEMORY = '4Gi';

/** Totals the namespace must admit; computed from the environment (see workload-capacity.ts). */
export interface NamespaceQuota {
  /** Pods at every role's max replicas, rollout surge and the data plane. */
  readonly pods: number;
  readonly cpuRequestsMillicores: number;
  readonly memoryRequestsMi: number;
  readonly memoryLimitsMi: number;
}

export interface HiveNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Quota sized so every role fits at its max replicas. */
  readonly quota: NamespaceQuota;
}

/** The namespace under the `restricted` Pod Security Standard, with a quota and container defaults. */
export class HiveNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: HiveNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    const labels = hiveLabels('namespace');

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });

    const { quota } = props;
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'agent-hive', namespace: props.name, labels },
      spec: {
        hard: {
          pods: k8s.Quantity.fromNumber(quota.pods),
          'requests.cpu': k8s.Quantity.fromString(`${quota.cpuRequestsMillicores}m`),
          'requests.memory': k8s.Quantity.fromString(`${quota.memoryRequestsMi}Mi`),
          'limits.memory': k8s.Quantity.fromString(`${quota.memoryLimitsMi}Mi`),
        },
      },
    });

    // A container that forgets its resources still gets bounded ones, so the quota admits it.
    new k8s.KubeLimitRange(this, 'limits', {
      metadata: { name: 'agent-hive', namespace: props.name, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
            default: { memory: k8s.Quantity.fromString('256Mi') },
            max: { memory: k8s.Quantity.fromString(CONTAINER_MAX_MEMORY) },
          },
        ],
      },
    });
  }
}
