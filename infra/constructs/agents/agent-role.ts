import { Construct } from 'constructs';
import { ScalableRole } from '../../../agent-runtime/src/contract';
import { AgentServiceMonitor } from '../monitoring/agent-service-monitor';
import { hiveLabels, selectorLabels } from '../workload/labels';
import { disruptionBudget } from '../workload/scaled-out';
import { AgentAutoscaler, AgentAutoscalerProps } from './agent-autoscaler';
import { AgentDeployment, AgentDeploymentProps } from './agent-deployment';
import { AgentScaledObject, AgentScaledObjectProps } from './agent-scaled-object';

type RoleProps = 'namespace' | 'role' | 'deploymentName';
/** An HPA on metrics prometheus-adapter serves, or a KEDA ScaledObject. */
export type AutoscalingProps =
  | ({ readonly engine: 'hpa' } & Omit<AgentAutoscalerProps, RoleProps>)
  | ({ readonly engine: 'keda' } & Omit<AgentScaledObjectProps, RoleProps | 'concurrency'>);

export interface AgentRoleProps extends Omit<AgentDeploymentProps, 'scaling'> {
  /** How the role scales; omitted for the meta singleton, which never runs twice. */
  readonly autoscaling?: AutoscalingProps;
  /** Labels Prometheus selects the role's ServiceMonitor by. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/**
 * Everything one agent role needs: workload, scaling, disruption budget and
 * scrape config. Scalable roles get an HPA (or a ScaledObject) and a PDB; meta is a singleton.
 */
export class AgentRoleWorkload extends Construct {
  readonly deployment: AgentDeployment;
  readonly autoscaler?: AgentAutoscaler;

  constructor(scope: Construct, id: string, props: AgentRoleProps) {
    super(scope, id);
    if ((props.role === 'meta') !== (props.autoscaling === undefined)) {
      throw new Error(`'autoscaling' must be set for every role but meta (role '${props.role}')`);
    }
    this.deployment = new AgentDeployment(this, 'workload', {
      ...props,
      scaling: props.autoscaling ? 'autoscaled' : 'singleton',
    });
    const name = this.deployment.name;

    if (props.autoscaling) {
      const target = { namespace: props.namespace, role: props.role as ScalableRole, deploymentName: name };
      if (props.autoscaling.engine === 'hpa') this.autoscaler = new AgentAutoscaler(this, 'autoscaler', { ...props.autoscaling, ...target });
      else new AgentScaledObject(this, 'scaled-object', { ...props.autoscaling, ...target, concurrency: props.concurrency });
      disruptionBudget(this, 'disruption-budget', {
        name,
        namespace: props.namespace,
        labels: hiveLabels('agent', props.role),
        selector: selectorLabels('agent', props.role),
      });
    }

    new AgentServiceMonitor(this, 'scrape', {
      namespace: props.namespace,
      role: props.role,
      serviceName: name,
      prometheusSelectorLabels: props.prometheusSelectorLabels,
    });
  }
}
