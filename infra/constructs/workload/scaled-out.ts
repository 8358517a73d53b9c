import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

/** Pods of one workload spread over nodes, so one node's loss takes only part of it. */
export function spreadOverNodes(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }];
}

/** A rolling update that adds a pod before it removes one: capacity never drops below the current replicas. */
export function surgeOneAtATime(): k8s.DeploymentStrategy {
  return { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } };
}

export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

/** maxUnavailable 1 always allows one voluntary eviction, even at one replica, so node drains never stall on it. */
export function disruptionBudget(scope: Construct, id: string, props: DisruptionBudgetProps): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: props.selector } },
  });
}
