import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { hiveLabels } from '../workload/labels';
import { adapterConfig } from './adapter-rules';

export interface AdapterRulesConfigMapProps {
  /** Namespace where prometheus-adapter runs. */
  readonly monitoringNamespace: string;
  /** Environment namespace, to keep the ConfigMap names of environments apart. */
  readonly namespace: string;
}

/** prometheus-adapter's rules (`config.yaml`), generated from the names the HPAs use. */
export class AdapterRulesConfigMap extends Construct {
  constructor(scope: Construct, id: string, props: AdapterRulesConfigMapProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'config-map', {
      metadata: { name: `agent-hive-adapter-rules-${props.namespace}`, namespace: props.monitoringNamespace, labels: hiveLabels('monitoring') },
      data: { 'config.yaml': stringify(adapterConfig()) },
    });
  }
}
