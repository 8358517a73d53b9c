import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { consumerGroup, hiveKeys, METRICS } from '../../../agent-runtime/src/contract';
import { agentLabels } from '../workload/labels';
import { agentScalingBehavior, AgentScalingProps } from './agent-autoscaler';

/** Where KEDA reaches the task streams. */
export interface KedaRedis {
  /** host:port as seen from KEDA's namespace. */
  readonly address: string;
  readonly tls: boolean;
  /** The TriggerAuthentication that hands KEDA the Redis password. */
  readonly authenticationName: string;
}

/** The ScaledObject takes the Deployment's name; `minReplicas` 0 lets KEDA stop the last agent after `cooldownPeriodSeconds` without work (architect and qa only). */
export interface AgentScaledObjectProps extends AgentScalingProps {
  /** Task slots per agent (HIVE_CONCURRENCY). */
  readonly concurrency: number;
  readonly redis: KedaRedis;
  /** Prometheus that the busy-slots trigger queries. */
  readonly prometheusUrl: string;
  readonly pollingIntervalSeconds: number;
  readonly cooldownPeriodSeconds: number;
}

/**
 * Scales a role with KEDA on the same work as the HPA engine: entries never delivered
 * (the group's lag, read by KEDA from Redis), entries delivered and not acknowledged
 * (pending: in flight, and those given back by a stopping agent or while the API was
 * down, which the lag no longer counts), and busy slots from Prometheus. Any of them
 * above zero wakes a role scaled to zero.
 */
export class AgentScaledObject extends Construct {
  constructor(scope: Construct, id: string, props: AgentScaledObjectProps) {
    super(scope, id);
    if (props.minReplicas > props.maxReplicas) {
      throw new Error(`'minReplicas' (${props.minReplicas}) must be <= 'maxReplicas' (${props.maxReplicas})`);
    }
    const stream = {
      address: props.redis.address,
      stream: hiveKeys().tasks(props.role, props.track),
      consumerGroup: consumerGroup(props.role),
      // The scaler compares every count, lag or pending, with activationLagCount.
      activationLagCount: '0',
      ...(props.redis.tls ? { enableTLS: 'true' } : {}),
    };
    const authenticationRef = { name: props.redis.authenticationName };
    const spec: IScaledObject['spec'] = {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
      minReplicaCount: props.minReplicas,
      maxReplicaCount: props.maxReplicas,
      pollingInterval: props.pollingIntervalSeconds,
      cooldownPeriod: props.cooldownPeriodSeconds,
      advanced: { horizontalPodAutoscalerConfig: { behavior: agentScalingBehavior(props.scaleDownStabilizationSeconds) } },
      triggers: [
        { type: 'redis-streams', name: 'lag', metadata: { ...stream, lagCount: String(props.backlogPerAgent) }, authenticationRef },
        // One agent per `concurrency` pending entries: work already taken, or given back and waiting to be taken over.
        { type: 'redis-streams', name: 'pending', metadata: { ...stream, pendingEntriesCount: String(props.concurrency) }, authenticationRef },
        {
          type: 'prometheus',
          name: 'busy-slots',
          metadata: {
            serverAddress: props.prometheusUrl,
            query: `sum(${METRICS.tasksInFlight}{namespace="${props.namespace}",role="${props.role}",track="${props.track}"})`,
            threshold: String(round(props.concurrency * props.busyRatioTarget)),
            activationThreshold: '0',
          },
        },
      ],
    };
    new ApiObject(this, 'scaled-object', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: agentLabels(props.role, props.track) },
      spec,
    });
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
