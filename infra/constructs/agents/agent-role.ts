import { Construct } from 'constructs';
import { ScalableRole, STABLE_TRACK } from '../../../agent-runtime/src/contract';
import { AgentServiceMonitor } from '../monitoring/agent-service-monitor';
import { agentLabels, agentSelectorLabels } from '../workload/labels';
import { disruptionBudget } from '../workload/scaled-out';
import { AgentAutoscaler, AgentScalingProps } from './agent-autoscaler';
import { AgentDeployment, AgentDeploymentProps } from './agent-deployment';
import { AgentScaledObject, AgentScaledObjectProps } from './agent-scaled-object';

type RoleProps = 'namespace' | 'role' | 'track' | 'deploymentName';
/** An HPA on metrics prometheus-adapter serves, or a KEDA ScaledObject. */
export type AutoscalingProps =
  | ({ readonly engine: 'hpa' } & Omit<AgentScalingProps, RoleProps>)
  | ({ readonly engine: 'keda' } & Omit<AgentScaledObjectProps, RoleProps | 'concurrency'>);

/** The track runs no pod and nothing scales it: the old track once a rollout reached 100 %. */
export const SCALED_TO_ZERO = 'scaled-to-zero';

export interface AgentRoleProps extends Omit<AgentDeploymentProps, 'scaling'> {
  /** How the track scales, or SCALED_TO_ZERO; omitted for the meta singleton, which never runs twice. */
  readonly autoscaling?: AutoscalingProps | typeof SCALED_TO_ZERO;
  /** Labels Prometheus selects the role's ServiceMonitor by. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/**
 * Everything one track of an agent role needs: workload, scaling, disruption budget and
 * scrape config. Scalable roles get an HPA (or a ScaledObject) and a PDB; meta is a singleton.
 */
export class AgentRoleWorkload extends Construct {
  readonly deployment: AgentDeployment;
  readonly autoscaler?: AgentAutoscaler;

  constructor(scope: Construct, id: string, props: AgentRoleProps) {
    super(scope, id);
    const track = props.track ?? STABLE_TRACK;
    if ((props.role === 'meta') !== (props.autoscaling === undefined)) {
      throw new Error(`'autoscaling' must be set for every role but meta (role '${props.role}')`);
    }
    if (props.role === 'meta' && track !== STABLE_TRACK) throw new Error(`'track' (${track}) must be '${STABLE_TRACK}' for meta, the coordination singleton`);
    const scaling = props.autoscaling === undefined ? 'singleton' : props.autoscaling === SCALED_TO_ZERO ? 'zero' : 'autoscaled';
    this.deployment = new AgentDeployment(this, 'workload', { ...props, scaling });
    const name = this.deployment.name;

    if (props.autoscaling) {
      const role = props.role as ScalableRole;
      const target = { namespace: props.namespace, role, track, deploymentName: name };
      // A track at zero has no autoscaler: it would start pods again.
      const autoscaling = props.autoscaling === SCALED_TO_ZERO ? undefined : props.autoscaling;
      if (autoscaling?.engine === 'hpa') this.autoscaler = new AgentAutoscaler(this, 'autoscaler', { ...autoscaling, ...target });
      if (autoscaling?.engine === 'keda') new AgentScaledObject(this, 'scaled-object', { ...autoscaling, ...target, concurrency: props.concurrency });
      disruptionBudget(this, 'disruption-budget', { name, namespace: props.namespace, labels: agentLabels(role, track), selector: agentSelectorLabels(role, track) });
    }

    new AgentServiceMonitor(this, 'scrape', {
      namespace: props.namespace,
      role: props.role,
      track,
      serviceName: name,
      prometheusSelectorLabels: props.prometheusSelectorLabels,
    });
  }
}
