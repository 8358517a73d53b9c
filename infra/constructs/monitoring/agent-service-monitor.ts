import { Construct } from 'constructs';
import { AgentRole, STABLE_TRACK } from '../../../agent-runtime/src/contract';
import { agentSelectorLabels, hiveLabels, ROLE_LABEL, TRACK_LABEL } from '../workload/labels';
import { MetricsServiceMonitor } from './metrics-service-monitor';

export interface AgentServiceMonitorProps {
  readonly namespace: string;
  readonly role: AgentRole;
  /** The role's track whose Service this scrapes. */
  readonly track: string;
  /** Name of the track's metrics Service. */
  readonly serviceName: string;
  /** Labels Prometheus' serviceMonitorSelector matches (the environment's `monitoring.selectorLabels`). */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
}

/** The pod's role as a target label, under the name Kubernetes service discovery sanitizes `agent-hive/role` to. */
const POD_ROLE_LABEL = ROLE_LABEL.replace(/[^a-zA-Z0-9_]/g, '_');

/** Tells the Prometheus operator to scrape a role's metrics port. */
export class AgentServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: AgentServiceMonitorProps) {
    super(scope, id);
    new MetricsServiceMonitor(this, 'monitor', {
      namespace: props.namespace,
      serviceName: props.serviceName,
      serviceSelector: agentSelectorLabels(props.role, props.track),
      labels: { ...hiveLabels('monitoring', props.role), ...(props.track === STABLE_TRACK ? {} : { [TRACK_LABEL]: props.track }) },
      prometheusSelectorLabels: props.prometheusSelectorLabels,
      // Every series gets a `role`. The hive_ metrics set it themselves, and meta's set it to the
      // role they describe (the backlog of every role), so the pod's role only fills a missing
      // one: prom-client's process_ and nodejs_ metrics carry no labels. A target label named
      // `role` would instead turn every scraped `role` into `exported_role`.
      roleLabeling: {
        relabelings: [{ sourceLabels: [`__meta_kubernetes_pod_label_${POD_ROLE_LABEL}`], targetLabel: POD_ROLE_LABEL, action: 'replace' }],
        metricRelabelings: [
          { sourceLabels: ['role', POD_ROLE_LABEL], separator: ';', regex: ';(.+)', targetLabel: 'role', replacement: '$1', action: 'replace' },
          { regex: POD_ROLE_LABEL, action: 'labeldrop' },
        ],
      },
    });
  }
}
