import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Environment } from '../../environment/environment-schema';
import { hiveLabels } from '../workload/labels';
import { gatewayAlerts } from './gateway-alerts';
import { slaAlerts } from './sla-alerts';

export interface HiveAlertRulesProps {
  readonly environment: Environment;
}

/** The SLA and gateway alerts as a PrometheusRule in the agents' namespace, labelled for Prometheus' ruleSelector. */
export class HiveAlertRules extends Construct {
  constructor(scope: Construct, id: string, props: HiveAlertRulesProps) {
    super(scope, id);
    const spec: IPrometheusRule['spec'] = {
      groups: [
        { name: 'agent-hive.sla', interval: '30s', rules: slaAlerts(props.environment).map((rule) => ({ ...rule })) },
        { name: 'agent-hive.gateway', interval: '30s', rules: gatewayAlerts(props.environment).map((rule) => ({ ...rule })) },
      ],
    };
    new ApiObject(this, 'rules', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: 'agent-hive-sla',
        namespace: props.environment.namespace,
        labels: { ...props.environment.monitoring.selectorLabels, ...hiveLabels('monitoring') },
      },
      spec,
    });
  }
}
