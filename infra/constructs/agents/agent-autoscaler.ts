import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ScalableRole } from '../../../agent-runtime/src/contract';
import { ADAPTER_METRICS } from '../monitoring/adapter-rules';
import { agentLabels } from '../workload/labels';

/** What either engine (HPA or KEDA) scales a role's track on. */
export interface AgentScalingProps {
  readonly namespace: string;
  readonly role: ScalableRole;
  /** The role's track the Deployment serves: its stream's backlog and its agents' busy slots. */
  readonly track: string;
  /** Name of the Deployment to scale. */
  readonly deploymentName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Queued tasks per agent before another agent is added. */
  readonly backlogPerAgent: number;
  /** Busy share of task slots to aim for, in (0, 1]. */
  readonly busyRatioTarget: number;
  /** Seconds of low load before agents are removed; long, so busy agents are not stopped on a lull. */
  readonly scaleDownStabilizationSeconds: number;
}

/**
 * Scales a role on its work: the queue backlog and busy task slots. Agents
 * mostly wait on the LLM API, so CPU stays low while the queue grows; CPU is
 * only a secondary signal (tool-heavy tasks).
 */
export class AgentAutoscaler extends Construct {
  readonly minReplicas: number;
  readonly maxReplicas: number;

  constructor(scope: Construct, id: string, props: AgentScalingProps) {
    super(scope, id);
    if (props.minReplicas < 1) throw new Error(`'minReplicas' (${props.minReplicas}) must be >= 1`);
    if (props.minReplicas > props.maxReplicas) {
      throw new Error(`'minReplicas' (${props.minReplicas}) must be <= 'maxReplicas' (${props.maxReplicas})`);
    }
    if (!(props.busyRatioTarget > 0 && props.busyRatioTarget <= 1)) {
      throw new Error(`'busyRatioTarget' (${props.busyRatioTarget}) must be in (0, 1]`);
    }
    this.minReplicas = props.minReplicas;
    this.maxReplicas = props.maxReplicas;

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: agentLabels(props.role, props.track) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: ADAPTER_METRICS.backlog, selector: { matchLabels: { role: props.role, track: props.track } } },
              target: { type: 'AverageValue', averageValue: k8s.Quantity.fromNumber(props.backlogPerAgent) },
            },
          },
          {
            type: 'Pods',
            pods: {
              metric: { name: ADAPTER_METRICS.busyRatio },
              target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(`${Math.round(props.busyRatioTarget * 1000)}m`) },
            },
          },
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
        behavior: agentScalingBehavior(props.scaleDownStabilizationSeconds),
      },
    });
  }
}

/**
 * Up fast (double or 4 agents per 30 s, whichever is more), down one agent per 2 min after
 * a long stabilization: a stopped agent gives its unfinished tasks back. Shared by the
 * HPA and by the HPA a KEDA ScaledObject makes.
 */
export function agentScalingBehavior(scaleDownStabilizationSeconds: number): k8s.HorizontalPodAutoscalerBehaviorV2 {
  return {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 30 },
        { type: 'Pods', value: 4, periodSeconds: 30 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: scaleDownStabilizationSeconds,
      selectPolicy: 'Min',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
    },
  };
}
