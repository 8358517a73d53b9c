import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hiveLabels } from '../workload/labels';
import { dashboardPanels, PanelState } from './dashboard-panels';

export interface GrafanaDashboardProps {
  /** Namespace the agents run in (queries are scoped to it). */
  readonly namespace: string;
  /** Namespace where the Grafana sidecar looks for dashboards. */
  readonly monitoringNamespace: string;
  /** Grafana folder (sidecar annotation). */
  readonly folder: string;
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** The dashboard as a ConfigMap the Grafana sidecar picks up (label `grafana_dashboard`). */
export class GrafanaDashboard extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const panels = dashboardPanels(props.namespace).map((panel, index) => ({
      id: index + 1,
      type: panel.states ? 'state-timeline' : 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { x: (index % 2) * PANEL_WIDTH, y: Math.floor(index / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
      fieldConfig: { defaults: { unit: panel.unit, ...(panel.states && { mappings: valueMappings(panel.states) }) }, overrides: [] },
      targets: panel.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legend })),
    }));
    const dashboard = {
      uid: `agent-hive-${props.namespace}`,
      title: `Agent Hive (${props.namespace})`,
      tags: ['agent-hive'],
      timezone: 'utc',
      schemaVersion: 39,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
      panels,
    };
    new k8s.KubeConfigMap(this, 'dashboard', {
      metadata: {
        name: `agent-hive-dashboard-${props.namespace}`,
        namespace: props.monitoringNamespace,
        labels: { ...hiveLabels('monitoring'), grafana_dashboard: '1' },
        annotations: { grafana_folder: props.folder },
      },
      data: { 'agent-hive.json': JSON.stringify(dashboard, null, 2) },
    });
  }
}

/** Grafana's value mappings: each state's number shown as its name, in its colour. */
function valueMappings(states: readonly PanelState[]): object[] {
  return [{ type: 'value', options: Object.fromEntries(states.map((s, index) => [String(s.value), { text: s.text, color: s.color, index }])) }];
}
